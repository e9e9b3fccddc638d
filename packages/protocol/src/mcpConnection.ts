import type { NdjsonReaderOptions } from "./ndjsonFraming.js";

/** A JSON-RPC request id: a string or an integer, never null. */
export type RequestId = string | number;

export interface Disposable {
  dispose(): void;
}

export interface McpConnectionOptions extends NdjsonReaderOptions {
  /** Deadline applied to outgoing requests that set none (ms). Default: none. */
  defaultRequestTimeoutMs?: number;
}

export interface RequestOptions {
  /** Aborting it sends `notifications/cancelled` and rejects the request at once. */
  signal?: AbortSignal;
  /** Deadline for this request (ms); on expiry the same as an abort. */
  timeoutMs?: number;
}

/** What a request handler knows about the request it serves. */
export interface IncomingRequestContext {
  /** The id exactly as the peer sent it. */
  readonly id: RequestId;
  readonly method: string;
  /** Aborted when the peer cancels this request (`notifications/cancelled`) or the connection closes. */
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
  /** Start reading. Handlers registered before or after are honoured. */
  listen(): void;
  /**
   * Send a request. Params are sent exactly as given (omitted when undefined).
   * Resolves with the peer's `result`; rejects with a `ProtocolError`: the peer's error (local
   * vscode-jsonrpc codes mapped to -32603), `RequestTimeout` (-32001) on deadline or abort (after sending
   * `notifications/cancelled`), `ConnectionClosed` (-32000) when the connection closes first.
   */
  sendRequest<R = unknown>(method: string, params?: unknown, options?: RequestOptions): Promise<R>;
  /** Send a notification; params as given (omitted when undefined). */
  sendNotification(method: string, params?: unknown): Promise<void>;
  /** Handle one method. The handler's return value is the result (`undefined` → `{}`); a thrown `ProtocolError` chooses the error code, anything else → -32603. */
  onRequest(method: string, handler: RequestHandler): Disposable;
  /** Handle every method that has no handler of its own (default: -32601). */
  onRequest(handler: FallbackRequestHandler): Disposable;
  onNotification(method: string, handler: NotificationHandler): Disposable;
  /** Every notification without a handler of its own (`notifications/cancelled` is consumed internally). */
  onNotification(handler: FallbackNotificationHandler): Disposable;
  /** Bad input from the peer (already answered where the protocol says so) and stream errors. */
  onError(listener: (error: Error) => void): Disposable;
  /** The connection closed (stream end or dispose); fired once. */
  onClose(listener: () => void): Disposable;
  readonly isClosed: boolean;
  /** Idempotent: rejects pending requests with ConnectionClosed, stops reading. Does not end the streams. */
  dispose(): void;
}

/**
 * Create an MCP connection over vscode-jsonrpc with newline-delimited JSON framing (skeleton).
 */
export function createMcpConnection(
  readable: NodeJS.ReadableStream,
  writable: NodeJS.WritableStream,
  options: McpConnectionOptions = {},
): McpConnection {
  void readable;
  void writable;
  void options;
  throw new Error("not implemented");
}
