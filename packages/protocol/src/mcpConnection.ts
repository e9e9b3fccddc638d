import { createMessageConnection, ResponseError } from "vscode-jsonrpc/node";
import type { CancellationToken, Logger, Message, MessageConnection } from "vscode-jsonrpc/node";
import { ErrorCode, ProtocolError, toProtocolError } from "./errors.js";
import type { PeerCancelledData, ReplyTooLargeData } from "./errors.js";
import { abortInboundRequest, InboundRequests } from "./inboundRequests.js";
import { LargeIdTable } from "./largeIdTable.js";
import { McpCancellationStrategy } from "./mcpCancellationStrategy.js";
import { McpHandlers } from "./mcpHandlers.js";
import { McpMessageReader, unaliasNotificationMethod } from "./mcpMessageReader.js";
import { McpMessageWriter } from "./mcpMessageWriter.js";
import { McpMethod } from "./mcpTypes.js";
import { FramingError, NdjsonMessageReader, NdjsonMessageWriter } from "./ndjsonFraming.js";
import type { NdjsonReaderOptions } from "./ndjsonFraming.js";
import { closedError, normalizeTimeoutMs, OutgoingRequests } from "./outgoingRequests.js";

/** A JSON-RPC request id: a string or an integer, never null. */
export type RequestId = string | number;

export interface Disposable {
  dispose(): void;
}

/** How long requests already read may still take to be answered after the readable ended (ms). */
export const DEFAULT_END_GRACE_MS = 5_000;

export interface McpConnectionOptions extends NdjsonReaderOptions {
  /** Deadline applied to outgoing requests that set none (ms). Default: none. */
  defaultRequestTimeoutMs?: number;
  /**
   * Answer bad input from the peer with an error response without `id` (-32700 for invalid JSON, -32600 for
   * JSON that is not a JSON-RPC message, or for a line over `maxMessageBytes`, with its `id` when the framing
   * could read one). Default `true`. A client talking to a server whose stdout may carry noise can turn it off;
   * bad input is then only reported through `onError`. Either way, a line over the cap that carries the id of
   * one of our pending requests fails that request at once (-32603, `data: {reason: "tooLarge", byteLength}`).
   * A line shaped like a response (`result` or `error` and no `method`: an error response without `id`, say)
   * is never answered, only reported: two connections would otherwise answer each other's replies forever.
   */
  answerInvalidInput?: boolean;
  /**
   * After the readable ends, how long (ms) the requests already read may take to be answered before the
   * connection closes anyway (aborting them; their responses are dropped). Default {@link DEFAULT_END_GRACE_MS};
   * `Infinity`: until they settle or `dispose()`.
   */
  endGraceMs?: number;
}

export interface RequestOptions {
  /** Aborting it sends `notifications/cancelled` and rejects the request at once. */
  signal?: AbortSignal;
  /** Deadline for this request (ms); on expiry the same as an abort. `Infinity`: none. */
  timeoutMs?: number;
}

/** What a request handler knows about the request it serves. */
export interface IncomingRequestContext {
  /**
   * The id exactly as the peer sent it. An integer beyond 2^53 is an opaque placeholder string here (the
   * response still carries the peer's exact digits).
   */
  readonly id: RequestId;
  readonly method: string;
  /**
   * Aborted when the peer cancels this request (`notifications/cancelled`; `reason` is a `ProtocolError`
   * -32001 with {@link PeerCancelledData}) or the connection closes (`ProtocolError` -32000). Once the peer
   * cancelled, whatever the handler returns is dropped.
   */
  readonly signal: AbortSignal;
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
   * Send a request. Params are sent exactly as given (omitted when undefined).
   * Resolves with the peer's `result`; rejects with a `ProtocolError`: the peer's error (local
   * vscode-jsonrpc codes mapped to -32603), `RequestTimeout` (-32001) on deadline or abort (after sending
   * `notifications/cancelled`), `ConnectionClosed` (-32000) when the connection closes first.
   *
   * Deadline or abort settle the promise at once, without waiting for the peer; `data` is a
   * `RequestTimeoutData` (`{reason: "timeout", method, timeoutMs}` or `{reason: "aborted", method}`, the
   * signal's reason then being the `cause`); a late reply is dropped. `initialize` is never cancelled at the
   * peer (MCP), only rejected locally. An already-aborted signal rejects without sending anything. Before
   * `listen()` it rejects with -32603; a bad `timeoutMs` rejects with a `TypeError`.
   */
  sendRequest<R = unknown>(method: string, params?: unknown, options?: RequestOptions): Promise<R>;
  /**
   * Send a notification; params as given (omitted when undefined). Resolves once handed to the stream; rejects
   * with `ConnectionClosed` (-32000) once closed, -32603 when the write fails.
   */
  sendNotification(method: string, params?: unknown): Promise<void>;
  /**
   * Handle one method (replacing an earlier handler of it). The handler's (awaited) return value is the result,
   * `undefined` or `null` → `{}`; a thrown `ProtocolError` chooses code, message and `data`, anything else → -32603.
   */
  onRequest(method: string, handler: RequestHandler): Disposable;
  /** Handle every method that has no handler of its own, e.g. to relay it (without one: -32601). */
  onRequest(handler: FallbackRequestHandler): Disposable;
  onNotification(method: string, handler: NotificationHandler): Disposable;
  /** Every notification without a handler of its own (`notifications/cancelled` is consumed internally). */
  onNotification(handler: FallbackNotificationHandler): Disposable;
  /**
   * Bad input from the peer (`FramingError`, already answered where the protocol says so), stream errors
   * (EPIPE, ECONNRESET) and notification handlers that threw. Never thrown, never an unhandled `'error'`.
   */
  onError(listener: (error: Error) => void): Disposable;
  /**
   * The connection closed; fired once. When the writable closes or on `dispose()`, at once. When the readable
   * ends (or is closed or destroyed), the connection reads no more and rejects its pending outgoing requests
   * with ConnectionClosed (their replies can never arrive), but keeps writing: the requests it already read are
   * answered, and it closes once every one of their responses was handed to the writable, or when
   * `endGraceMs` runs out, or on `dispose()` (the owner's way to finish at once), whichever comes first.
   */
  onClose(listener: () => void): Disposable;
  /** True once closed (not while answering the last requests after the readable ended). */
  readonly isClosed: boolean;
  /**
   * Idempotent: rejects pending requests with ConnectionClosed, aborts the peer's requests in flight (their
   * responses are dropped), stops reading. Does not end the streams.
   */
  dispose(): void;
}

/**
 * Create an MCP connection over vscode-jsonrpc with newline-delimited JSON framing.
 *
 * It owns the framing reader and writer on the two streams (not the streams: they are never ended or
 * destroyed) and guards against vscode-jsonrpc's pitfalls: MCP cancellation both ways, no `[null]` params,
 * no `result: null`, no private -3209x codes, pending requests rejected on close, no console output.
 * Throws a `TypeError` for a bad option.
 */
export function createMcpConnection(
  readable: NodeJS.ReadableStream,
  writable: NodeJS.WritableStream,
  options: McpConnectionOptions = {},
): McpConnection {
  return new Connection(readable, writable, options);
}

/** The library never logs: stdout belongs to MCP messages and stderr to the application. */
const SILENT_LOGGER: Logger = { error() {}, warn() {}, info() {}, log() {} };

class Connection implements McpConnection {
  readonly #readable: NodeJS.ReadableStream;
  readonly #largeIds: LargeIdTable;
  readonly #ownsLargeIds: boolean;
  readonly #inbound: InboundRequests;
  readonly #strategy: McpCancellationStrategy;
  readonly #reader: McpMessageReader;
  readonly #writer: McpMessageWriter;
  readonly #connection: MessageConnection;
  readonly #outgoing: OutgoingRequests;
  readonly #answerInvalidInput: boolean;
  readonly #handlers = new McpHandlers();
  readonly #errorListeners = new Set<(error: Error) => void>();
  readonly #closeListeners = new Set<() => void>();
  readonly #endGraceMs: number | undefined;
  #isListening = false;
  #isClosed = false;
  /** The readable ended: the requests already read are being answered, then the connection closes. */
  #isEnding = false;
  #endTimer: NodeJS.Timeout | undefined;

  constructor(
    readable: NodeJS.ReadableStream,
    writable: NodeJS.WritableStream,
    options: McpConnectionOptions,
  ) {
    const defaultTimeoutMs = normalizeTimeoutMs(options.defaultRequestTimeoutMs, "defaultRequestTimeoutMs");
    if (options.answerInvalidInput !== undefined && typeof options.answerInvalidInput !== "boolean") {
      throw new TypeError(`answerInvalidInput must be a boolean, got ${String(options.answerInvalidInput)}`);
    }
    this.#answerInvalidInput = options.answerInvalidInput ?? true;
    this.#endGraceMs = normalizeTimeoutMs(options.endGraceMs ?? DEFAULT_END_GRACE_MS, "endGraceMs");
    this.#readable = readable;
    this.#ownsLargeIds = options.largeIds === undefined;
    this.#largeIds = options.largeIds ?? new LargeIdTable();
    const framingReader = new NdjsonMessageReader(readable, {
      maxMessageBytes: options.maxMessageBytes,
      partialMessageTimeoutMs: options.partialMessageTimeoutMs,
      largeIds: this.#largeIds,
    });
    const framingWriter = new NdjsonMessageWriter(writable, { largeIds: this.#largeIds });
    this.#inbound = new InboundRequests(this.#largeIds);
    this.#strategy = new McpCancellationStrategy(this.#inbound, (requestId, reason) =>
      this.#write(McpMethod.Cancelled, reason === undefined ? { requestId } : { requestId, reason }),
    );
    this.#reader = new McpMessageReader(framingReader, {
      inbound: this.#inbound,
      onCancelled: (params) => this.#onPeerCancelled(params),
    });
    this.#writer = new McpMessageWriter(framingWriter, this.#inbound, this.#largeIds);
    this.#connection = createMessageConnection(this.#reader, this.#writer, SILENT_LOGGER, {
      cancellationStrategy: this.#strategy,
    });
    this.#outgoing = new OutgoingRequests(this.#connection, this.#strategy, this.#reader, defaultTimeoutMs);
    this.#connection.onRequest((method: string, params: unknown, token: CancellationToken) =>
      this.#dispatchRequest(method, params, token),
    );
    this.#connection.onNotification((method: string, params: unknown) =>
      this.#dispatchNotification(method, params),
    );
    // vscode-jsonrpc leaves pending requests pending on close: dispose() rejects them (as ConnectionClosed).
    // Its own close handler runs first and only stops new outgoing traffic through the library, which this
    // class does not use for responses: queued requests are still handled and answered.
    framingReader.onClose(() => this.#onReadableEnd());
    framingWriter.onClose(() => this.dispose());
    framingReader.onError((error) => this.#onReadError(error));
    framingWriter.onError(([error]) => this.#emitError(error));
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  listen(): void {
    if (this.#isListening || this.#isClosed) return;
    this.#isListening = true;
    this.#connection.listen();
  }

  sendRequest<R = unknown>(method: string, params?: unknown, options: RequestOptions = {}): Promise<R> {
    if (typeof method !== "string") {
      return Promise.reject(new TypeError(`method must be a string, got ${String(method)}`));
    }
    if (this.#isClosed || this.#isEnding) return Promise.reject(closedError(method));
    if (!this.#isListening) {
      return Promise.reject(
        new ProtocolError(ErrorCode.InternalError, `cannot send ${method}: call listen() first`),
      );
    }
    return this.#outgoing.send(method, params, options) as Promise<R>;
  }

  sendNotification(method: string, params?: unknown): Promise<void> {
    if (typeof method !== "string") {
      return Promise.reject(new TypeError(`method must be a string, got ${String(method)}`));
    }
    if (this.#isClosed) return Promise.reject(closedError(method));
    return this.#write(method, params).catch((error: unknown) => {
      throw toProtocolError(error);
    });
  }

  onRequest(method: string, handler: RequestHandler): Disposable;
  onRequest(handler: FallbackRequestHandler): Disposable;
  onRequest(methodOrHandler: string | FallbackRequestHandler, handler?: RequestHandler): Disposable {
    return this.#handlers.onRequest(methodOrHandler, handler);
  }

  onNotification(method: string, handler: NotificationHandler): Disposable;
  onNotification(handler: FallbackNotificationHandler): Disposable;
  onNotification(
    methodOrHandler: string | FallbackNotificationHandler,
    handler?: NotificationHandler,
  ): Disposable {
    return this.#handlers.onNotification(methodOrHandler, handler);
  }

  onError(listener: (error: Error) => void): Disposable {
    this.#errorListeners.add(listener);
    return { dispose: () => this.#errorListeners.delete(listener) };
  }

  onClose(listener: () => void): Disposable {
    this.#closeListeners.add(listener);
    return { dispose: () => this.#closeListeners.delete(listener) };
  }

  dispose(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    if (this.#endTimer !== undefined) clearTimeout(this.#endTimer);
    this.#endTimer = undefined;
    this.#writer.close();
    const error = closedError(undefined);
    this.#outgoing.rejectAll(error);
    this.#inbound.abortAll(error);
    this.#connection.dispose();
    // The framing reader lets go of the readable's 'error' event: a late error must still not crash the process.
    if (!this.#readable.listeners("error").includes(ignoreStreamError))
      this.#readable.on("error", ignoreStreamError);
    if (this.#ownsLargeIds) this.#largeIds.clear();
    const listeners = [...this.#closeListeners];
    this.#closeListeners.clear();
    for (const listener of listeners) {
      try {
        listener();
      } catch (listenerError) {
        this.#emitError(toError(listenerError));
      }
    }
  }

  /** Write a notification straight to the writer: params exactly as given, in order with everything else. */
  #write(method: string, params: unknown): Promise<void> {
    const message = params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params };
    return this.#writer.write(message as Message);
  }

  async #dispatchRequest(method: string, params: unknown, token: CancellationToken): Promise<unknown> {
    const entry = this.#strategy.entryOf(token);
    if (entry === undefined)
      throw new ResponseError(ErrorCode.InternalError, `no request state for ${method}`);
    const context: IncomingRequestContext = { id: entry.id, method, signal: entry.controller.signal };
    try {
      return await this.#handlers.handleRequest(method, params, context);
    } catch (error) {
      const wire = error as ProtocolError;
      throw new ResponseError(wire.code, wire.message, wire.data);
    }
  }

  async #dispatchNotification(aliasedMethod: string, params: unknown): Promise<void> {
    const method = unaliasNotificationMethod(aliasedMethod);
    try {
      await this.#handlers.handleNotification(method, params);
    } catch (error) {
      this.#emitError(new Error(`notification handler for ${method} failed`, { cause: error }));
    }
  }

  #onPeerCancelled(params: unknown): void {
    // MCP: "Invalid cancellation notifications SHOULD be ignored", as are unknown or finished ids.
    if (typeof params !== "object" || params === null) return;
    const { requestId, reason } = params as { requestId?: unknown; reason?: unknown };
    if (typeof requestId !== "string" && typeof requestId !== "number") return;
    const peerReason = typeof reason === "string" ? reason : undefined;
    for (const entry of this.#inbound.findByPeerId(requestId)) {
      if (entry.cancelled) continue;
      entry.cancelled = true;
      const data: PeerCancelledData =
        peerReason === undefined
          ? { reason: "cancelled", method: entry.method }
          : { reason: "cancelled", method: entry.method, peerReason };
      abortInboundRequest(
        entry,
        new ProtocolError(ErrorCode.RequestTimeout, `${entry.method} was cancelled by the peer`, data),
      );
    }
  }

  /** Nothing more will be read: answer what was read (bounded by `endGraceMs`), then close. */
  #onReadableEnd(): void {
    if (this.#isClosed || this.#isEnding) return;
    this.#isEnding = true;
    this.#outgoing.rejectAll(closedError(undefined));
    void this.#inbound.whenEmpty().then(() => this.dispose());
    if (this.#endGraceMs !== undefined) this.#endTimer = setTimeout(() => this.dispose(), this.#endGraceMs);
  }

  #onReadError(error: Error): void {
    if (error instanceof FramingError && !this.#isClosed) this.#answerFramingError(error);
    this.#emitError(error);
  }

  /**
   * A bad line: -32700 or -32600 without `id`; never a line shaped like a response. A line over the cap whose `id` the framing could tell is the
   * reply to one of our pending requests, which fails at once; otherwise it was the peer's request, answered
   * -32600 with that id so the peer's call settles.
   */
  #answerFramingError(error: FramingError): void {
    if (error.isResponse) return;
    const id = error.code === "ERR_FRAME_TOO_LARGE" ? error.requestId : undefined;
    if (id !== undefined) {
      const tooLarge = new ProtocolError(
        ErrorCode.InternalError,
        `the reply was discarded: ${error.message}`,
        { reason: "tooLarge", byteLength: error.byteLength } satisfies ReplyTooLargeData,
        { cause: error },
      );
      if (this.#outgoing.failById(id, tooLarge)) return;
    }
    if (!this.#answerInvalidInput) return;
    const parse = error.code === "ERR_FRAME_PARSE";
    const response = {
      jsonrpc: "2.0",
      ...(id === undefined ? {} : { id }),
      error: {
        code: parse ? ErrorCode.ParseError : ErrorCode.InvalidRequest,
        message: parse ? "Parse error" : "Invalid Request",
        data: { detail: error.message },
      },
    };
    // A failed write is reported by the writer's own error event.
    this.#writer.writeDirect(response as unknown as Message).catch(() => {});
  }

  #emitError(error: Error): void {
    for (const listener of [...this.#errorListeners]) {
      try {
        listener(error);
      } catch {
        // A listener's failure must not stop the others nor escape into a stream handler.
      }
    }
  }
}

/** Shared by every connection, so a stream outliving many connections gets it once. */
function ignoreStreamError(): void {}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
