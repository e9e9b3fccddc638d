import type {
  BackendNotificationEvent,
  BackendPool,
  BackendRequestEvent,
  Disposable,
} from "@mcpware/backend-pool";
import type { ClientCapabilities, LoggingLevel, McpConnection } from "@mcpware/protocol";
import {
  ErrorCode,
  McpMethod,
  ProtocolError,
  RequestError,
  RequestErrorCode,
  isObject,
} from "@mcpware/protocol";
import type { ModernEnvelope } from "./eraConnection.js";
import type { InputBridge } from "./inputBridge.js";
import type { Logger } from "./logger.js";
import { LogRateLimiter, isLoggingLevel, passesLevel, tagLogMessage } from "./logRelay.js";

/** The client capability each relayed server→client request needs. */
const REQUIRED_CAPABILITY: ReadonlyMap<string, "sampling" | "elicitation" | "roots"> = new Map([
  [McpMethod.CreateMessage, "sampling"],
  [McpMethod.Elicit, "elicitation"],
  [McpMethod.RootsList, "roots"],
] as const);

/** One client being served, once it sent `initialize`. */
interface ClientSession {
  readonly connection: McpConnection;
  capabilities: ClientCapabilities | undefined;
  /** The least severe log level the client asked for (`logging/setLevel`); unset: every message. */
  logLevel: LoggingLevel | undefined;
  /** The client speaks 2026-07-28: it takes no requests (they go through the input bridge). */
  modern: boolean;
}

/**
 * The client capabilities a backend is told: `sampling`, `elicitation` and `roots` exactly as the client declared
 * them (the gateway relays those requests), nothing the client lacks and nothing else.
 */
export function relayedCapabilities(client: ClientCapabilities | undefined): ClientCapabilities {
  const relayed: ClientCapabilities = {};
  for (const name of ["sampling", "elicitation", "roots"] as const) {
    const value = client?.[name];
    if (isObject(value)) relayed[name] = value;
  }
  return relayed;
}

export interface ClientRelayOptions {
  /** Log messages relayed per backend and second. Default {@link MAX_BACKEND_LOG_MESSAGES_PER_SECOND}. */
  maxLogMessagesPerSecond: number;
  /** Where a backend's request goes when the client speaks 2026-07-28 (it takes no requests). */
  bridge?: InputBridge | undefined;
}

/**
 * What crosses the gateway besides tools, between the clients being served and the backends: the backends'
 * requests to the client (sampling, elicitation, roots; forwarded under the client connection's own ids, the
 * answer returned under the backend's), `logging/setLevel` and the backends' log messages (tagged with the
 * backend's name, rate-limited per backend), the client's roots changes, URL-mode elicitation completions.
 * A backend's request goes to the client that connected last; with one client (the CLI) that is the client.
 */
export class ClientRelay implements Disposable {
  readonly #pool: BackendPool;
  readonly #logger: Logger;
  readonly #sessions = new Map<McpConnection, ClientSession>();
  readonly #limiter: LogRateLimiter;
  readonly #subscription: Disposable;
  readonly #bridge: InputBridge | undefined;

  constructor(pool: BackendPool, logger: Logger, options: ClientRelayOptions) {
    this.#pool = pool;
    this.#logger = logger;
    this.#bridge = options.bridge;
    this.#limiter = new LogRateLimiter(options.maxLogMessagesPerSecond, (backend, dropped, limit) =>
      this.#reportDropped(backend, dropped, limit),
    );
    pool.setRequestHandler((event) => this.#forward(event));
    this.#subscription = pool.onNotification((event) => this.#onBackendNotification(event));
  }

  /** Serve a client connection: its `logging/setLevel` and `notifications/roots/list_changed`. */
  attach(connection: McpConnection): void {
    const session: ClientSession = {
      connection,
      capabilities: undefined,
      logLevel: undefined,
      modern: false,
    };
    this.#sessions.set(connection, session);
    connection.onClose(() => {
      this.#sessions.delete(connection);
      if (session.logLevel !== undefined) this.#applyLogLevel();
    });
    connection.onRequest(McpMethod.SetLoggingLevel, (params) => {
      const level = isObject(params) ? params.level : undefined;
      if (!isLoggingLevel(level)) {
        throw new ProtocolError(
          ErrorCode.InvalidParams,
          `logging/setLevel needs params {level} with an MCP log level (debug … emergency), got ${JSON.stringify(level) ?? "none"}`,
        );
      }
      session.logLevel = level;
      this.#applyLogLevel();
      return {};
    });
    connection.onNotification(McpMethod.RootsListChanged, (params) => {
      for (const backend of this.#pool.names()) {
        this.#pool.notify(backend, McpMethod.RootsListChanged, params).catch((error: unknown) => {
          this.#logger.debug(`roots change not delivered to ${backend}: ${String(error)}`);
        });
      }
    });
  }

  /**
   * The client's `initialize`: backends started from now on are told its capabilities (see
   * {@link relayedCapabilities}), and their requests go to this client.
   */
  initialize(connection: McpConnection, capabilities: unknown): void {
    const session = this.#sessions.get(connection);
    if (session === undefined) return;
    session.capabilities = isObject(capabilities) ? (capabilities as ClientCapabilities) : {};
    session.modern = false;
    // The newest session last: the one backend requests go to.
    this.#sessions.delete(connection);
    this.#sessions.set(connection, session);
    if (!this.#pool.isClosed) this.#pool.setClientCapabilities(relayedCapabilities(session.capabilities));
    // A new client without a level needs every message from now on.
    this.#applyLogLevel();
  }

  /**
   * A 2026-07-28 request: the client has no `initialize`, its capabilities come with each request. The first one
   * makes it a session like an initialized client's (backends started from now on are told its capabilities);
   * later ones keep its capabilities current for what its backends ask.
   */
  modernRequest(connection: McpConnection, envelope: ModernEnvelope): void {
    const session = this.#sessions.get(connection);
    if (session === undefined) return;
    const first = session.capabilities === undefined || !session.modern;
    if (first) this.initialize(connection, envelope.capabilities);
    session.capabilities = envelope.capabilities;
    session.modern = true;
  }

  /**
   * Sends a backend's notification to every client that initialized and is still open, as it is (the backends'
   * `notifications/resources/list_changed` and `notifications/prompts/list_changed`).
   */
  notifyClients(method: string, params: unknown): void {
    for (const session of this.#sessions.values()) {
      if (session.capabilities !== undefined && !session.connection.isClosed)
        this.#notify(session, method, params);
    }
  }

  dispose(): void {
    this.#subscription.dispose();
    this.#limiter.dispose();
    this.#sessions.clear();
  }

  /** The client a backend's request goes to: the newest one that initialized and is still open. */
  #target(): ClientSession | undefined {
    let target: ClientSession | undefined;
    for (const session of this.#sessions.values()) {
      if (session.capabilities !== undefined && !session.connection.isClosed) target = session;
    }
    return target;
  }

  async #forward(event: BackendRequestEvent): Promise<unknown> {
    const { backend, method, params, signal } = event;
    const capability = REQUIRED_CAPABILITY.get(method);
    if (capability === undefined) {
      this.#logger.debug(`backend ${backend} sent ${method}; mcpware does not relay it`);
      throw new ProtocolError(ErrorCode.MethodNotFound, `mcpware does not relay ${method} to the client`);
    }
    const session = this.#target();
    if (session === undefined) {
      throw new ProtocolError(
        ErrorCode.MethodNotFound,
        `no MCP client is connected to mcpware to answer ${method}`,
      );
    }
    const declared = session.capabilities?.[capability];
    if (!isObject(declared)) {
      throw new ProtocolError(
        ErrorCode.MethodNotFound,
        `the client does not support ${method}: it declared no "${capability}" capability`,
      );
    }
    if (method === McpMethod.Elicit && isObject(params)) {
      const mode = params.mode === "url" ? "url" : "form";
      // `elicitation: {}` means form only (MCP 2025-11-25); a client that declared only url mode has no form.
      const supported =
        mode === "url" ? isObject(declared.url) : isObject(declared.form) || !isObject(declared.url);
      if (!supported) {
        throw new ProtocolError(
          ErrorCode.InvalidParams,
          `the client does not support ${mode}-mode elicitation: it declared no elicitation.${mode} capability`,
        );
      }
    }
    this.#logger.debug(`backend ${backend} asks the client: ${method}`);
    if (session.modern && this.#bridge !== undefined) {
      return this.#bridge.ask(session.connection, backend, method, params, signal);
    }
    try {
      // Raw: the client's result goes back to the backend as the client wrote it.
      return await session.connection.sendRequest(method, params, { signal, raw: true });
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      const why = describeUnanswered(error, signal);
      this.#logger.debug(`${method} from backend ${backend} ${why}`);
      throw new ProtocolError(ErrorCode.InternalError, `${method} ${why}`);
    }
  }

  #onBackendNotification(event: BackendNotificationEvent): void {
    if (event.method === McpMethod.LoggingMessage) this.#relayLog(event.backend, event.params);
    else if (event.method === McpMethod.ElicitationComplete) {
      for (const session of this.#sessions.values()) {
        const elicitation = session.capabilities?.elicitation;
        if (isObject(elicitation) && isObject(elicitation.url))
          this.#notify(session, event.method, event.params);
      }
    }
  }

  #relayLog(backend: string, params: unknown): void {
    const message = tagLogMessage(backend, params);
    if (message === undefined) {
      this.#logger.debug(`backend ${backend} sent a log message without a valid level; dropped`);
      return;
    }
    const receivers = [...this.#sessions.values()].filter(
      (session) => session.capabilities !== undefined && passesLevel(message.level, session.logLevel),
    );
    if (receivers.length === 0 || !this.#limiter.admit(backend)) return;
    for (const session of receivers) this.#notify(session, McpMethod.LoggingMessage, message);
  }

  #reportDropped(backend: string, dropped: number, limit: number): void {
    const text = `mcpware dropped ${dropped} log message${dropped === 1 ? "" : "s"} from backend "${backend}" (more than ${limit} per second)`;
    this.#logger.warn(text);
    for (const session of this.#sessions.values()) {
      if (session.capabilities === undefined || !passesLevel("warning", session.logLevel)) continue;
      this.#notify(session, McpMethod.LoggingMessage, { level: "warning", logger: backend, data: text });
    }
  }

  /**
   * Every backend gets the most verbose level any client needs (a client that set none needs everything), once
   * some client set one; each client is then sent only what it asked for.
   */
  #applyLogLevel(): void {
    const sessions = [...this.#sessions.values()].filter((session) => session.capabilities !== undefined);
    if (!sessions.some((session) => session.logLevel !== undefined) || this.#pool.isClosed) return;
    let level: LoggingLevel = "emergency";
    for (const session of sessions) {
      const own = session.logLevel ?? "debug";
      if (!passesLevel(own, level)) level = own;
    }
    this.#pool.setLoggingLevel(level).catch((error: unknown) => {
      this.#logger.debug(`logging/setLevel not applied: ${String(error)}`);
    });
  }

  #notify(session: ClientSession, method: string, params: unknown): void {
    session.connection.sendNotification(method, params).catch((error: unknown) => {
      this.#logger.debug(`${method} not delivered to the client: ${String(error)}`);
    });
  }
}

/** Why a relayed request got no answer from the client, for the backend's error. */
function describeUnanswered(error: unknown, signal: AbortSignal): string {
  if (error instanceof RequestError && error.code === RequestErrorCode.ConnectionClosed) {
    return "was not answered: the client disconnected";
  }
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof DOMException && reason.name === "TimeoutError") {
      return "was not answered by the client within the backend's maxCallDuration";
    }
    if (reason instanceof RequestError) return `was cancelled: ${reason.message}`;
    return "was cancelled";
  }
  return `failed: ${error instanceof Error ? error.message : String(error)}`;
}
