/**
 * Docker-aware hygiene for backends whose command is `docker run` (skeleton: the identity until
 * implemented). The pool calls `prepareDockerRun` before spawning and `removeDockerContainer` after the stop
 * ladder or a crash.
 */

export interface DockerRunContext {
  /** Label value identifying the owning pool instance. */
  instanceId: string;
  backendName: string;
}

export interface PreparedDockerRun {
  /** The argv to spawn instead of the spec's args. */
  args: string[];
  /** The container's name (the user's `--name` or the one added). */
  containerName: string;
}

/** Returns the rewritten argv for a `docker run` command, or undefined when the command is not one. */
export function prepareDockerRun(
  command: string,
  args: readonly string[],
  context: DockerRunContext,
): PreparedDockerRun | undefined {
  void command;
  void args;
  void context;
  return undefined;
}

/** `docker rm -f NAME`, bounded in time; never rejects. */
export async function removeDockerContainer(
  containerName: string,
  options: { dockerCommand?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<void> {
  void containerName;
  void options;
}
