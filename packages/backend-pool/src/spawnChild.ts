import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { BackendError, BackendErrorCode } from "./backendError.js";
import { resolveCommand } from "./resolveCommand.js";

export interface SpawnChildOptions {
  /** Backend name, for errors. */
  backend: string;
  cwd?: string;
  env: Record<string, string>;
}

/**
 * Spawn a backend: argv without a shell, three pipes, its own process group on POSIX (so the stop ladder can
 * signal grandchildren too). Resolves once the OS started the process; rejects with ERR_BACKEND_SPAWN naming
 * the command (ENOENT, EACCES, a bad cwd, …), never with an unhandled 'error'. Every stream of the child gets
 * an 'error' listener at once, so EPIPE on a dead child's stdin cannot crash the process.
 */
export async function spawnChild(
  command: string,
  args: readonly string[],
  options: SpawnChildOptions,
): Promise<ChildProcessWithoutNullStreams> {
  const resolved = resolveCommand(command, args, { env: options.env, cwd: options.cwd });
  const fail = (cause: unknown): BackendError => {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    return new BackendError(
      BackendErrorCode.Spawn,
      `backend "${options.backend}": cannot run "${command}"${code === undefined ? "" : ` (${code})`}: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { backend: options.backend, cause },
    );
  };
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn(resolved.file, resolved.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: process.platform !== "win32",
      shell: false,
      windowsHide: true,
      windowsVerbatimArguments: resolved.windowsVerbatimArguments,
    });
  } catch (error) {
    throw fail(error);
  }
  // Listeners first: a write to a dead child's stdin emits EPIPE asynchronously, and an unhandled 'error'
  // would take the whole process down. The owner adds its own listeners to learn about them.
  const ignore = (): void => {};
  child.stdin.on("error", ignore);
  child.stdout.on("error", ignore);
  child.stderr.on("error", ignore);
  await new Promise<void>((resolve, reject) => {
    const onSpawn = (): void => {
      child.off("error", onError);
      resolve();
    };
    const onError = (error: Error): void => {
      child.off("spawn", onSpawn);
      reject(fail(error));
    };
    child.once("spawn", onSpawn);
    child.once("error", onError);
  });
  child.on("error", ignore);
  return child;
}
