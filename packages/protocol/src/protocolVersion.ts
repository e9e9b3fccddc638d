/** The MCP protocol versions this project speaks, oldest first. */
export const SUPPORTED_PROTOCOL_VERSIONS = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"] as const;

export type ProtocolVersion = (typeof SUPPORTED_PROTOCOL_VERSIONS)[number];

/** The newest supported version: offered by clients, chosen by servers when the requested one is unknown. */
export const LATEST_PROTOCOL_VERSION: ProtocolVersion = "2025-11-25";

export function isSupportedProtocolVersion(version: unknown): version is ProtocolVersion {
  return typeof version === "string" && (SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(version);
}

/**
 * The server side of version negotiation (MCP lifecycle): "If the server supports the requested
 * protocol version, it MUST respond with the same version. Otherwise, the server MUST respond with
 * another protocol version it supports", preferably its latest.
 */
export function negotiateProtocolVersion(requested: unknown): ProtocolVersion {
  return isSupportedProtocolVersion(requested) ? requested : LATEST_PROTOCOL_VERSION;
}
