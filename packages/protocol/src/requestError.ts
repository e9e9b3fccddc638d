/** String codes of the local failures of a request: nothing the peer answered, so never a `ProtocolError`. */
export const RequestErrorCode = {
  /** The request's deadline passed; the peer was sent `notifications/cancelled`. */
  Timeout: "ERR_REQUEST_TIMEOUT",
  /** The caller's `AbortSignal` fired (its reason is the `cause`); the peer was sent `notifications/cancelled`. */
  Aborted: "ERR_REQUEST_ABORTED",
  /** An incoming request the peer cancelled with `notifications/cancelled` (a handler's `signal.reason`). */
  Cancelled: "ERR_REQUEST_CANCELLED",
  /** The connection closed (or the peer's stream ended) before the reply. */
  ConnectionClosed: "ERR_CONNECTION_CLOSED",
  /** Writing to the peer failed (EPIPE, a destroyed stream): the connection is unusable. */
  WriteFailed: "ERR_WRITE_FAILED",
  /** The peer's reply was a line over `maxMessageBytes` and was discarded. */
  ReplyTooLarge: "ERR_REPLY_TOO_LARGE",
  /**
   * The request could not be serialized (nesting over {@link MAX_JSON_DEPTH}, a cycle, a BigInt, a stack
   * overflow): nothing was sent and the connection is untouched.
   */
  Unserializable: "ERR_MESSAGE_UNSERIALIZABLE",
} as const;

export type RequestErrorCode = (typeof RequestErrorCode)[keyof typeof RequestErrorCode];

/** Deepest nesting of arrays and objects a message may have when this side serializes it. */
export const MAX_JSON_DEPTH = 512;

export interface RequestErrorFields {
  /** The method of the request. */
  method?: string | undefined;
  /** For `Timeout`: the deadline that passed (ms). */
  timeoutMs?: number | undefined;
  /** ms from sending (or from the start of the deadline) to the failure. */
  elapsedMs?: number | undefined;
  /** For `Timeout`: ms of `elapsedMs` during which the deadline was suspended (see `suspendDeadlines`). */
  waitedMs?: number | undefined;
  /** For `Timeout`: set when it was the request's `maxTotalMs` that passed (suspended time included). */
  maxTotalMs?: number | undefined;
  /** For `ReplyTooLarge`: the discarded line's size. */
  byteLength?: number | undefined;
  /** For `Cancelled`: the `reason` the peer gave. */
  peerReason?: string | undefined;
  cause?: unknown;
}

/**
 * A request failed on this side of the connection: timed out, aborted, cancelled by the peer (an incoming one),
 * the connection closed or could not be written, the reply was too large, the message could not be serialized.
 * Only a peer's error reply is a {@link ProtocolError}; telling the two apart is an `instanceof`.
 */
export class RequestError extends Error {
  override readonly name = "RequestError";
  readonly code: RequestErrorCode;
  readonly method: string | undefined;
  readonly timeoutMs: number | undefined;
  readonly elapsedMs: number | undefined;
  readonly waitedMs: number | undefined;
  readonly maxTotalMs: number | undefined;
  readonly byteLength: number | undefined;
  readonly peerReason: string | undefined;

  constructor(code: RequestErrorCode, message: string, fields: RequestErrorFields = {}) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.code = code;
    this.method = fields.method;
    this.timeoutMs = fields.timeoutMs;
    this.elapsedMs = fields.elapsedMs;
    this.waitedMs = fields.waitedMs;
    this.maxTotalMs = fields.maxTotalMs;
    this.byteLength = fields.byteLength;
    this.peerReason = fields.peerReason;
  }
}

export function isRequestError(value: unknown, code?: RequestErrorCode): value is RequestError {
  return value instanceof RequestError && (code === undefined || value.code === code);
}

/** Aborted: the caller's signal aborted `method` (its reason is the `cause`) after `elapsedMs`. */
export function abortedError(method: string, elapsedMs: number, reason: unknown): RequestError {
  return new RequestError(RequestErrorCode.Aborted, `Request ${method} was aborted`, {
    method,
    elapsedMs,
    cause: reason,
  });
}

/** ConnectionClosed: the connection closed before `method` got a reply. */
export function closedError(method: string | undefined, cause?: unknown): RequestError {
  return new RequestError(
    RequestErrorCode.ConnectionClosed,
    method === undefined ? "Connection closed" : `Connection closed: ${method} got no reply`,
    { method, cause },
  );
}
