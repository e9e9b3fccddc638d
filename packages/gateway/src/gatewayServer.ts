import type {
  CallToolParams,
  InitializeParams,
  InitializeResult,
  McpConnection,
  ProgressNotificationParams,
} from "@mcpware/protocol";
import {
  ErrorCode,
  McpMethod,
  MetaKey,
  ProtocolError,
  ResultType,
  negotiateProtocolVersion,
} from "@mcpware/protocol";
import { registerCatalogRelays } from "./catalogRelay.js";
import { discoverBackendTools } from "./discoverBackendTools.js";
import { errorResult } from "./describeFailure.js";
import type { GatewayContext } from "./gatewayContext.js";
import { unavailableReason } from "./gatewayContext.js";
import { DISCOVER_TOOL_NAME, USE_TOOL_NAME, buildMetaTools } from "./metaTools.js";
import { SPOKEN_PROTOCOL_VERSIONS, modernEnvelopeOf } from "./eraConnection.js";
import type { InputBridge } from "./inputBridge.js";
import { useTool } from "./useTool.js";
import type { UseToolOptions } from "./useTool.js";
import type { AggregateTools } from "./aggregateTools.js";
import type { Logger } from "./logger.js";

/** The server name in `initialize` results. */
export const SERVER_NAME = "mcpware";

export interface ServerOptions {
  version: string;
  /** True once the gateway is shutting down: new tool calls are refused. */
  isClosing: () => boolean;
  /** The client's `initialize` params, before it is answered. */
  onInitialize?: (params: Partial<InitializeParams>) => void;
  /** The client's `notifications/initialized`. */
  onInitialized?: () => void;
  /** Aggregate mode: the backends' tools listed directly instead of the two meta-tools. */
  aggregate?: AggregateTools | undefined;
  /** Parks backends' requests during a 2026-07-28 client's tool calls (see {@link InputBridge}). */
  bridge?: InputBridge | undefined;
}

/**
 * Registers the gateway's MCP methods on a client connection: `initialize` (answered at once; no backend is
 * started for it; advertises `tools`, `logging`, `resources`, `prompts` and `completions`), `ping`, `tools/list`
 * (the two meta-tools) and `tools/call`; resources, prompts and completion are the catalog relay's (see
 * `registerCatalogRelays`). `logging/setLevel` and the client's roots changes are the relay's (see
 * `ClientRelay`). `server/discover` (MCP 2026-07-28) is answered at once with every version mcpware speaks;
 * a 2026-07-28 client's tool call goes through the input bridge. Every other method is answered -32601.
 */
export function registerServerHandlers(
  connection: McpConnection,
  context: GatewayContext,
  options: ServerOptions,
): void {
  const tools = buildMetaTools([...context.backends.keys()]);
  const logger = context.logger;

  connection.onRequest(McpMethod.Initialize, (params) => {
    const request = (params ?? {}) as Partial<InitializeParams>;
    const protocolVersion = negotiateProtocolVersion(request.protocolVersion);
    const client = request.clientInfo;
    logger.info(
      `client ${client?.name ?? "unknown"} ${client?.version ?? ""} connected (protocol ${String(request.protocolVersion)}, using ${protocolVersion})`,
    );
    options.onInitialize?.(request);
    const result: InitializeResult = {
      protocolVersion,
      capabilities: serverCapabilities(aggregate !== undefined),
      serverInfo: { name: SERVER_NAME, version: options.version },
      instructions: buildInstructions(context),
    };
    return result;
  });

  // 2026-07-28: answered at once, no backend started (a modern client may probe in a short-lived process).
  connection.onRequest(McpMethod.ServerDiscover, () => ({
    resultType: ResultType.Complete,
    supportedVersions: SPOKEN_PROTOCOL_VERSIONS,
    capabilities: serverCapabilities(aggregate !== undefined),
    instructions: buildInstructions(context),
    ttlMs: 0,
    cacheScope: "private",
    _meta: { [MetaKey.ServerInfo]: { name: SERVER_NAME, version: options.version } },
  }));

  connection.onRequest(McpMethod.Ping, () => ({}));

  const aggregate = options.aggregate;
  aggregate?.attach(connection);
  connection.onRequest(McpMethod.ToolsList, (_params, request) =>
    aggregate === undefined ? { tools } : aggregate.list(request.cancellation),
  );

  // Not async: the result of use_tool (a promise) is handed to the connection as it is, one promise less per call.
  connection.onRequest(McpMethod.ToolsCall, (params, request) => {
    if (
      params === null ||
      typeof params !== "object" ||
      typeof (params as CallToolParams).name !== "string"
    ) {
      throw new ProtocolError(ErrorCode.InvalidParams, "tools/call needs params {name, arguments?}");
    }
    const call = params as CallToolParams;
    if (options.isClosing()) return errorResult("mcpware is shutting down; no new calls are accepted.");
    if (aggregate === undefined && call.name === DISCOVER_TOOL_NAME)
      return discoverBackendTools(context, call.arguments, request.signal);
    const envelope = modernEnvelopeOf(request);
    if (options.bridge !== undefined && envelope !== undefined) {
      // A 2026-07-28 client takes no requests: what a backend asks during the call comes back as input_required.
      return options.bridge.call(connection, call, request, (bridged) =>
        runTool(call, {
          signal: bridged.signal,
          sendProgress: bridged.sendProgress,
          onForward: bridged.onForward,
          // A 2026-07-28 backend's input_required goes to this client as it is: it answers it itself.
          inputRequired: "return",
          extraParams: bridged.extraParams,
          // A 2026-07-28 backend logs only for a request that asks: the client's level goes with its call.
          meta: envelope.logLevel === undefined ? undefined : { [MetaKey.LogLevel]: envelope.logLevel },
        }),
      );
    }
    const progressToken = call._meta?.progressToken;
    // Progress only for a client that asked for it (gave a token).
    // `cancellation`, not `signal`: no AbortController per call.
    if (progressToken === undefined) return runTool(call, { signal: request.cancellation });
    return runTool(call, {
      signal: request.cancellation,
      progressToken,
      sendProgress: sendProgress(connection, logger),
    });
  });

  /** use_tool, or an aggregate tool: the call a client's `tools/call` names. */
  function runTool(call: CallToolParams, toolOptions: UseToolOptions): Promise<unknown> {
    if (aggregate !== undefined) return aggregate.call(call.name, call.arguments, toolOptions);
    if (call.name === USE_TOOL_NAME) return useTool(context, call.arguments, toolOptions);
    throw new ProtocolError(
      ErrorCode.InvalidParams,
      `Unknown tool: ${call.name} (mcpware has ${DISCOVER_TOOL_NAME} and ${USE_TOOL_NAME})`,
    );
  }

  registerCatalogRelays(connection, context);

  connection.onRequest((method) => {
    logger.debug(`method not found: ${method}`);
    throw new ProtocolError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
  });

  connection.onNotification(McpMethod.Initialized, () => {
    logger.debug("client initialized");
    options.onInitialized?.();
  });
  connection.onNotification((method) => {
    logger.debug(`notification ignored: ${method}`);
  });
}

/** What mcpware offers, in `initialize` and `server/discover` results. */
function serverCapabilities(aggregate: boolean): InitializeResult["capabilities"] {
  return {
    tools: aggregate ? { listChanged: true } : {},
    logging: {},
    resources: { subscribe: true, listChanged: true },
    prompts: { listChanged: true },
    completions: {},
  };
}

/** Sends the client's progress notifications of a call. */
function sendProgress(
  connection: McpConnection,
  logger: Logger,
): (progress: ProgressNotificationParams) => void {
  return (progress) => {
    connection.sendNotification(McpMethod.Progress, progress).catch((error: unknown) => {
      logger.debug(`progress not delivered: ${String(error)}`);
    });
  };
}

/** The `instructions` of the initialize result: how to use the gateway and every backend with its description. */
export function buildInstructions(context: GatewayContext): string {
  const servers = `${context.backends.size} MCP server${context.backends.size === 1 ? "" : "s"} ("backends")`;
  const lines = [
    context.config.mode === "aggregate"
      ? `mcpware is a gateway to ${servers}. Their tools are listed directly, each named <backend>__<tool>.`
      : `mcpware is a gateway to ${servers}. To use a tool: ${DISCOVER_TOOL_NAME} {"query": "<the task in a ` +
        `few words>"}, then {"backend_name", "tool_names"} for its input schema, then ${USE_TOOL_NAME}.`,
  ];
  if (context.backends.size > 0) lines.push("Backends:");
  for (const backend of context.backends.values()) {
    const reason = unavailableReason(context, backend);
    const description = backend.description === undefined ? "" : `: ${backend.description}`;
    const why = reason?.replace(`backend "${backend.name}" is unavailable: `, "");
    lines.push(`- ${backend.name}${description}${why === undefined ? "" : ` (unavailable: ${why})`}`);
  }
  return lines.join("\n");
}
