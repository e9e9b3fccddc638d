/**
 * MCP 2026-07-28 ("modern"): no handshake and no connection state. Every request carries its protocol version,
 * the client's capabilities and (SHOULD) its info in `params._meta` under these keys; a server says which
 * versions it speaks in its `server/discover` result. Results carry `resultType`.
 */
export const MODERN_PROTOCOL_VERSION = "2026-07-28";

/** The reserved `_meta` keys of a 2026-07-28 request (and of results and notifications). */
export const MetaKey = {
  ProtocolVersion: "io.modelcontextprotocol/protocolVersion",
  ClientCapabilities: "io.modelcontextprotocol/clientCapabilities",
  ClientInfo: "io.modelcontextprotocol/clientInfo",
  /** The level at or above which a request wants `notifications/message` (none without it). */
  LogLevel: "io.modelcontextprotocol/logLevel",
  /** On a result: who answered. */
  ServerInfo: "io.modelcontextprotocol/serverInfo",
  /** On a notification delivered through `subscriptions/listen`: that request's id. */
  SubscriptionId: "io.modelcontextprotocol/subscriptionId",
} as const;

/** `resultType` of a 2026-07-28 result. */
export const ResultType = {
  Complete: "complete",
  /** A multi-round-trip request: the client answers `inputRequests` and retries with `inputResponses`. */
  InputRequired: "input_required",
} as const;

/** The methods of 2026-07-28 that legacy versions lack. */
export const ModernMethod = {
  SubscriptionsListen: "subscriptions/listen",
  SubscriptionsAcknowledged: "notifications/subscriptions/acknowledged",
} as const;

/** Methods a 2026-07-28 client no longer sends (answered -32601 on a modern request). */
export const REMOVED_IN_MODERN_ERA: ReadonlySet<string> = new Set([
  "initialize",
  "ping",
  "logging/setLevel",
  "resources/subscribe",
  "resources/unsubscribe",
]);
