import type { CliIo, CommonOptions } from "./cliIo.js";
import { ExitCode, flushStream } from "./cliIo.js";
import type { Gateway } from "./createGateway.js";
import { createGateway } from "./createGateway.js";
import { loadConfig } from "./loadConfig.js";
import { createLogger } from "./logger.js";
import { sweepDockerOrphans } from "./sweepDockerOrphans.js";

/** Signals that shut the gateway down. A second one forces an exit with status 1. */
export const SHUTDOWN_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
/** If stopping the backends takes longer than this (ms), they are killed and the gateway exits with 1. */
export const SHUTDOWN_DEADLINE_MS = 8_000;

export interface ServeIo extends CliIo {
  stdin: NodeJS.ReadableStream;
  /** Ends the process at once (forced shutdown). */
  exit: (code: number) => void;
}

/**
 * `mcpware serve`: the stdio MCP server. Resolves with the exit status after one idempotent shutdown,
 * triggered by stdin EOF, SIGINT, SIGTERM, SIGHUP or stdout EPIPE (the client is gone): stop accepting,
 * stop every backend with the stop ladder, flush stdout, status 0. A second signal, or a shutdown that
 * overruns its deadline, kills the backends' process groups and exits with 1.
 */
export async function runServe(options: CommonOptions, io: ServeIo): Promise<number> {
  const config = await loadConfig({ configPath: options.configPath, envFile: options.envFile });
  const logger = createLogger({ level: options.logLevel, stream: io.stderr });
  const gateway = createGateway(config, { logger });
  const available = config.backends.filter((backend) => backend.spec !== undefined).length;
  logger.info(
    `serving ${config.backends.length} backends (${available} available) from ${options.configPath}`,
  );
  // Containers left by a SIGKILLed gateway: removed in the background, never delaying initialize.
  void sweepDockerOrphans(config, logger);

  return new Promise<number>((resolve) => {
    let shuttingDown = false;
    const forceExit = (reason: string): void => {
      logger.warn(`${reason}: killing the backends and exiting`);
      killBackends(gateway);
      io.exit(ExitCode.Failure);
    };
    const shutdown = (reason: string): void => {
      if (shuttingDown) return;
      shuttingDown = true;
      logger.info(`shutting down (${reason})`);
      const deadline = setTimeout(() => forceExit("shutdown overran its deadline"), SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      gateway
        .close()
        .catch((error: unknown) => logger.error(`error while stopping the backends: ${String(error)}`))
        .then(() => flushStream(io.stdout))
        .then(
          () => {
            clearTimeout(deadline);
            for (const signal of SHUTDOWN_SIGNALS) process.removeListener(signal, onSignal);
            resolve(ExitCode.Ok);
          },
          () => resolve(ExitCode.Ok),
        );
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      if (shuttingDown) forceExit(`second signal ${signal}`);
      else shutdown(signal);
    };
    for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
    io.stdout.on("error", (error: NodeJS.ErrnoException) => {
      shutdown(
        error.code === "EPIPE" ? "stdout closed: the client is gone" : `stdout failed: ${error.message}`,
      );
    });
    gateway.serve(io.stdin, io.stdout).then(
      () => shutdown("stdin closed"),
      (error: unknown) => {
        logger.error(`cannot serve: ${String(error)}`);
        shutdown("serve failed");
      },
    );
  });
}

/** Last resort: SIGKILL every running backend's process group (the pool spawns each in its own group). */
function killBackends(gateway: Gateway): void {
  let infos;
  try {
    infos = gateway.pool.infos();
  } catch {
    return;
  }
  for (const info of infos) {
    if (info.pid === undefined) continue;
    try {
      process.kill(-info.pid, "SIGKILL");
    } catch {
      try {
        process.kill(info.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}
