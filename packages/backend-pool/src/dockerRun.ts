/**
 * Docker-aware hygiene for backends whose command is `docker run`. The pool calls `prepareDockerRun` before
 * spawning and `removeDockerContainer` after the stop ladder or a crash, unless the spec sets
 * `manageDocker: false`.
 *
 * Why: `docker run -i` closes the container's stdin when the CLI dies, but `--rm` fires only if the server then
 * exits, and a SIGKILLed CLI forwards nothing (moby/moby#20171). A name lets the pool remove the container
 * afterwards; labels let a later gateway find containers whose owner is gone; `--init` makes a forwarded SIGTERM
 * reach servers that install no handler as PID 1.
 */
import { runDockerCli } from "./dockerCli.js";
import { DOCKER_LABELS, currentDockerOwner, ownerLabels } from "./dockerOwner.js";
import type { DockerOwner } from "./dockerOwner.js";
import { DEFAULT_DOCKER_LIMITS, limitOptions } from "./dockerPolicy.js";
import type { DockerLimits } from "./dockerPolicy.js";
import { isDockerCommand, parseDockerRunArgv } from "./dockerRunArgs.js";

/** Bound on `docker rm -f` after a stop (ms). */
export const DOCKER_REMOVE_TIMEOUT_MS = 2_000;

export interface DockerRunContext {
  /** Label value identifying the owning pool instance. */
  instanceId: string;
  backendName: string;
  /** The owner recorded in the labels. Default: this process (`currentDockerOwner()`). */
  owner?: DockerOwner;
  /** CPU, memory and pull policy added unless the user's options set them. Default {@link DEFAULT_DOCKER_LIMITS}. */
  limits?: DockerLimits;
}

export interface PreparedDockerRun {
  /** The argv to spawn instead of the spec's args. */
  args: string[];
  /** The container's name (the user's `--name` or the one added). */
  containerName: string;
  /** Options the user gave `docker` itself (`--context x`); pass them to `removeDockerContainer`. */
  globalArgs: string[];
}

let containerCounter = 0;

function toNamePart(text: string): string {
  return text.replace(/[^a-zA-Z0-9_.-]+/g, "-").replace(/^[^a-zA-Z0-9]+|-+$/g, "") || "x";
}

/** True when `command` + `args` is `docker run …` or `docker container run …` with an image. */
export function isDockerRunCommand(command: string, args: readonly string[]): boolean {
  return isDockerCommand(command) && parseDockerRunArgv(args) !== undefined;
}

/**
 * Returns the rewritten argv for a `docker run` command, or undefined when the command is not one. Added right
 * after `run` (so always before the image): `--name mcpware-<instance>-<backend>-<n>` unless the user named the
 * container, the instance/backend/owner labels, `--init`, `-i` and `--rm` unless present, and
 * `--security-opt no-new-privileges` unless the user set a security option or `--privileged`, and `--cpus`,
 * `--memory`, `--pull` (the limits) unless the user set them. The user's options and everything after the image
 * are kept as they are.
 */
export function prepareDockerRun(
  command: string,
  args: readonly string[],
  context: DockerRunContext,
): PreparedDockerRun | undefined {
  if (!isDockerCommand(command)) return undefined;
  const parsed = parseDockerRunArgv(args);
  if (parsed === undefined) return undefined;
  const has = (name: string): boolean => parsed.flags.some((flag) => flag.name === name);

  const added: string[] = [];
  const userName = parsed.flags.findLast((flag) => flag.name === "name")?.value;
  let containerName = userName;
  if (containerName === undefined) {
    containerCounter += 1;
    containerName = `mcpware-${toNamePart(context.instanceId)}-${toNamePart(context.backendName)}-${containerCounter}`;
    added.push("--name", containerName);
  }
  const labels: Record<string, string> = {
    [DOCKER_LABELS.instance]: context.instanceId,
    [DOCKER_LABELS.backend]: context.backendName,
    ...ownerLabels(context.owner ?? currentDockerOwner()),
  };
  for (const [key, value] of Object.entries(labels)) added.push("--label", `${key}=${value}`);
  if (!has("init")) added.push("--init");
  if (!has("interactive")) added.push("-i");
  if (!has("rm")) added.push("--rm");
  if (!has("security-opt") && !has("privileged")) added.push("--security-opt", "no-new-privileges");
  added.push(...limitOptions(parsed.flags, context.limits ?? DEFAULT_DOCKER_LIMITS));

  return {
    args: [...args.slice(0, parsed.optionsIndex), ...added, ...args.slice(parsed.optionsIndex)],
    containerName,
    globalArgs: parsed.globalArgs,
  };
}

/** `docker rm -f NAME`, bounded in time (default 2 s); never rejects. A container already gone is fine. */
export async function removeDockerContainer(
  containerName: string,
  options: {
    dockerCommand?: string;
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
    globalArgs?: readonly string[];
  } = {},
): Promise<void> {
  await runDockerCli(["rm", "-f", containerName], {
    ...options,
    timeoutMs: options.timeoutMs ?? DOCKER_REMOVE_TIMEOUT_MS,
  });
}
