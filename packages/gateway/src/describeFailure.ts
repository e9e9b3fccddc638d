import { BackendError, BackendErrorCode } from "@mcpware/backend-pool";
import type { CallToolResult } from "@mcpware/protocol";
import { MAX_JSON_DEPTH, ProtocolError, RequestError } from "@mcpware/protocol";
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
  /** What the request was doing, e.g. "calling tool echo" or "listing tools". */
  action: string;
  /** Masks secrets in quoted stderr lines. */
  redactor: Redactor;
}

/**
 * The one mapping from local errors (BackendError and anything unexpected) to the text the client sees:
 * what happened, with the facts (exit code, signal, last stderr lines, the deadline in seconds), and what
 * to do next. Secrets are masked.
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
      return `${name} failed to start: its command could not be run (${causeText(error)}). Check its "command" in the mcpware config.${tail}`;
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
      const waitedMs = cause?.waitedMs ?? 0;
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
      return `${name} ${describeExit(error)} while ${context.action}; it will be restarted on the next request.${tail}`;
    case BackendErrorCode.CircuitOpen:
      return `${name} crashed too often and is paused; try again later.${tail}`;
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

/** A tool result that reports an error the model can act on. */
export function errorResult(message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
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
  const lines = error.stderrTail.slice(-STDERR_LINES_IN_ERRORS).map((line) => {
    const clipped = line.length > MAX_QUOTED_LINE_LENGTH ? `${line.slice(0, MAX_QUOTED_LINE_LENGTH)}…` : line;
    return `  ${redactor.redact(clipped)}`;
  });
  return lines.length === 0 ? " It wrote nothing to stderr." : `\nLast stderr lines:\n${lines.join("\n")}`;
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
