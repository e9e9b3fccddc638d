import { BackendError, BackendErrorCode } from "./backendError.js";

/** Why a request's combined signal aborted, in order of precedence. */
export interface AbortSources {
  backend: string;
  method: string;
  startedAt: number;
  /** The backend's lifetime: aborted by remove/replace/destroy with the reason to report. */
  lifetime: AbortSignal;
  caller: AbortSignal | undefined;
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

/** ERR_BACKEND_BUSY: the backend has `maxInFlight` requests in flight; this one was not sent. */
export function busyError(backend: string, method: string, maxInFlight: number): BackendError {
  return new BackendError(
    BackendErrorCode.Busy,
    `backend "${backend}" is busy: ${maxInFlight} requests are already in flight; ${method} was not sent`,
    { backend, method, elapsedMs: 0 },
  );
}
