import type { DeadlineSuspension } from "./deadlineSuspension.js";
import type { NdjsonReaderOptions } from "./ndjsonMessageReader.js";
import type { RawJson } from "./rawJson.js";

/**
 * A JSON-RPC request id exactly as a peer wrote it: a string, an integer, or a `bigint` for an integer beyond
 * 2^53 (which a `number` would round). Never null.
 */
export type RequestId = string | number | bigint;

export interface Disposable {
  dispose(): void;
}

/** An `'abort'` listener: a function or an object with `handleEvent` (called without an event by a `CancelSignal`). */
export type AbortListener = (() => void) | { handleEvent(): void };

/**
 * What can cancel a request: an `AbortSignal`, or anything with its `aborted`, `reason` and `'abort'` listener
 * methods. An incoming request's `context.cancellation` is one, without the cost of an `AbortController`: a
 * relay passes it on as the `signal` of the request it makes for it.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: "abort", listener: AbortListener, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: AbortListener): void;
}

export interface McpConnectionOptions extends Omit<NdjsonReaderOptions, "claimLine"> {
  /** Deadline applied to outgoing requests that set none (ms). Default: none. */
  defaultRequestTimeoutMs?: number;
  /**
   * Answer bad input from the peer with an error response without `id` (-32700 for invalid JSON, -32600 for
   * JSON that is not a JSON-RPC message, or for a line over `maxMessageBytes`, with its `id` when the framing
   * could read one). Default `true`. A client talking to a server whose stdout may carry noise can turn it off;
   * bad input is then only reported through `onError`. Either way, a line over the cap that carries the id of
   * one of our pending requests fails that request at once (`RequestError` ERR_REPLY_TOO_LARGE). A line shaped
   * like a response (`result` or `error` and no `method`) is never answered, only reported: two connections
   * would otherwise answer each other's replies forever.
   */
  answerInvalidInput?: boolean;
  /**
   * After the readable ends, how long (ms) the requests already read may take to be answered before the
   * connection closes anyway (aborting them; their responses are dropped). Default {@link DEFAULT_END_GRACE_MS};
   * `Infinity`: until they settle or `dispose()`.
   */
  endGraceMs?: number;
  /**
   * While this many of the peer's requests are unanswered, nothing more is read (the peer's writes back up into
   * the pipe); reading resumes as they are answered. Default {@link DEFAULT_MAX_INBOUND_REQUESTS}.
   */
  maxInboundRequests?: number;
  /**
   * The same for the size of those requests (characters of their lines): what they hold in memory while they are
   * served. Default {@link DEFAULT_MAX_INBOUND_BYTES}. One request over it is still read and served.
   */
  maxInboundBytes?: number;
  /** High-water mark of the writer in bytes (see `NdjsonMessageWriter`). */
  writeHighWaterMark?: number;
}

export interface RequestOptions {
  /** Aborting it sends `notifications/cancelled` and rejects the request at once. */
  signal?: CancelSignal | undefined;
  /**
   * Deadline for this request (ms); on expiry the same as an abort. `Infinity`: none. It stops running while the
   * request is covered by a `suspendDeadlines()` suspension.
   */
  timeoutMs?: number | undefined;
  /**
   * The longest the request may take in all (ms), suspended time included; on expiry the same as its deadline
   * (ERR_REQUEST_TIMEOUT with `maxTotalMs` set). Default: none.
   */
  maxTotalMs?: number | undefined;
  /**
   * Resolve with a {@link RawJson} of the result instead of the parsed value: a success reply in the usual shape
   * is then never parsed (a relay forwards the text as is).
   */
  raw?: boolean | undefined;
}

/** What a request handler knows about the request it serves. */
export interface IncomingRequestContext {
  /** The id exactly as the peer sent it (a `bigint` for an integer beyond 2^53). */
  readonly id: RequestId;
  readonly method: string;
  /**
   * Aborted when the peer cancels this request (`notifications/cancelled`; `reason` is a `RequestError`
   * ERR_REQUEST_CANCELLED) or the connection closes (ERR_CONNECTION_CLOSED). Once the peer cancelled, whatever
   * the handler returns is dropped.
   */
  readonly signal: AbortSignal;
  /**
   * The same cancellation as `signal` (aborted at the same moments, with the same reason), without creating an
   * `AbortController`: what a relay hands on as the `signal` of the request it makes for this one.
   */
  readonly cancellation: CancelSignal;
}

export type RequestHandler = (params: unknown, context: IncomingRequestContext) => unknown;
export type FallbackRequestHandler = (
  method: string,
  params: unknown,
  context: IncomingRequestContext,
) => unknown;
export type NotificationHandler = (params: unknown) => void;
export type FallbackNotificationHandler = (method: string, params: unknown) => void;

/**
 * One MCP peer over a pair of byte streams. See `createMcpConnection`.
 */
export interface McpConnection extends Disposable {
  /** Start reading. Handlers registered before or after are honoured. Idempotent; no-op once closed. */
  listen(): void;
  /**
   * Send a request. Params are sent exactly as given (omitted when undefined); the id is the connection's own
   * (1, 2, 3, …). Resolves with the peer's `result` (a {@link RawJson} with `raw`). Rejects with a
   * `ProtocolError` when the peer answers with an error, and with a `RequestError` for every local failure:
   * ERR_REQUEST_TIMEOUT (deadline) and ERR_REQUEST_ABORTED (signal; its reason is the `cause`), both after
   * sending `notifications/cancelled` (never for `initialize`, which MCP says must not be cancelled), with a late
   * reply dropped; ERR_CONNECTION_CLOSED, ERR_WRITE_FAILED, ERR_REPLY_TOO_LARGE; ERR_MESSAGE_UNSERIALIZABLE when
   * the params cannot be serialized or nest deeper than `MAX_JSON_DEPTH` (nothing is sent, nothing else is
   * affected). An already-aborted signal rejects without sending; a bad `timeoutMs` rejects with a
   * `TypeError`. Requests may be sent before `listen()`; their replies are read once it is called.
   */
  sendRequest(method: string, params: unknown, options: RequestOptions & { raw: true }): Promise<RawJson>;
  sendRequest<R = unknown>(method: string, params?: unknown, options?: RequestOptions): Promise<R>;
  /**
   * Suspend the deadlines (`timeoutMs`) of the requests pending now, not of those sent later, until the
   * suspension is disposed; each then runs on with the time it had left. For a relay whose peer, in the middle of
   * a request, waits on an answer that may take a person's time. Their `maxTotalMs` keeps running.
   */
  suspendDeadlines(): DeadlineSuspension;
  /**
   * Send a notification; params as given (omitted when undefined). Resolves once queued for writing; rejects
   * with a `RequestError` once closed (ERR_CONNECTION_CLOSED) or when it cannot be serialized.
   */
  sendNotification(method: string, params?: unknown): Promise<void>;
  /**
   * Handle one method (replacing an earlier handler of it). Called synchronously, in read order, as the request is
   * read. The handler's (awaited) return value is the result, `undefined` or `null` → `{}`, a {@link RawJson}
   * written as is; a thrown `ProtocolError` chooses code, message and `data`, anything else → -32603.
   */
  onRequest(method: string, handler: RequestHandler): Disposable;
  /** Handle every method that has no handler of its own, e.g. to relay it (without one: -32601). */
  onRequest(handler: FallbackRequestHandler): Disposable;
  /** Called synchronously, in read order. */
  onNotification(method: string, handler: NotificationHandler): Disposable;
  /** Every notification without a handler of its own (`notifications/cancelled` is consumed internally). */
  onNotification(handler: FallbackNotificationHandler): Disposable;
  /**
   * Bad input from the peer (`FramingError`, already answered where the protocol says so), stream errors
   * (EPIPE, ECONNRESET) and notification handlers that threw. Never thrown, never an unhandled `'error'`.
   */
  onError(listener: (error: Error) => void): Disposable;
  /**
   * The connection closed; fired once. When the writable closes or fails, or on `dispose()`, at once. When the
   * readable ends (or is closed or destroyed), the connection reads no more and rejects its pending outgoing
   * requests with ERR_CONNECTION_CLOSED (their replies can never arrive), but keeps writing: the requests it
   * already read are answered, and it closes once every one of their responses was handed to the writer, or
   * when `endGraceMs` runs out, or on `dispose()`, whichever comes first.
   */
  onClose(listener: () => void): Disposable;
  /** True once closed (not while answering the last requests after the readable ended). */
  readonly isClosed: boolean;
  /** Bytes the writer holds (its queue and the stream's); see `NdjsonMessageWriter.queuedBytes`. */
  readonly queuedBytes: number;
  /** True while the writer holds more than its high-water mark: stop producing until `onDrain`. */
  readonly needsDrain: boolean;
  /** The writer passed its high-water mark (`needsDrain` became true). */
  onNeedsDrain(listener: () => void): Disposable;
  /** The writer fell back to its high-water mark. */
  onDrain(listener: () => void): Disposable;
  /** Stop reading the peer (nothing more is dispatched until `resume()`); idempotent. */
  pause(): void;
  /** Read again after `pause()`; idempotent. */
  resume(): void;
  /**
   * Idempotent: rejects pending requests with ERR_CONNECTION_CLOSED (or `reason`'s code when it is a
   * `RequestError`), aborts the peer's requests in flight (their responses are dropped), stops reading. Hands
   * what the writer holds back for joining to the stream; does not end the streams.
   */
  dispose(reason?: Error): void;
}
