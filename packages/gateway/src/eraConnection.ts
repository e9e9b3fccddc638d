import type {
  ClientCapabilities,
  DeadlineSuspension,
  Disposable,
  FallbackNotificationHandler,
  FallbackRequestHandler,
  IncomingRequestContext,
  LoggingLevel,
  McpConnection,
  NotificationHandler,
  RawJson,
  RequestHandler,
  RequestId,
  RequestOptions,
} from "@mcpware/protocol";
import {
  ErrorCode,
  MODERN_PROTOCOL_VERSION,
  McpMethod,
  MetaKey,
  ProtocolError,
  REMOVED_IN_MODERN_ERA,
  SUPPORTED_PROTOCOL_VERSIONS,
  isObject,
} from "@mcpware/protocol";
import { isLoggingLevel, passesLevel } from "./logRelay.js";
import { withResultType } from "./resultType.js";
import { ListenSubscriptions } from "./listenSubscriptions.js";

/** Every version mcpware speaks, newest first: what `server/discover` and a -32022 error name. */
export const SPOKEN_PROTOCOL_VERSIONS: readonly string[] = [
  MODERN_PROTOCOL_VERSION,
  ...[...SUPPORTED_PROTOCOL_VERSIONS].reverse(),
];

/** What a 2026-07-28 request says of its client, in its `_meta`. */
export interface ModernEnvelope {
  readonly capabilities: ClientCapabilities;
  readonly clientInfo: { name?: unknown; version?: unknown } | undefined;
  /** The least severe log level the request wants messages at; none: no messages for it. */
  readonly logLevel: LoggingLevel | undefined;
}

const envelopes = new WeakMap<IncomingRequestContext, ModernEnvelope>();

/** The envelope of a request being handled, when it is a 2026-07-28 request. */
export function modernEnvelopeOf(request: IncomingRequestContext): ModernEnvelope | undefined {
  return envelopes.get(request);
}

export interface EraHooks {
  /**
   * A 2026-07-28 request arrived: its client's capabilities (every time; they may change per request). `first`:
   * the connection's first one (the client has no `initialize`: this is where it starts).
   */
  onModernRequest(connection: McpConnection, envelope: ModernEnvelope, first: boolean, method: string): void;
}

/**
 * A client connection that serves both MCP eras. A request whose `_meta` carries
 * `io.modelcontextprotocol/protocolVersion` is a 2026-07-28 request: its envelope is checked (-32022 with
 * `{supported, requested}` for another version, -32602 without client capabilities or with a bad log level),
 * methods that era removed are answered -32601, `resultType: "complete"` is added to its result, and a
 * resource-not-found error becomes -32602. Anything else is served as today (`initialize` and the legacy
 * versions). Once the client spoke 2026-07-28, list changes and resource updates go only to its
 * `subscriptions/listen` requests, and log messages only while a request that asked for them is in flight.
 */
export class EraConnection implements McpConnection {
  #modern = false;
  readonly #handlers = new Map<string, RequestHandler>();
  readonly #logRequests = new Map<RequestId, LoggingLevel>();
  readonly #listens: ListenSubscriptions;

  constructor(
    readonly inner: McpConnection,
    private readonly hooks: EraHooks,
  ) {
    this.#listens = new ListenSubscriptions(inner, (method, params, request) => {
      const handler = this.#handlers.get(method);
      return handler === undefined ? undefined : handler(params, request);
    });
    this.onRequest("subscriptions/listen", (params, request) => this.#listens.listen(params, request));
  }

  /** True once a 2026-07-28 request arrived on this connection. */
  get isModern(): boolean {
    return this.#modern;
  }

  onRequest(method: string, handler: RequestHandler): Disposable;
  onRequest(handler: FallbackRequestHandler): Disposable;
  onRequest(methodOrHandler: string | FallbackRequestHandler, handler?: RequestHandler): Disposable {
    if (typeof methodOrHandler === "string") {
      const own = handler!;
      this.#handlers.set(methodOrHandler, own);
      return this.inner.onRequest(methodOrHandler, (params, request) =>
        this.#serve(methodOrHandler, params, request, () => own(params, request)),
      );
    }
    return this.inner.onRequest((method, params, request) =>
      this.#serve(method, params, request, () => methodOrHandler(method, params, request)),
    );
  }

  #serve(method: string, params: unknown, request: IncomingRequestContext, handle: () => unknown): unknown {
    const meta = isObject(params) && isObject(params._meta) ? params._meta : undefined;
    const version = meta?.[MetaKey.ProtocolVersion];
    if (version === undefined) {
      if (method === McpMethod.Initialize) this.#modern = false;
      return handle();
    }
    const envelope = checkEnvelope(meta!, version);
    if (REMOVED_IN_MODERN_ERA.has(method)) {
      throw new ProtocolError(
        ErrorCode.MethodNotFound,
        `Method not found: ${method} (removed in ${version})`,
      );
    }
    envelopes.set(request, envelope);
    // The era probe alone does not make the client modern: it may go on with `initialize` on this connection.
    if (method !== McpMethod.ServerDiscover) {
      const first = !this.#modern;
      this.#modern = true;
      this.hooks.onModernRequest(this, envelope, first, method);
    }
    if (envelope.logLevel !== undefined) this.#logRequests.set(request.id, envelope.logLevel);
    let result: unknown;
    try {
      result = handle();
    } catch (error) {
      this.#logRequests.delete(request.id);
      throw modernError(error);
    }
    if (!(result instanceof Promise)) {
      this.#logRequests.delete(request.id);
      return withResultType(method, result);
    }
    return result.then(
      (value) => {
        this.#logRequests.delete(request.id);
        return withResultType(method, value);
      },
      (error: unknown) => {
        this.#logRequests.delete(request.id);
        throw modernError(error);
      },
    );
  }

  sendNotification(method: string, params?: unknown): Promise<void> {
    if (!this.#modern) return this.inner.sendNotification(method, params);
    switch (method) {
      case McpMethod.ToolsListChanged:
      case McpMethod.PromptsListChanged:
      case McpMethod.ResourcesListChanged:
      case McpMethod.ResourcesUpdated:
        return this.#listens.deliver(method, params);
      case McpMethod.LoggingMessage: {
        const level = isObject(params) ? params.level : undefined;
        const wanted = [...this.#logRequests.values()].some(
          (threshold) => isLoggingLevel(level) && passesLevel(level, threshold),
        );
        return wanted ? this.inner.sendNotification(method, params) : Promise.resolve();
      }
      case McpMethod.ElicitationComplete:
        return Promise.resolve(); // Removed in 2026-07-28.
      default:
        return this.inner.sendNotification(method, params);
    }
  }

  sendRequest(method: string, params: unknown, options: RequestOptions & { raw: true }): Promise<RawJson>;
  sendRequest<R = unknown>(method: string, params?: unknown, options?: RequestOptions): Promise<R>;
  sendRequest(method: string, params?: unknown, options?: RequestOptions): Promise<unknown> {
    return this.inner.sendRequest(method, params, options);
  }

  listen(): void {
    this.inner.listen();
  }
  suspendDeadlines(): DeadlineSuspension {
    return this.inner.suspendDeadlines();
  }
  onNotification(method: string, handler: NotificationHandler): Disposable;
  onNotification(handler: FallbackNotificationHandler): Disposable;
  onNotification(methodOrHandler: string | FallbackNotificationHandler, handler?: NotificationHandler) {
    return typeof methodOrHandler === "string"
      ? this.inner.onNotification(methodOrHandler, handler!)
      : this.inner.onNotification(methodOrHandler);
  }
  onError(listener: (error: Error) => void): Disposable {
    return this.inner.onError(listener);
  }
  onClose(listener: () => void): Disposable {
    return this.inner.onClose(listener);
  }
  get isClosed(): boolean {
    return this.inner.isClosed;
  }
  get queuedBytes(): number {
    return this.inner.queuedBytes;
  }
  get needsDrain(): boolean {
    return this.inner.needsDrain;
  }
  onNeedsDrain(listener: () => void): Disposable {
    return this.inner.onNeedsDrain(listener);
  }
  onDrain(listener: () => void): Disposable {
    return this.inner.onDrain(listener);
  }
  pause(): void {
    this.inner.pause();
  }
  resume(): void {
    this.inner.resume();
  }
  dispose(reason?: Error): void {
    this.#listens.close();
    this.inner.dispose(reason);
  }

  /** Ends every `subscriptions/listen` with its result (the gateway is closing). */
  closeSubscriptions(): void {
    this.#listens.close();
  }
}

/** The envelope of a 2026-07-28 request, or the error the spec asks for. */
function checkEnvelope(meta: Record<string, unknown>, version: unknown): ModernEnvelope {
  if (version !== MODERN_PROTOCOL_VERSION) {
    throw new ProtocolError(ErrorCode.UnsupportedProtocolVersion, "Unsupported protocol version", {
      supported: SPOKEN_PROTOCOL_VERSIONS,
      requested: version,
    });
  }
  const capabilities = meta[MetaKey.ClientCapabilities];
  if (!isObject(capabilities)) {
    throw new ProtocolError(
      ErrorCode.InvalidParams,
      `Invalid _meta for protocol ${MODERN_PROTOCOL_VERSION}: ${MetaKey.ClientCapabilities} is missing (an object, {} for none)`,
    );
  }
  const logLevel = meta[MetaKey.LogLevel];
  if (logLevel !== undefined && !isLoggingLevel(logLevel)) {
    throw new ProtocolError(
      ErrorCode.InvalidParams,
      `Invalid _meta: ${MetaKey.LogLevel} must be an MCP log level (debug … emergency), got ${JSON.stringify(logLevel)}`,
    );
  }
  const info = meta[MetaKey.ClientInfo];
  return {
    capabilities: capabilities as ClientCapabilities,
    clientInfo: isObject(info) ? info : undefined,
    logLevel: logLevel,
  };
}

/** 2026-07-28 retired -32002 (resource not found): such errors become -32602, their data kept. */
function modernError(error: unknown): unknown {
  if (error instanceof ProtocolError && error.code === ErrorCode.ResourceNotFound) {
    return new ProtocolError(ErrorCode.InvalidParams, error.message, error.data);
  }
  return error;
}
