import type { Message } from "vscode-jsonrpc/node";
import { normalizeConnectionOptions } from "./connectionOptions.js";
import type { ConnectionSettings } from "./connectionOptions.js";
import { requestDeadlines } from "./deadlines.js";
import { DeadlineSuspension } from "./deadlineSuspension.js";
import { toProtocolError } from "./errors.js";
import { FramingError } from "./framingError.js";
import { InboundRequest, InboundRequests } from "./inboundRequests.js";
import {
  cancelledLine,
  errorLine,
  framingErrorLine,
  notificationLine,
  peerError,
  requestLine,
  resultLine,
  toError,
} from "./jsonRpcLines.js";
import { exactRequestId } from "./jsonRpcShape.js";
import type {
  Disposable,
  FallbackNotificationHandler,
  FallbackRequestHandler,
  McpConnection,
  McpConnectionOptions,
  NotificationHandler,
  RequestHandler,
  RequestOptions,
} from "./mcpConnectionTypes.js";
import { Listeners } from "./listeners.js";
import { McpHandlers } from "./mcpHandlers.js";
import { McpMethod } from "./mcpTypes.js";
import { NdjsonMessageReader } from "./ndjsonMessageReader.js";
import { NdjsonMessageWriter } from "./ndjsonMessageWriter.js";
import { OutgoingRequest, OutgoingRequests } from "./outgoingRequests.js";
import { RawJson } from "./rawJson.js";
import { abortedError, closedError, RequestError, RequestErrorCode } from "./requestError.js";
import { matchResultLine } from "./resultLine.js";
import type { ResultLineMatch } from "./resultLine.js";

/** Why reading is paused: bits, so the owner's pause and the connection's own do not undo each other. */
const PAUSED_BY_OWNER = 1;
const PAUSED_BY_INBOUND = 2;

/**
 * Create an MCP connection: newline-delimited JSON framing (vscode-jsonrpc's reader and writer bases) under
 * request correlation and dispatch of its own.
 *
 * Every message is dispatched synchronously as it is read, in read order. Peer ids are kept exactly as sent
 * (strings, integers, `bigint` beyond 2^53) and put back on the response as their JSON text; ids of our own
 * requests are 1, 2, 3, …. A success reply in the usual shape to a `raw` request is handed over as text, never
 * parsed. It owns the framing on the two streams (not the streams: they are never ended or destroyed). Throws a
 * `TypeError` for a bad option.
 */
export function createMcpConnection(
  readable: NodeJS.ReadableStream,
  writable: NodeJS.WritableStream,
  options: McpConnectionOptions = {},
): McpConnection {
  return new Connection(readable, writable, options);
}

class Connection implements McpConnection {
  readonly #readable: NodeJS.ReadableStream;
  readonly #reader: NdjsonMessageReader;
  readonly #writer: NdjsonMessageWriter;
  readonly #outgoing: OutgoingRequests;
  readonly #inbound = new InboundRequests();
  readonly #handlers = new McpHandlers();
  readonly #errorListeners = new Listeners<Error>();
  readonly #closeListeners = new Listeners<void>();
  readonly #options: ConnectionSettings;
  readonly #match: ResultLineMatch = { id: 0, start: 0, end: 0 };
  // From 1, not 0: some peers (SDK v1) ignore `notifications/cancelled` for a falsy request id.
  #nextId = 1;
  #isListening = false;
  #isClosed = false;
  /** The readable ended: the requests already read are being answered, then the connection closes. */
  #isEnding = false;
  #endTimer: NodeJS.Timeout | undefined;
  #pausedBy = 0;

  constructor(
    readable: NodeJS.ReadableStream,
    writable: NodeJS.WritableStream,
    options: McpConnectionOptions,
  ) {
    this.#options = normalizeConnectionOptions(options);
    this.#readable = readable;
    this.#reader = new NdjsonMessageReader(readable, {
      maxMessageBytes: options.maxMessageBytes,
      partialMessageTimeoutMs: options.partialMessageTimeoutMs,
      claimLine: this.#claimLine,
    });
    this.#writer = new NdjsonMessageWriter(writable, { highWaterMark: options.writeHighWaterMark });
    this.#outgoing = new OutgoingRequests((id, reason) => {
      this.#writer.writeLine(cancelledLine(id, reason));
    });
    this.#reader.onClose(() => this.#onReadableEnd());
    this.#reader.onError((error) => this.#onReadError(error));
    this.#writer.onClose(() => this.dispose());
    this.#writer.onError(([error]) => {
      this.#emitError(error);
      this.dispose(
        new RequestError(RequestErrorCode.WriteFailed, `writing to the peer failed: ${error.message}`, {
          cause: error,
        }),
      );
    });
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  get queuedBytes(): number {
    return this.#writer.queuedBytes;
  }

  get needsDrain(): boolean {
    return this.#writer.needsDrain;
  }

  onDrain(listener: () => void): Disposable {
    return this.#writer.onDrain(listener);
  }

  onNeedsDrain(listener: () => void): Disposable {
    return this.#writer.onNeedsDrain(listener);
  }

  listen(): void {
    if (this.#isListening || this.#isClosed) return;
    this.#isListening = true;
    this.#reader.listen(this.#onMessage);
  }

  pause(): void {
    this.#setPaused(PAUSED_BY_OWNER, true);
  }

  resume(): void {
    this.#setPaused(PAUSED_BY_OWNER, false);
  }

  sendRequest(method: string, params?: unknown, options: RequestOptions = {}): Promise<never> {
    if (typeof method !== "string") {
      return Promise.reject(new TypeError(`method must be a string, got ${String(method)}`));
    }
    if (this.#isClosed || this.#isEnding) return Promise.reject(closedError(method));
    const deadlines = requestDeadlines(options, this.#options.defaultTimeoutMs);
    if (deadlines instanceof TypeError) return Promise.reject(deadlines);
    const { timeoutMs, maxTotalMs } = deadlines;
    const signal = options.signal;
    // Never sent, so nothing to cancel.
    if (signal?.aborted === true) return Promise.reject(abortedError(method, 0, signal.reason));
    const id = this.#nextId++;
    const line = requestLine(id, method, params);
    if (typeof line !== "string") return Promise.reject(line);
    return new Promise((resolve, reject) => {
      const request = new OutgoingRequest(
        this.#outgoing,
        id,
        method,
        options.raw === true,
        resolve as (value: unknown) => void,
        reject,
        signal,
        timeoutMs,
        maxTotalMs,
      );
      this.#outgoing.add(request);
      if (!this.#writer.writeLine(line)) {
        this.#outgoing.fail(
          id,
          new RequestError(RequestErrorCode.WriteFailed, `cannot write ${method}`, { method }),
        );
      }
    });
  }

  suspendDeadlines(): DeadlineSuspension {
    return new DeadlineSuspension(this.#outgoing);
  }

  sendNotification(method: string, params?: unknown): Promise<void> {
    if (typeof method !== "string") {
      return Promise.reject(new TypeError(`method must be a string, got ${String(method)}`));
    }
    if (this.#isClosed) return Promise.reject(closedError(method));
    const line = notificationLine(method, params);
    if (typeof line !== "string") return Promise.reject(line);
    if (!this.#writer.writeLine(line)) return Promise.reject(closedError(method));
    return Promise.resolve();
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
    return this.#errorListeners.add(listener);
  }

  onClose(listener: () => void): Disposable {
    return this.#closeListeners.add(listener);
  }

  dispose(reason?: Error): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    if (this.#endTimer !== undefined) clearTimeout(this.#endTimer);
    this.#endTimer = undefined;
    this.#outgoing.rejectAll((request) =>
      reason instanceof RequestError ? reason : closedError(request.method, reason),
    );
    this.#reader.dispose();
    this.#writer.dispose();
    try {
      this.#inbound.abortAll(closedError(undefined));
    } catch (error) {
      this.#emitError(toError(error));
    }
    // The reader lets go of the readable's 'error' event: a late error must still not crash the process.
    if (!this.#readable.listeners("error").includes(ignoreStreamError))
      this.#readable.on("error", ignoreStreamError);
    this.#closeListeners.emit(undefined, (listenerError) => this.#emitError(toError(listenerError)));
    this.#closeListeners.clear();
  }

  #setPaused(bit: number, paused: boolean): void {
    const before = this.#pausedBy;
    this.#pausedBy = paused ? before | bit : before & ~bit;
    if (before === 0 && this.#pausedBy !== 0) this.#reader.pause();
    else if (before !== 0 && this.#pausedBy === 0 && !this.#isClosed) this.#reader.resume();
  }

  /** A success reply to a raw request, recognised without parsing: handed over as text. */
  readonly #claimLine = (line: string): boolean => {
    if (this.#outgoing.rawCount === 0) return false;
    const match = this.#match;
    if (!matchResultLine(line, match)) return false;
    const request = this.#outgoing.get(match.id);
    if (request === undefined || !request.raw || !this.#outgoing.take(request, true)) return false;
    request.resolve(RawJson.fromText(line.slice(match.start, match.end)));
    return true;
  };

  readonly #onMessage = (message: Message, line: string): void => {
    const record = message as unknown as Record<string, unknown>;
    const method = record.method;
    if (typeof method !== "string") this.#onResponse(record);
    else if (record.id === undefined) this.#onNotification(method, record.params);
    else this.#onRequest(record.id as string | number, method, record.params, line);
  };

  #onRequest(peerId: string | number, method: string, params: unknown, line: string): void {
    if (this.#isClosed) return;
    const id = exactRequestId(peerId, line);
    if (id === undefined) {
      this.#onReadError(
        new FramingError(
          "ERR_FRAME_INVALID",
          "not a JSON-RPC 2.0 message: request id beyond 2^53 is not written as a plain integer literal",
          line.slice(0, 200),
          Buffer.byteLength(line),
        ),
      );
      return;
    }
    const request = new InboundRequest(id, method, line.length);
    this.#inbound.add(request);
    if (this.#isInboundFull()) this.#setPaused(PAUSED_BY_INBOUND, true);
    let result: unknown;
    try {
      result = this.#handlers.callRequest(method, params, request);
    } catch (error) {
      this.#respondWithError(request, error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (value: unknown) => this.#respond(request, value),
        (error: unknown) => this.#respondWithError(request, error),
      );
    } else this.#respond(request, result);
  }

  // At most maxInboundRequests in flight: full once that many are; the byte limit can only be noticed once a
  // request is read, so it is full past it.
  #isInboundFull(): boolean {
    return (
      this.#inbound.size >= this.#options.maxInboundRequests ||
      this.#inbound.bytes > this.#options.maxInboundBytes
    );
  }

  /** Forget an answered request; true when its response is to be written. */
  #finish(request: InboundRequest): boolean {
    const live = this.#inbound.delete(request);
    if (this.#pausedBy & PAUSED_BY_INBOUND && !this.#isInboundFull()) {
      this.#setPaused(PAUSED_BY_INBOUND, false);
    }
    return live && !request.cancelled && !this.#isClosed;
  }

  #respond(request: InboundRequest, result: unknown): void {
    if (this.#finish(request)) this.#writer.writeLine(resultLine(request.idText, request.method, result));
  }

  #respondWithError(request: InboundRequest, error: unknown): void {
    if (this.#finish(request)) this.#writer.writeLine(errorLine(request.idText, toProtocolError(error)));
  }

  #onNotification(method: string, params: unknown): void {
    if (method === McpMethod.Cancelled) {
      this.#inbound.cancel(params);
      return;
    }
    try {
      const result = this.#handlers.callNotification(method, params);
      if (result instanceof Promise) {
        result.catch((error: unknown) => this.#notificationFailed(method, error));
      }
    } catch (error) {
      this.#notificationFailed(method, error);
    }
  }

  #notificationFailed(method: string, error: unknown): void {
    this.#emitError(new Error(`notification handler for ${method} failed`, { cause: error }));
  }

  #onResponse(record: Record<string, unknown>): void {
    const request = this.#outgoing.get(record.id);
    // A late reply (after a deadline or an abort) or one to no request of ours: dropped.
    if (request === undefined || !this.#outgoing.take(request, true)) return;
    const error = record.error;
    if (error !== undefined) {
      request.reject(peerError(error));
      return;
    }
    request.resolve(request.raw ? RawJson.fromValue(record.result) : record.result);
  }

  /** Nothing more will be read: answer what was read (bounded by `endGraceMs`), then close. */
  #onReadableEnd(): void {
    if (this.#isClosed || this.#isEnding) return;
    this.#isEnding = true;
    this.#outgoing.rejectAll((request) => closedError(request.method));
    void this.#inbound.whenEmpty().then(() => this.dispose());
    if (this.#options.endGraceMs !== undefined)
      this.#endTimer = setTimeout(() => this.dispose(), this.#options.endGraceMs);
  }

  #onReadError(error: Error): void {
    if (error instanceof FramingError && !this.#isClosed) this.#answerFramingError(error);
    this.#emitError(error);
  }

  /**
   * A bad line: -32700 or -32600 without `id`; never a line shaped like a response. A line over the cap whose
   * `id` the framing could tell is the reply to one of our pending requests, which fails at once; otherwise it
   * was the peer's request, answered -32600 with that id so the peer's call settles.
   */
  #answerFramingError(error: FramingError): void {
    if (error.isResponse) return;
    const id = error.code === "ERR_FRAME_TOO_LARGE" ? error.requestId : undefined;
    if (id !== undefined) {
      const tooLarge = new RequestError(
        RequestErrorCode.ReplyTooLarge,
        `the reply was discarded: ${error.message}`,
        { byteLength: error.byteLength, cause: error },
      );
      if (this.#outgoing.fail(id, tooLarge)) return;
    }
    if (this.#options.answerInvalidInput) this.#writer.writeLine(framingErrorLine(error, id));
  }

  #emitError(error: Error): void {
    // A listener's failure must not stop the others nor escape into a stream handler.
    this.#errorListeners.emit(error, () => {});
  }
}

/** Shared by every connection, so a stream outliving many connections gets it once. */
function ignoreStreamError(): void {}
