import { ProtocolError, RequestError, RequestErrorCode } from "@mcpware/protocol";
import type { CancelSignal } from "@mcpware/protocol";
import { BackendError, BackendErrorCode } from "./backendError.js";
import type { StderrRing } from "./stderrRing.js";

/** Why a request's combined signal aborted, in order of precedence. */
export interface AbortSources {
  backend: string;
  method: string;
  startedAt: number;
  /** The backend's lifetime: aborted by remove/replace/destroy with the reason to report. */
  lifetime: AbortSignal;
  caller: CancelSignal | undefined;
  /** The request's deadline passed. */
  timedOut: boolean;
  /** Completes "timed out …", e.g. "after 5000 ms waiting for the reply". */
  timeoutText: string;
  stderrTail: () => readonly string[];
}

/**
 * The error a request rejects with when its signal aborts: the lifetime's reason (ERR_BACKEND_REMOVED,
 * ERR_POOL_CLOSED, or `destroy(error)`'s own error, passed through), ERR_BACKEND_ABORTED for the caller's
 * signal (its reason as `cause`), ERR_BACKEND_TIMEOUT for the deadline.
 */
export function abortErrorFor(sources: AbortSources): Error {
  const { backend, method } = sources;
  const fields = { backend, method, elapsedMs: Math.round(performance.now() - sources.startedAt) };
  if (sources.lifetime.aborted) {
    const reason = sources.lifetime.reason as Error;
    if (!(reason instanceof BackendError)) return reason;
    return new BackendError(reason.code, reason.message, { ...fields, cause: reason.cause ?? reason });
  }
  if (sources.timedOut && sources.caller?.aborted !== true) {
    return new BackendError(
      BackendErrorCode.Timeout,
      `request ${method} to backend "${backend}" timed out ${sources.timeoutText}`.trimEnd(),
      { ...fields, stderrTail: sources.stderrTail() },
    );
  }
  return new BackendError(BackendErrorCode.Aborted, `request ${method} to backend "${backend}" was aborted`, {
    ...fields,
    cause: sources.caller?.reason,
  });
}

/** A stop's reason as a BackendError: itself, or ERR_POOL_CLOSED wrapping `destroy(error)`'s own error. */
export function asBackendError(reason: Error, backend: string): BackendError {
  if (reason instanceof BackendError) return reason;
  return new BackendError(BackendErrorCode.PoolClosed, reason.message, { backend, cause: reason });
}

/** ERR_BACKEND_CIRCUIT_OPEN: when the probe is allowed, and the failure that opened the circuit. */
export function circuitOpenError(
  backend: string,
  retryAtMs: number,
  lastError: BackendError | undefined,
  stderrTail: readonly string[],
): BackendError {
  const seconds = Math.max(0, Math.ceil((retryAtMs - Date.now()) / 1000));
  return new BackendError(
    BackendErrorCode.CircuitOpen,
    `backend "${backend}" failed too often; not retried for ${seconds} s` +
      (lastError === undefined ? "" : ` (last error: ${lastError.message})`),
    { backend, stderrTail: lastError?.stderrTail ?? stderrTail, cause: lastError },
  );
}

/** ERR_BACKEND_FAILED: the restart budget is spent; the last start's failure is the cause. */
export function failedError(
  backend: string,
  maxFailedStarts: number,
  windowMs: number,
  lastError: BackendError | undefined,
  stderrTail: readonly string[],
): BackendError {
  return new BackendError(
    BackendErrorCode.Failed,
    `backend "${backend}" failed to start ${maxFailedStarts} times within ${Math.round(windowMs / 1000)} s and ` +
      `is not started again until its config changes or mcpware restarts` +
      (lastError === undefined ? "" : ` (last error: ${lastError.message})`),
    { backend, stderrTail: lastError?.stderrTail ?? stderrTail, cause: lastError },
  );
}

/** ERR_BACKEND_BUSY: the backend has `maxInFlight` requests in flight; this one was not sent. */
export function busyError(backend: string, method: string, maxInFlight: number): BackendError {
  return new BackendError(
    BackendErrorCode.Busy,
    `backend "${backend}" is busy: ${maxInFlight} requests are already in flight; ${method} was not sent`,
    { backend, method, elapsedMs: 0 },
  );
}

/**
 * What a request that failed on a process's connection rejects with, when the process is still usable:
 * ERR_BACKEND_REMOTE for the backend's error reply (the ProtocolError as `cause`), ERR_BACKEND_TIMEOUT when the
 * deadline passed, ERR_BACKEND_ABORTED when the caller's signal fired (its reason as `cause`),
 * ERR_BACKEND_BAD_REQUEST when the params could not be sent. `undefined` for any other failure: the connection
 * closed, a write failed or a reply was over the cap, so the process is unusable and the request fails with its
 * death error.
 */
export function requestFailureFor(
  error: unknown,
  backend: string,
  method: string,
  startedAt: number,
  stderr: StderrRing,
): BackendError | undefined {
  const elapsedMs = Math.round(performance.now() - startedAt);
  if (error instanceof ProtocolError) {
    return new BackendError(
      BackendErrorCode.Remote,
      `backend "${backend}" answered ${method} with an error: ${error.message}`,
      { backend, method, elapsedMs, cause: error },
    );
  }
  if (!(error instanceof RequestError)) return undefined;
  switch (error.code) {
    case RequestErrorCode.Timeout:
      return new BackendError(
        BackendErrorCode.Timeout,
        `request ${method} to backend "${backend}" ${describeTimeout(error, elapsedMs)}`,
        { backend, method, elapsedMs, stderrTail: stderr.tail(), cause: error },
      );
    case RequestErrorCode.Aborted:
      return new BackendError(
        BackendErrorCode.Aborted,
        `request ${method} to backend "${backend}" was aborted`,
        {
          backend,
          method,
          elapsedMs,
          cause: error.cause,
        },
      );
    case RequestErrorCode.Unserializable:
      return new BackendError(
        BackendErrorCode.BadRequest,
        `request ${method} was not sent to backend "${backend}": ${error.message}`,
        { backend, method, elapsedMs, cause: error },
      );
    default:
      return undefined;
  }
}

/** "timed out after …" for a connection's timeout, naming the waiting for the client it did not count. */
function describeTimeout(error: RequestError, elapsedMs: number): string {
  const waitedMs = error.waitedMs ?? 0;
  if (error.maxTotalMs !== undefined) {
    return (
      `took longer than its maximum call duration, ${error.maxTotalMs} ms` +
      (waitedMs > 0 ? ` (${waitedMs} ms of it waiting for the client)` : "")
    );
  }
  if (waitedMs > 0) {
    return `timed out after ${elapsedMs} ms (its ${error.timeoutMs} ms deadline did not count ${waitedMs} ms waiting for the client)`;
  }
  return `timed out after ${elapsedMs} ms`;
}
