import { execFile } from "node:child_process";

/** Default bound on one Docker CLI call made for housekeeping (ms). */
export const DEFAULT_DOCKER_CLI_TIMEOUT_MS = 10_000;

const MAX_DOCKER_OUTPUT_BYTES = 16 * 1024 * 1024;

/** How to reach the Docker CLI. */
export interface DockerCliOptions {
  /** The CLI program. Default `docker` (looked up on PATH). */
  dockerCommand?: string;
  /** Environment of the CLI (DOCKER_HOST, DOCKER_CONTEXT, PATH…). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Options for `docker` itself placed before the subcommand (`--context x`). */
  globalArgs?: readonly string[];
  /** Bound on the call (ms); the CLI is killed when it is exceeded. */
  timeoutMs?: number;
}

/** The outcome of one CLI call. `error` is set when it could not run, timed out or exited non-zero. */
export interface DockerCliResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  error: Error | undefined;
}

/** Runs the Docker CLI with `args`, bounded in time. Never rejects. */
export function runDockerCli(
  args: readonly string[],
  options: DockerCliOptions = {},
): Promise<DockerCliResult> {
  const command = options.dockerCommand ?? "docker";
  const timeoutMs = options.timeoutMs ?? DEFAULT_DOCKER_CLI_TIMEOUT_MS;
  const argv = [...(options.globalArgs ?? []), ...args];
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: DockerCliResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const child = execFile(
      command,
      argv,
      { env: options.env ?? process.env, maxBuffer: MAX_DOCKER_OUTPUT_BYTES, windowsHide: true },
      (error, stdout, stderr) => {
        const exitCode = typeof error?.code === "number" ? error.code : error ? null : 0;
        finish({
          exitCode,
          stdout,
          stderr,
          timedOut: false,
          error: error
            ? new Error(`${command} ${args.join(" ")} failed: ${stderr.trim() || error.message}`, {
                cause: error,
              })
            : undefined,
        });
      },
    );
    // Our own bound rather than execFile's: it settles even if a grandchild keeps the pipes open.
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish({
        exitCode: null,
        stdout: "",
        stderr: "",
        timedOut: true,
        error: new Error(`${command} ${args.join(" ")} did not finish within ${timeoutMs} ms`),
      });
    }, timeoutMs);
    timer.unref();
  });
}
