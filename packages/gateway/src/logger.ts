import { format } from "node:util";
import createDebug from "debug";
import type { Redactor } from "./redactor.js";
import { createRedactor } from "./redactor.js";

/** Log levels, most severe first. */
export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEFAULT_LOG_LEVEL: LogLevel = "info";

/** The `debug` namespace prefix of every gateway logger. */
export const LOG_NAMESPACE = "mcpware";

/**
 * Writes to stderr only (never stdout, which carries MCP messages). Every message passes through the
 * redactor. `debug` messages go through the `debug` package under `mcpware:<namespace>`, so they appear with
 * `--log-level debug` or `DEBUG=mcpware:*`; tool arguments and results are logged only there.
 */
export interface Logger {
  error(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  /** Whether `debug` messages of this logger are written (to skip building costly ones). */
  readonly isDebugEnabled: boolean;
  /** A logger for `mcpware:<namespace>` sharing level, stream and redactor. */
  child(namespace: string): Logger;
  readonly redactor: Redactor;
}

export interface LoggerOptions {
  /** Default `info`. */
  level?: LogLevel;
  /** Default `process.stderr`. */
  stream?: NodeJS.WritableStream;
  redactor?: Redactor;
  /** Default `gateway`. */
  namespace?: string;
}

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === "string" && (LOG_LEVELS as readonly string[]).includes(value);
}

/** Creates the root logger. With level `debug`, also enables the `mcpware:*` debug namespaces. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? DEFAULT_LOG_LEVEL;
  const stream = options.stream ?? process.stderr;
  const redactor = options.redactor ?? createRedactor();
  if (level === "debug") {
    const current = createDebug.disable();
    createDebug.enable([current, `${LOG_NAMESPACE}:*`].filter((part) => part !== "").join(","));
  }
  return makeLogger(options.namespace ?? "gateway", LOG_LEVELS.indexOf(level), stream, redactor);
}

function makeLogger(
  namespace: string,
  threshold: number,
  stream: NodeJS.WritableStream,
  redactor: Redactor,
): Logger {
  const debugInstance = createDebug(`${LOG_NAMESPACE}:${namespace}`);
  debugInstance.log = (...args: unknown[]) => {
    writeLine(stream, redactor.redact(format(...args)));
  };
  const write = (severity: number, label: string, message: string, args: unknown[]): void => {
    if (severity > threshold) return;
    const text = args.length === 0 ? message : format(message, ...args);
    writeLine(stream, redactor.redact(`${LOG_NAMESPACE}:${namespace} ${label} ${text}`));
  };
  return {
    error: (message, ...args) => write(0, "error", message, args),
    warn: (message, ...args) => write(1, "warn", message, args),
    info: (message, ...args) => write(2, "info", message, args),
    debug: (message, ...args) => {
      // A lone message is passed as an argument so a "%" in it is never taken for a format directive.
      if (debugInstance.enabled) debugInstance("%s", args.length === 0 ? message : format(message, ...args));
    },
    get isDebugEnabled() {
      return debugInstance.enabled;
    },
    child: (child) => makeLogger(`${namespace}:${child}`, threshold, stream, redactor),
    redactor,
  };
}

function writeLine(stream: NodeJS.WritableStream, line: string): void {
  try {
    stream.write(line.endsWith("\n") ? line : `${line}\n`);
  } catch {
    // stderr gone: nothing useful left to do with a log line.
  }
}

/** A logger that writes nothing (library use without logging). */
export function createSilentLogger(): Logger {
  return makeLogger(
    "gateway",
    -1,
    { write: () => true } as unknown as NodeJS.WritableStream,
    createRedactor(),
  );
}
