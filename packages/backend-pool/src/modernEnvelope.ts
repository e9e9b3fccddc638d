import { MODERN_PROTOCOL_VERSION, MetaKey, isObject } from "@mcpware/protocol";
import type {
  ClientCapabilities,
  Implementation,
  InitializeResult,
  LoggingLevel,
  ServerCapabilities,
} from "@mcpware/protocol";

/** The `_meta` envelope every 2026-07-28 request carries. */
export type ModernEnvelope = Readonly<Record<string, unknown>>;

/**
 * The per-request `_meta` envelope of MCP 2026-07-28: the protocol version, the client's capabilities and info,
 * and, when the client wants log messages, the level (which replaces `logging/setLevel`).
 */
export function modernEnvelope(
  clientCapabilities: ClientCapabilities,
  clientInfo: Implementation,
  logLevel?: LoggingLevel,
): ModernEnvelope {
  const envelope: Record<string, unknown> = {
    [MetaKey.ProtocolVersion]: MODERN_PROTOCOL_VERSION,
    [MetaKey.ClientCapabilities]: clientCapabilities,
    [MetaKey.ClientInfo]: clientInfo,
  };
  if (logLevel !== undefined) envelope[MetaKey.LogLevel] = logLevel;
  return envelope;
}

/**
 * A copy of `params` whose `_meta` carries the envelope. What the caller put in `_meta` is kept (a progress token,
 * trace context, a log level of its own), except the protocol version, client capabilities and client info: the
 * backend talks to the pool, which answers its input requests, so the pool's own say. Params are never mutated.
 */
export function withEnvelope(params: unknown, envelope: ModernEnvelope): Record<string, unknown> {
  if (!isObject(params)) return { _meta: envelope };
  const meta = params._meta;
  if (!isObject(meta)) return { ...params, _meta: envelope };
  const merged: Record<string, unknown> = { ...meta, ...envelope };
  if (meta[MetaKey.LogLevel] !== undefined) merged[MetaKey.LogLevel] = meta[MetaKey.LogLevel];
  return { ...params, _meta: merged };
}

/** The parts of a `server/discover` result the pool uses; anything else it holds is kept. */
export interface DiscoverResult {
  supportedVersions: string[];
  capabilities: ServerCapabilities;
  instructions?: string;
  _meta?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * True for a `server/discover` result that makes a backend modern: `supportedVersions` an array naming
 * 2026-07-28 and `capabilities` an object (as SDK v2's probe classifies it; `resultType` and the caching hints may
 * be missing).
 */
export function isModernDiscoverResult(result: unknown): result is DiscoverResult {
  return (
    isObject(result) &&
    Array.isArray(result.supportedVersions) &&
    result.supportedVersions.includes(MODERN_PROTOCOL_VERSION) &&
    isObject(result.capabilities)
  );
}

/**
 * What the `initialize` result says of a legacy backend, made from a modern one's `server/discover` result:
 * protocol version 2026-07-28, its capabilities and instructions, `serverInfo` from the result's
 * `_meta["io.modelcontextprotocol/serverInfo"]` (empty name and version when it sent none). The discover result's
 * other fields are kept.
 */
export function initializeResultOf(discover: DiscoverResult): InitializeResult {
  const { supportedVersions: _versions, ...rest } = discover;
  const serverInfo = isObject(discover._meta) ? discover._meta[MetaKey.ServerInfo] : undefined;
  const result: InitializeResult = {
    ...rest,
    protocolVersion: MODERN_PROTOCOL_VERSION,
    capabilities: discover.capabilities,
    serverInfo: (isObject(serverInfo) && typeof serverInfo.name === "string"
      ? serverInfo
      : { name: "", version: "" }) as Implementation,
  };
  if (typeof discover.instructions !== "string") delete result.instructions;
  return result;
}

/** True when a modern backend's capabilities advertise `listChanged` for tools, prompts or resources. */
export function listChangedFilter(capabilities: ServerCapabilities): Record<string, true> | undefined {
  const filter: Record<string, true> = {};
  const advertises = (kind: unknown): boolean => isObject(kind) && kind.listChanged === true;
  if (advertises(capabilities.tools)) filter.toolsListChanged = true;
  if (advertises(capabilities.prompts)) filter.promptsListChanged = true;
  if (advertises(capabilities.resources)) filter.resourcesListChanged = true;
  return Object.keys(filter).length === 0 ? undefined : filter;
}
