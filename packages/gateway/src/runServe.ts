import type { CliIo, CommonOptions } from "./cliIo.js";
import { ExitCode, flushStream } from "./cliIo.js";
import { createGateway } from "./createGateway.js";
import { loadConfig, logConfigWarnings } from "./loadConfig.js";
import { createLogger } from "./logger.js";
import { processGroupsDir } from "./stateDir.js";
import { sweepDockerOrphans } from "./sweepDockerOrphans.js";
import { sweepOrphanProcesses } from "./sweepOrphanProcesses.js";

/**
 * Signals that shut the gateway down. One arriving during a shutdown forces it: every backend's process group
 * is killed, and the gateway exits once they are gone (status 1 after a signal or an overrun deadline; after
 * stdin EOF, a signal is the client's "hurry up" and the exit status stays 0).
 */
export const SHUTDOWN_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
/** If stopping the backends takes longer than this (ms), they are killed and the gateway exits with 1. */
export const SHUTDOWN_DEADLINE_MS = 8_000;
/** A forced shutdown waits at most this long (ms) for the killed backends to be reaped before exiting. */
export const FORCED_EXIT_WAIT_MS = 5_000;

export interface ServeIo extends CliIo {
  stdin: NodeJS.ReadableStream;
  /** Ends the process at once (forced shutdown). */
  exit: (code: number) => void;
}

/**
 * `mcpware serve`: the stdio MCP server. Resolves with the exit status after one idempotent shutdown,
 * triggered by stdin EOF, SIGINT, SIGTERM, SIGHUP or stdout EPIPE (the client is gone): stop accepting,
 * stop every backend with the stop ladder, flush stdout, status 0. A signal during the shutdown, or a shutdown
 * that overruns its deadline, SIGKILLs every backend's process group (stopping ones included), waits for them
 * to exit and exits: status 1, or 0 when the shutdown began with stdin EOF (the MCP client's own close is
 * "end stdin, wait, SIGTERM").
 */
export async function runServe(options: CommonOptions, io: ServeIo): Promise<number> {
  const loaded = await loadConfig({ configPath: options.configPath, envFile: options.envFile });
  const config = options.mode === undefined ? loaded : { ...loaded, mode: options.mode };
  logConfigWarnings(config, { level: options.logLevel, stream: io.stderr });
  const logger = createLogger({ level: options.logLevel, stream: io.stderr });
  const groupsDir = processGroupsDir();
  const gateway = createGateway(config, { logger, poolOptions: { processGroupsDir: groupsDir } });
  const available = config.backends.filter((backend) => backend.spec !== undefined).length;
  logger.info(
    `serving ${config.backends.length} backends (${available} available) from ${options.configPath}`,
  );
  // Containers left by a SIGKILLed gateway: removed in the background, never delaying initialize.
  void sweepDockerOrphans(config, logger);
  // The same for plain processes (a backend that ignores the end of its stdin, and its children).
  void sweepOrphanProcesses(groupsDir, logger);

  return new Promise<number>((resolve) => {
    let shuttingDown = false;
    let clientClosed = false;
    let forcing = false;
    const forceExit = (reason: string, code: number): void => {
      if (forcing) return;
      forcing = true;
      logger.warn(`${reason}: killing the backends and exiting`);
      // Bounded: SIGKILL cannot be ignored, but a process stuck in the kernel must not keep the gateway alive.
      const bound = new Promise<void>((resolve) => setTimeout(resolve, FORCED_EXIT_WAIT_MS).unref());
      const killed = gateway.pool
        .destroy(undefined, { force: true })
        .catch((error: unknown) => logger.error(`error while killing the backends: ${String(error)}`));
      void Promise.race([killed, bound]).then(() => io.exit(code));
    };
    const shutdown = (reason: string, byClient = false): void => {
      if (shuttingDown) return;
      shuttingDown = true;
      clientClosed = byClient;
      logger.info(`shutting down (${reason})`);
      const deadline = setTimeout(
        () => forceExit("shutdown overran its deadline", ExitCode.Failure),
        SHUTDOWN_DEADLINE_MS,
      );
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
      if (!shuttingDown) shutdown(signal);
      else if (clientClosed) forceExit(`${signal} after stdin closed`, ExitCode.Ok);
      else forceExit(`second signal ${signal}`, ExitCode.Failure);
    };
    for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
    io.stdout.on("error", (error: NodeJS.ErrnoException) => {
      shutdown(
        error.code === "EPIPE" ? "stdout closed: the client is gone" : `stdout failed: ${error.message}`,
      );
    });
    gateway.serve(io.stdin, io.stdout).then(
      () => shutdown("stdin closed", true),
      (error: unknown) => {
        logger.error(`cannot serve: ${String(error)}`);
        shutdown("serve failed");
      },
    );
  });
}
