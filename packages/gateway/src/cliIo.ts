import { ConfigError } from "./configError.js";
import type { LogLevel } from "./logger.js";

/** The streams a CLI command writes to (process.stdout/stderr in the binary; buffers in tests). */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Options every command takes. */
export interface CommonOptions {
  configPath: string;
  envFile: string | undefined;
  logLevel: LogLevel;
  /** `--mode`: overrides the config's `mode`. */
  mode?: "meta" | "aggregate" | undefined;
}

/** Exit statuses of the `mcpware` command. */
export const ExitCode = {
  Ok: 0,
  /** A runtime failure: a backend failed, a tool returned an error, a forced shutdown. */
  Failure: 1,
  /** The config (or the command line) is invalid; nothing was started. */
  Usage: 2,
} as const;

/** Prints every problem of a ConfigError to stderr; returns the exit status for it. */
export function reportConfigError(error: unknown, io: CliIo): number {
  if (!(error instanceof ConfigError)) throw error;
  const where = error.file === undefined ? "config" : `config ${error.file}`;
  const count = `${error.problems.length} problem${error.problems.length === 1 ? "" : "s"}`;
  io.stderr.write(`mcpware: invalid ${where} (${count}):\n`);
  for (const problem of error.problems) io.stderr.write(`  ${problem.path}: ${problem.message}\n`);
  return ExitCode.Usage;
}

/** Resolves once everything written to `stream` so far has been handed to the OS (or the stream failed). */
export function flushStream(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    try {
      if (!stream.write("", () => resolve())) stream.once("drain", () => resolve());
    } catch {
      resolve();
    }
  });
}

/** Quotes an argv element for display when a shell would split or expand it. */
export function quoteArgument(argument: string): string {
  return argument === "" || /[\s"'\\$`;&|<>()#~]/.test(argument) ? JSON.stringify(argument) : argument;
}
