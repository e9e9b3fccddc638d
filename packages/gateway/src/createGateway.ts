import type { BackendPoolOptions } from "@mcpware/backend-pool";
import { BackendPool } from "@mcpware/backend-pool";
import type { CallToolResult, McpConnection, ProgressNotificationParams } from "@mcpware/protocol";
import { MODERN_PROTOCOL_VERSION, McpMethod, RawJson, createMcpConnection } from "@mcpware/protocol";
import { AggregateTools } from "./aggregateTools.js";
import { CatalogRelay } from "./catalogRelay.js";
import { ClientRelay } from "./clientRelay.js";
import { EraConnection } from "./eraConnection.js";
import { InputBridge } from "./inputBridge.js";
import { DEFAULT_INPUT_REQUIRED_TTL_MS, RequestStateCodec } from "./requestState.js";
import { describeBackends, discoverBackendTools } from "./discoverBackendTools.js";
import type { DiscoveredBackend } from "./discoveryText.js";
import type { GatewayContext } from "./gatewayContext.js";
import { timeoutOf, unavailableReason } from "./gatewayContext.js";
import { describeFailure } from "./describeFailure.js";
import { registerServerHandlers, SERVER_NAME } from "./gatewayServer.js";
import type { Logger } from "./logger.js";
import { createLogger } from "./logger.js";
import { MAX_BACKEND_LOG_MESSAGES_PER_SECOND } from "./logRelay.js";
import { packageVersion } from "./packageVersion.js";
import type { GatewayConfig, ResolvedBackend } from "./resolveConfig.js";
import type { GatewayPool } from "./toolCatalog.js";
import { ToolCatalog } from "./toolCatalog.js";
import { imageDigestOf } from "./imageDigest.js";
import { stateDir } from "./stateDir.js";
import { DEFAULT_PINNING_MODE, PinStore } from "./toolPins.js";
import type { PinChange, PinningMode } from "./toolPins.js";
import { useTool } from "./useTool.js";

export interface GatewayOptions {
  /** Where logs go; default a `warn`-level logger on stderr. Its redactor learns the config's secrets. */
  logger?: Logger;
  /** `serverInfo.version`; default the package version. */
  version?: string;
  /** Runs the backends; default a new BackendPool. The gateway adds the config's backends to it. */
  pool?: BackendPool;
  /** Options of the default pool (ignored with `pool`). */
  poolOptions?: BackendPoolOptions;
  /**
   * Log messages relayed to the client per backend and second; the rest are dropped and counted. Default
   * {@link MAX_BACKEND_LOG_MESSAGES_PER_SECOND}.
   */
  maxLogMessagesPerSecond?: number;
  /**
   * How long a 2026-07-28 client has to retry an `input_required` result before its backend call is cancelled
   * (ms). Default: the config's `inputRequiredTtl`, else {@link DEFAULT_INPUT_REQUIRED_TTL_MS} (5 min).
   */
  inputRequiredTtlMs?: number;
  /**
   * Tool-definition pins. Default: the config's `pinning` mode (`block` unless set) with the pins of its file in
   * the state folder (`$MCPWARE_STATE_DIR`, …); a config without a file is not pinned. `false`: no pinning.
   */
  pins?: { store: PinStore; mode: PinningMode } | false;
}

/** Tools whose definitions differ from their pins, and the backends that could not list theirs. */
export interface PinReport {
  changes: PinChange[];
  failures: string[];
}

export interface CallToolOptions {
  signal?: AbortSignal;
  /** Receives the backend's progress notifications (under a token minted for this call). */
  onProgress?: (progress: ProgressNotificationParams) => void;
}

/** The gateway: the configured backends in a pool, served to MCP clients through two meta-tools. */
export interface Gateway extends AsyncDisposable {
  readonly config: GatewayConfig;
  readonly pool: BackendPool;
  /**
   * Serves one MCP client over a pair of streams (stdin/stdout for the CLI). Resolves when the client's
   * stream ends or the gateway closes. stdout receives MCP messages only.
   */
  serve(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<void>;
  /** What discover_backend_tools answers (`backend` omitted: the overview of every backend). */
  discoverTools(backend?: string, options?: { signal?: AbortSignal }): Promise<CallToolResult>;
  /**
   * Every backend with its tools (name, title, one-line description), or the one called `backend` with its tools'
   * full definitions. A backend that could not list its tools has its `error` and no tools.
   *
   * @throws an Error naming the valid backends when there is no backend `backend`.
   */
  describeBackends(backend?: string, options?: { signal?: AbortSignal }): Promise<DiscoveredBackend[]>;
  /** Lists the tools of one backend (or of every available one) and reports how they differ from their pins. */
  pinChanges(backend?: string): Promise<PinReport>;
  /** What use_tool answers. */
  callTool(backend: string, tool: string, args?: unknown, options?: CallToolOptions): Promise<CallToolResult>;
  /**
   * Bytes held for the clients being served and not yet taken by them (their writers' queues and streams).
   * Past each writer's high-water mark the backends' output is paused, so this stays near the mark.
   */
  readonly queuedBytes: number;
  /** Stops accepting calls, fails in-flight ones and stops every backend (the stop ladder). Idempotent. */
  close(): Promise<void>;
  readonly isClosed: boolean;
}

/**
 * Creates a gateway for a resolved config (see `loadConfig`/`parseConfig`). Nothing is started until a
 * request needs a backend.
 */
export function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Gateway {
  const logger = options.logger ?? createLogger({ level: "warn" });
  const backendLoggers = new Map<string, Logger>();
  const backendLogger = (name: string): Logger => {
    let child = backendLoggers.get(name);
    if (child === undefined) backendLoggers.set(name, (child = logger.child(`backend:${name}`)));
    return child;
  };
  const version = options.version ?? packageVersion();
  logger.redactor.add(config.backends.flatMap((backend) => [...backend.secrets]));
  const pool =
    options.pool ??
    new BackendPool({
      clientInfo: { name: SERVER_NAME, version },
      clientCapabilities: {},
      onStderr: ({ backend, line }) => backendLogger(backend).debug(line),
      ...options.poolOptions,
    });
  const backends = new Map<string, ResolvedBackend>();
  const unavailable = new Map<string, string>();
  for (const backend of config.backends) {
    backends.set(backend.name, backend);
    if (backend.spec === undefined) {
      logger.warn(backend.unavailable ?? `backend "${backend.name}" is unavailable`);
      continue;
    }
    try {
      pool.add(backend.spec);
    } catch (error) {
      const reason = `backend "${backend.name}" is unavailable: ${error instanceof Error ? error.message : String(error)}`;
      unavailable.set(backend.name, reason);
      logger.warn(reason);
    }
  }
  const bridge = new InputBridge(
    new RequestStateCodec(
      options.inputRequiredTtlMs ?? config.inputRequiredTtlMs ?? DEFAULT_INPUT_REQUIRED_TTL_MS,
    ),
    logger.child("bridge"),
  );
  const relay = new ClientRelay(pool, logger.child("relay"), {
    maxLogMessagesPerSecond: options.maxLogMessagesPerSecond ?? MAX_BACKEND_LOG_MESSAGES_PER_SECOND,
    bridge,
  });
  const stateSubscription = pool.onStateChange(({ backend, state, previous, error }) => {
    const detail = error === undefined ? "" : `: ${error.message}`;
    if (state === "crashed" || state === "circuit-open")
      logger.warn(`backend ${backend} ${previous} → ${state}${detail}`);
    else logger.info(`backend ${backend} ${previous} → ${state}${detail}`);
  });
  const pins = options.pins === undefined ? defaultPins(config) : options.pins || undefined;
  const catalog = new ToolCatalog(
    pool as GatewayPool,
    logger.child("catalog"),
    pins && { ...pins, imageOf: (name: string) => imageDigestOf(backends.get(name)?.spec) },
    (name) => backends.get(name)?.toolFilter,
  );
  const catalogRelay = new CatalogRelay(
    {
      pool: pool as GatewayPool,
      logger: logger.child("catalogs"),
      redactor: logger.redactor,
      backends,
      unavailable,
    },
    { notifyClients: (method, params) => relay.notifyClients(method, params) },
  );
  const context: GatewayContext = {
    config,
    pool: pool as GatewayPool,
    catalog,
    logger,
    redactor: logger.redactor,
    backends,
    unavailable,
    catalogRelay,
  };
  const aggregate = config.mode === "aggregate" ? new AggregateTools(context) : undefined;
  let eagerStarted = false;
  /** Backends with `"start": "eager"`: started in the background once a client is initialized. */
  const startEagerBackends = (): void => {
    if (eagerStarted || closing !== undefined) return;
    eagerStarted = true;
    for (const backend of backends.values()) {
      if (backend.start !== "eager" || unavailableReason(context, backend) !== undefined) continue;
      logger.debug(`starting ${backend.name} (start: eager)`);
      pool.start(backend.name).catch((error: unknown) => {
        logger.warn(
          `backend ${backend.name} (start: eager) did not start: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
    }
  };
  const connections = new Set<EraConnection>();
  /** Client connections whose writer is past its high-water mark: the backends are not read while any is. */
  const backedUp = new Set<McpConnection>();
  const holdBackends = (connection: McpConnection): void => {
    backedUp.add(connection);
    if (backedUp.size === 1) logger.debug("a client is not reading: backend output paused");
    pool.pauseReading();
  };
  const releaseBackends = (connection: McpConnection): void => {
    if (!backedUp.delete(connection) || backedUp.size > 0) return;
    logger.debug("the clients read again: backend output resumed");
    if (!pool.isClosed) pool.resumeReading();
  };
  let closing: Promise<void> | undefined;

  const gateway: Gateway = {
    config,
    pool,
    get isClosed() {
      return closing !== undefined;
    },
    get queuedBytes() {
      let total = 0;
      for (const connection of connections) total += connection.queuedBytes;
      return total;
    },
    serve(input, output) {
      if (closing !== undefined) return Promise.reject(new Error("the gateway is closed"));
      const connection = new EraConnection(createMcpConnection(input, output), {
        onModernRequest: (client, envelope, first, method) => {
          relay.modernRequest(client, envelope);
          if (first) {
            const info = envelope.clientInfo;
            logger.info(
              `client ${String(info?.name ?? "unknown")} ${String(info?.version ?? "")} connected (protocol ${MODERN_PROTOCOL_VERSION})`,
            );
          }
          // No initialized notification in 2026-07-28: eager backends start with the first request that is not
          // the era probe (which SDK v2 sends from a process it ends at once).
          if (method !== McpMethod.ServerDiscover) startEagerBackends();
        },
      });
      connections.add(connection);
      // The client closed its end: its subscriptions/listen requests are answered, so none holds the exit.
      input.once("end", () => connection.closeSubscriptions());
      relay.attach(connection);
      registerServerHandlers(connection, context, {
        version,
        isClosing: () => closing !== undefined,
        onInitialize: (params) => relay.initialize(connection, params.capabilities),
        onInitialized: startEagerBackends,
        aggregate,
        bridge,
      });
      connection.onError((error) => logger.warn(`client connection: ${error.message}`));
      // Backpressure: while a client does not read, replies are left in the backends' pipes, not in memory.
      connection.onNeedsDrain(() => holdBackends(connection));
      connection.onDrain(() => releaseBackends(connection));
      const closed = new Promise<void>((resolve) => {
        connection.onClose(() => {
          bridge.forget(connection);
          connections.delete(connection);
          releaseBackends(connection);
          resolve();
        });
      });
      connection.listen();
      return closed;
    },
    discoverTools(backend, callOptions = {}) {
      return discoverBackendTools(
        context,
        backend === undefined ? {} : { backend_name: backend },
        callOptions.signal ?? new AbortController().signal,
      );
    },
    describeBackends(backend, callOptions = {}) {
      return describeBackends(context, backend, callOptions.signal ?? new AbortController().signal);
    },
    async pinChanges(backend) {
      const names = [...backends.values()]
        .filter(
          (entry) => (backend === undefined || entry.name === backend) && !unavailableReason(context, entry),
        )
        .map((entry) => entry.name);
      const report: PinReport = { changes: [], failures: [] };
      const lists = await Promise.allSettled(
        names.map((name) => catalog.get(name, undefined, timeoutOf(backends.get(name)!))),
      );
      lists.forEach((outcome, index) => {
        const name = names[index]!;
        if (outcome.status === "fulfilled") report.changes.push(...outcome.value.pinChanges.values());
        else {
          report.failures.push(
            describeFailure(outcome.reason, {
              backend: name,
              timeoutMs: timeoutOf(backends.get(name)!),
              action: "listing its tools",
              redactor: logger.redactor,
            }),
          );
        }
      });
      return report;
    },
    callTool(backend, tool, args, callOptions = {}) {
      const onProgress = callOptions.onProgress;
      const result = useTool(
        context,
        { backend_server: backend, server_tool: tool, tool_arguments: args ?? {} },
        {
          signal: callOptions.signal ?? new AbortController().signal,
          // No fixed token: concurrent calls each get their own, minted by the pool.
          ...(onProgress === undefined ? {} : { sendProgress: onProgress }),
        },
      );
      return result.then((value) => (value instanceof RawJson ? (value.value as CallToolResult) : value));
    },
    close() {
      closing ??= (async () => {
        for (const connection of connections) connection.closeSubscriptions();
        // Their results are written before the connections go (a turn of the event loop).
        if (connections.size > 0) await new Promise((resolve) => setImmediate(resolve));
        for (const connection of connections) connection.dispose();
        connections.clear();
        stateSubscription.dispose();
        relay.dispose();
        aggregate?.dispose();
        catalogRelay.dispose();
        catalog.dispose();
        await pool.destroy();
      })();
      return closing;
    },
    [Symbol.asyncDispose]() {
      return gateway.close();
    },
  };
  return gateway;
}

/** The pins of a config loaded from a file, in the mode it asks for; none for a config without a file. */
function defaultPins(config: GatewayConfig): { store: PinStore; mode: PinningMode } | undefined {
  const mode = config.pinning ?? DEFAULT_PINNING_MODE;
  if (config.file === undefined || mode === "off") return undefined;
  return { store: PinStore.forConfig(stateDir(), config.file), mode };
}
