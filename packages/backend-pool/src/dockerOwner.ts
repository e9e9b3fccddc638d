import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/**
 * Who started a backend container, recorded in its labels so that a later gateway can tell whether that owner
 * still runs. Two modes: on a host the owner is a process (pid, its start time, the machine's hostname and boot
 * id); when the gateway itself runs in a container whose backends are sibling containers, the owner is that
 * container, which the engine can be asked about.
 */
export interface DockerOwner {
  pid: number;
  /** Start time of `pid` in clock ticks since boot (`/proc/PID/stat` field 22), where known: guards pid reuse. */
  startTime: string | undefined;
  hostname: string;
  /** `/proc/sys/kernel/random/boot_id`, where known. */
  bootId: string | undefined;
  /** Full id of the Docker container the owner runs in, where it runs in one. */
  containerId: string | undefined;
}

/** Label keys put on every managed container. */
export const DOCKER_LABELS = {
  instance: "io.mcpware.instance",
  backend: "io.mcpware.backend",
  ownerPid: "io.mcpware.owner-pid",
  ownerStart: "io.mcpware.owner-start",
  ownerHost: "io.mcpware.owner-host",
  ownerBoot: "io.mcpware.owner-boot",
  ownerContainer: "io.mcpware.owner-container",
} as const;

let cachedOwner: DockerOwner | undefined;

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Start time of a process in clock ticks since boot, from `/proc`; undefined where there is no `/proc`. */
export function readProcessStartTime(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) is in parentheses and may itself contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Field 22 of the whole line is the 20th after the command name.
  return fields[19];
}

/**
 * The id of the Docker container this process runs in, or undefined on a host. Docker bind-mounts the
 * container's `hostname`, `hosts` and `resolv.conf` from `…/containers/<id>/`, which shows in mountinfo under
 * cgroup v1 and v2 alike; cgroup v1 paths (`/docker/<id>`, `docker-<id>.scope`) are the fallback.
 */
export function detectContainerId(
  files: { mountinfo?: string; cgroup?: string } = {
    mountinfo: readText("/proc/self/mountinfo"),
    cgroup: readText("/proc/self/cgroup"),
  },
): string | undefined {
  const fromMounts = /\/containers\/([0-9a-f]{64})\/(?:hostname|hosts|resolv\.conf)\s/.exec(
    files.mountinfo ?? "",
  );
  if (fromMounts) return fromMounts[1];
  const fromCgroup = /docker[-/]([0-9a-f]{64})(?:\.scope)?\s*$/m.exec(files.cgroup ?? "");
  return fromCgroup?.[1];
}

/** This process as a container owner; computed once. */
export function currentDockerOwner(): DockerOwner {
  cachedOwner ??= {
    pid: process.pid,
    startTime: readProcessStartTime(process.pid),
    hostname: hostname(),
    bootId: readText("/proc/sys/kernel/random/boot_id")?.trim() || undefined,
    containerId: detectContainerId(),
  };
  return cachedOwner;
}

/** The labels that record `owner`. */
export function ownerLabels(owner: DockerOwner): Record<string, string> {
  const labels: Record<string, string> = {
    [DOCKER_LABELS.ownerPid]: String(owner.pid),
    [DOCKER_LABELS.ownerHost]: owner.hostname,
  };
  if (owner.startTime !== undefined) labels[DOCKER_LABELS.ownerStart] = owner.startTime;
  if (owner.bootId !== undefined) labels[DOCKER_LABELS.ownerBoot] = owner.bootId;
  if (owner.containerId !== undefined) labels[DOCKER_LABELS.ownerContainer] = owner.containerId;
  return labels;
}

/** Reads an owner back from a container's labels; undefined when the labels do not name one. */
export function ownerFromLabels(labels: Readonly<Record<string, string>>): DockerOwner | undefined {
  const pid = Number(labels[DOCKER_LABELS.ownerPid]);
  const host = labels[DOCKER_LABELS.ownerHost];
  if (!Number.isSafeInteger(pid) || pid <= 0 || host === undefined) return undefined;
  return {
    pid,
    startTime: labels[DOCKER_LABELS.ownerStart] || undefined,
    hostname: host,
    bootId: labels[DOCKER_LABELS.ownerBoot] || undefined,
    containerId: labels[DOCKER_LABELS.ownerContainer] || undefined,
  };
}

/** What the engine says about a container. */
export type ContainerStatus = "running" | "stopped" | "missing" | "unknown";

/** How the liveness check reaches the outside world (injected for tests). */
export interface OwnerProbe {
  /** The sweeping process itself. */
  self: DockerOwner;
  containerStatus(containerId: string): Promise<ContainerStatus>;
  /** True when a process with this pid exists here (EPERM counts as alive). */
  isPidAlive(pid: number): boolean;
  processStartTime(pid: number): string | undefined;
}

/**
 * Decides whether the owner of a container still runs: `alive`, `dead`, or `unknown` when this process cannot
 * tell (another machine, the engine did not answer). Only `dead` may lead to removal.
 */
export async function checkOwnerAlive(
  owner: DockerOwner,
  probe: OwnerProbe,
): Promise<"alive" | "dead" | "unknown"> {
  const { self } = probe;
  if (owner.containerId !== undefined && owner.containerId !== self.containerId) {
    const status = await probe.containerStatus(owner.containerId);
    if (status === "running") return "alive";
    if (status === "stopped") return "dead";
    if (status === "unknown") return "unknown";
    // Missing: the owner's container is gone (usually `--rm`), unless the id was one this engine never knew,
    // e.g. a gateway on a host that is itself a container of another engine; then only its pid can tell.
    if (owner.hostname !== self.hostname) return "dead";
  }
  if (owner.hostname !== self.hostname) return "unknown";
  if (owner.bootId !== undefined && self.bootId !== undefined && owner.bootId !== self.bootId) return "dead";
  if (!probe.isPidAlive(owner.pid)) return "dead";
  if (owner.startTime !== undefined) {
    const now = probe.processStartTime(owner.pid);
    if (now !== undefined && now !== owner.startTime) return "dead";
  }
  return "alive";
}

/** `process.kill(pid, 0)`: true when the process exists, even if it belongs to someone else. */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
