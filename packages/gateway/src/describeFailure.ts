import { BackendError, BackendErrorCode } from "@mcpware/backend-pool";
import type { CallToolResult } from "@mcpware/protocol";
import { MAX_JSON_DEPTH, McpMethod, ProtocolError, RequestError } from "@mcpware/protocol";
import type { Redactor } from "./redactor.js";

/** How many of the backend's last stderr lines an error message quotes. */
export const STDERR_LINES_IN_ERRORS = 10;
/** Longest stderr line quoted in an error message (characters). */
const MAX_QUOTED_LINE_LENGTH = 500;
const MS_PER_SECOND = 1000;

export interface FailureContext {
  /** The backend the request was for. */
  backend: string;
  /** The deadline that applied to the request (ms), for timeout messages. */
  timeoutMs: number;
  /** How long the request really took before it failed (ms); default: what the error says, else `timeoutMs`. */
  elapsedMs?: number | undefined;
  /** What the request was doing once the backend was up, e.g. 'calling tool "echo"' or "listing its tools". */
  action: string;
  /**
   * What the request was for, said of a backend that failed while starting: "before it could …", e.g. "list its
   * tools" or 'run tool "echo"'. Default: nothing is said.
   */
  purpose?: string | undefined;
  /** Masks secrets in quoted stderr lines. */
  redactor: Redactor;
}

/**
 * The one mapping from local errors (BackendError and anything unexpected) to the text the client sees:
 * what happened and in which phase (starting the backend, or the request itself), with the facts (exit code,
 * signal, last stderr lines once each, the deadline in seconds), and what to do next. Secrets are masked.
 */
export function describeFailure(error: unknown, context: FailureContext): string {
  return context.redactor.redact(explain(error, context));
}

function explain(error: unknown, context: FailureContext): string {
  const name = `backend "${context.backend}"`;
  if (!(error instanceof BackendError)) {
    const message = error instanceof Error ? error.message : String(error);
    return `internal error while ${context.action} on ${name}: ${message}`;
  }
  const tail = quoteStderr(error, context.redactor);
  switch (error.code) {
    case BackendErrorCode.Spawn:
      // The process never ran: "it wrote nothing to stderr" would say nothing.
      return `${name} failed to start: its command could not be run (${causeText(error)}). Check its "command" in the mcpware config (\`mcpware validate\` shows where it was looked for).${error.stderrTail.length > 0 ? tail : ""}`;
    case BackendErrorCode.StartTimeout:
      return `${name} failed to start: it did not complete the MCP handshake in time${secondsOf(error.elapsedMs)}.${tail}`;
    case BackendErrorCode.Initialize:
      return `${name} failed to start: the MCP initialize handshake failed (${error.message}).${tail}`;
    case BackendErrorCode.Timeout: {
      // To a tenth of a second: the real time, not the configured one, so a slow start plus a call shows.
      // Both measure from their own start (the call, the whole use_tool): the longer is the closer to the truth.
      const elapsedMs = Math.max(context.elapsedMs ?? 0, error.elapsedMs ?? 0) || context.timeoutMs;
      const elapsed = formatSeconds(Math.round(elapsedMs / 100) * 100);
      const limit = formatSeconds(context.timeoutMs);
      const cause = error.cause instanceof RequestError ? error.cause : undefined;
      // Below a tenth of a second the waiting is not worth a mention (it would read "0 s").
      const waitedMs = Math.round((cause?.waitedMs ?? 0) / 100) * 100;
      const waited = formatSeconds(Math.round(waitedMs / 100) * 100);
      if (cause?.maxTotalMs !== undefined) {
        const of = waitedMs > 0 ? `, ${waited} s of it waiting for the client` : "";
        return `${name} took longer than the most a call may take, ${formatSeconds(cause.maxTotalMs)} s (its maxCallDuration${of}), while ${context.action}; the request was cancelled.`;
      }
      let timeout = elapsed === limit ? "" : ` (its timeout is ${limit} s)`;
      if (waitedMs > 0)
        timeout = ` (its timeout is ${limit} s; the ${waited} s waiting for the client did not count)`;
      return `${name} timed out after ${elapsed} s${timeout} while ${context.action}; the request was cancelled. Try again, or with a smaller request.`;
    }
    case BackendErrorCode.Busy:
      return `${name} is busy: ${error.message.replace(/^backend "[^"]*" is busy: /, "")}. Try again when some of its calls have finished.`;
    case BackendErrorCode.BadRequest:
      return `the request was not sent to ${name}: ${describeCause(error)}. Nothing reached the backend; send arguments that JSON can encode and that nest at most ${MAX_JSON_DEPTH} levels deep.`;
    case BackendErrorCode.Aborted:
      return `the request to ${name} was cancelled while ${context.action}.`;
    case BackendErrorCode.Exited:
      if (isStartFailure(error)) {
        const before = context.purpose === undefined ? "" : ` (before it could ${context.purpose})`;
        return `${name} ${describeExit(error)} while starting${before}; it will be started again on the next request.${tail}`;
      }
      return `${name} ${describeExit(error)} while ${context.action}; it will be restarted on the next request.${tail}`;
    case BackendErrorCode.CircuitOpen:
      return `${name} crashed too often and is paused; try again later.${tail}`;
    case BackendErrorCode.Failed: {
      const given = `${name} failed to start too many times and is not started again until its config changes or mcpware restarts.`;
      // Why: the last attempt's own failure, with its stderr lines.
      return error.cause instanceof BackendError
        ? `${given} The last attempt: ${explain(error.cause, context)}`
        : `${given}${tail}`;
    }
    case BackendErrorCode.Remote: {
      const cause = error.cause instanceof ProtocolError ? error.cause : undefined;
      const detail = cause === undefined ? error.message : `${cause.message} (JSON-RPC error ${cause.code})`;
      return `${name} returned an error while ${context.action}: ${detail}`;
    }
    case BackendErrorCode.MessageTooLarge:
      return `${name} sent a reply larger than the message size limit while ${context.action}.`;
    case BackendErrorCode.Unknown:
      return `there is no ${name}.`;
    case BackendErrorCode.Removed:
      return `${name} was removed while ${context.action}.`;
    case BackendErrorCode.PoolClosed:
      return `mcpware is shutting down; ${name} is no longer available.`;
    default:
      return `${name} failed while ${context.action}: ${error.message}${tail}`;
  }
}

/** The results `errorResult` made: mcpware's own errors, as opposed to a backend's `isError` results. */
const ownErrors = new WeakSet<CallToolResult>();

/** A tool result that reports an error the model can act on; `isOwnError` knows it as mcpware's own. */
export function errorResult(message: string): CallToolResult {
  const result: CallToolResult = { content: [{ type: "text", text: message }], isError: true };
  ownErrors.add(result);
  return result;
}

/** True for a result `errorResult` made (mcpware's own error), false for anything a backend answered. */
export function isOwnError(result: CallToolResult): boolean {
  return ownErrors.has(result);
}

/**
 * True when the backend failed while starting (spawn, start timeout, refused initialize, an exit during the
 * handshake, or a restart budget spent on such failures), before the request itself was sent.
 */
export function isStartFailure(error: unknown): boolean {
  if (!(error instanceof BackendError)) return false;
  switch (error.code) {
    case BackendErrorCode.Spawn:
    case BackendErrorCode.StartTimeout:
    case BackendErrorCode.Initialize:
    case BackendErrorCode.Failed:
      return true;
    case BackendErrorCode.Exited:
      return error.method === McpMethod.Initialize;
    default:
      return false;
  }
}

function describeCause(error: BackendError): string {
  return error.cause instanceof Error ? error.cause.message : error.message;
}

function describeExit(error: BackendError): string {
  if (error.signal !== undefined && error.signal !== null) return `was killed by signal ${error.signal}`;
  if (error.exitCode !== undefined && error.exitCode !== null) return `exited with code ${error.exitCode}`;
  return "exited or closed its pipes";
}

function quoteStderr(error: BackendError, redactor: Redactor): string {
  const lines = countRepeats(error.stderrTail)
    .slice(-STDERR_LINES_IN_ERRORS)
    .map(([line, count]) => {
      const clipped =
        line.length > MAX_QUOTED_LINE_LENGTH ? `${line.slice(0, MAX_QUOTED_LINE_LENGTH)}…` : line;
      return `  ${redactor.redact(clipped)}${count > 1 ? ` (×${count})` : ""}`;
    });
  return lines.length === 0 ? " It wrote nothing to stderr." : `\nLast stderr lines:\n${lines.join("\n")}`;
}

/**
 * Each distinct line once, in the order of its first appearance, with how often it came: a backend restarted
 * a few times has printed the same error each time, and the stderr tail spans its runs.
 */
function countRepeats(lines: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts];
}

function causeText(error: BackendError): string {
  const cause = error.cause as NodeJS.ErrnoException | undefined;
  if (cause?.code !== undefined) return `${cause.code}${cause.path === undefined ? "" : ` ${cause.path}`}`;
  return error.message;
}

function secondsOf(ms: number | undefined): string {
  return ms === undefined ? "" : ` (${formatSeconds(ms)} s)`;
}

/** Milliseconds as seconds for messages: whole seconds when exact, else one decimal. */
export function formatSeconds(ms: number): string {
  const seconds = ms / MS_PER_SECOND;
  return Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(1);
}
