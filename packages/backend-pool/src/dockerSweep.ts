import { runDockerCli } from "./dockerCli.js";
import type { DockerCliOptions } from "./dockerCli.js";
import {
  DOCKER_LABELS,
  checkOwnerAlive,
  currentDockerOwner,
  isPidAlive,
  ownerFromLabels,
  readProcessStartTime,
} from "./dockerOwner.js";
import type { ContainerStatus, DockerOwner, OwnerProbe } from "./dockerOwner.js";

export interface DockerSweepOptions extends Omit<DockerCliOptions, "globalArgs"> {
  /** This gateway's instance id: its own containers are never swept. */
  instanceId?: string;
  /** The sweeping process as an owner. Default: this process. */
  self?: DockerOwner;
}

/** What a sweep did. Containers are named by their Docker name. */
export interface DockerSweepResult {
  /** Containers whose owner was found dead, and were removed. */
  removed: string[];
  /** Labelled containers left alone: owner alive, unknown, or this instance's own. */
  kept: string[];
  /** Set when the sweep could not list, inspect or remove (no CLI, engine unreachable, timeout). */
  error: Error | undefined;
}

interface InspectedContainer {
  Id?: string;
  Name?: string;
  Config?: { Labels?: Record<string, string> | null };
}

function displayName(container: InspectedContainer): string {
  return (container.Name ?? "").replace(/^\//, "") || (container.Id ?? "").slice(0, 12);
}

/**
 * Start-up sweep: removes containers labelled by an mcpware instance whose owner no longer runs (the only
 * recovery after a gateway, or the gateway's own container, was SIGKILLed). Containers without owner labels, of
 * this instance, or whose owner this process cannot judge (another machine) are kept. Never rejects.
 */
export async function sweepOrphanContainers(options: DockerSweepOptions = {}): Promise<DockerSweepResult> {
  const result: DockerSweepResult = { removed: [], kept: [], error: undefined };
  const cli: DockerCliOptions = {
    dockerCommand: options.dockerCommand,
    env: options.env,
    timeoutMs: options.timeoutMs,
  };
  const listed = await runDockerCli(
    ["ps", "-a", "--no-trunc", "--filter", `label=${DOCKER_LABELS.instance}`, "--format", "{{.ID}}"],
    cli,
  );
  if (listed.error) {
    result.error = listed.error;
    return result;
  }
  const ids = listed.stdout.split(/\s+/).filter((id) => id.length > 0);
  if (ids.length === 0) return result;

  const inspected = await runDockerCli(["inspect", "--type", "container", ...ids], cli);
  let containers: InspectedContainer[];
  try {
    // A container removed between `ps` and `inspect` makes the CLI exit 1 but still print the others.
    containers = JSON.parse(inspected.stdout || "[]") as InspectedContainer[];
  } catch (cause) {
    result.error = new Error(`docker inspect printed no JSON: ${inspected.error?.message ?? ""}`, { cause });
    return result;
  }

  const statusCache = new Map<string, Promise<ContainerStatus>>();
  const probe: OwnerProbe = {
    self: options.self ?? currentDockerOwner(),
    containerStatus: (id) => {
      let status = statusCache.get(id);
      if (status === undefined) {
        status = inspectStatus(id, cli);
        statusCache.set(id, status);
      }
      return status;
    },
    isPidAlive,
    processStartTime: readProcessStartTime,
  };

  const orphans: InspectedContainer[] = [];
  for (const container of containers) {
    const labels = container.Config?.Labels ?? {};
    const owner = ownerFromLabels(labels);
    const ours = options.instanceId !== undefined && labels[DOCKER_LABELS.instance] === options.instanceId;
    if (owner === undefined || ours || (await checkOwnerAlive(owner, probe)) !== "dead") {
      result.kept.push(displayName(container));
    } else {
      orphans.push(container);
    }
  }
  if (orphans.length === 0) return result;

  const removal = await runDockerCli(["rm", "-f", ...orphans.map((container) => container.Id ?? "")], cli);
  const removedIds = new Set(removal.stdout.split(/\s+/).filter((line) => line.length > 0));
  for (const container of orphans) {
    const name = displayName(container);
    if (removedIds.has(container.Id ?? "") || removal.error === undefined) result.removed.push(name);
    else result.kept.push(name);
  }
  result.error = removal.error;
  return result;
}

async function inspectStatus(containerId: string, cli: DockerCliOptions): Promise<ContainerStatus> {
  const answer = await runDockerCli(
    ["inspect", "--type", "container", "--format", "{{.State.Running}}", containerId],
    cli,
  );
  if (answer.error === undefined) return answer.stdout.trim() === "true" ? "running" : "stopped";
  if (!answer.timedOut && /no such (container|object)/i.test(answer.stderr)) return "missing";
  return "unknown";
}
