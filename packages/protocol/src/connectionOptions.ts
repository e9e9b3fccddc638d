import { normalizeTimeoutMs } from "./deadlines.js";
import type { McpConnectionOptions } from "./mcpConnectionTypes.js";

/** How long requests already read may still take to be answered after the readable ended (ms). */
export const DEFAULT_END_GRACE_MS = 5_000;
/** Unanswered requests of the peer at which the connection stops reading it (see `maxInboundRequests`). */
export const DEFAULT_MAX_INBOUND_REQUESTS = 1_024;
/** Characters of unanswered requests past which the connection stops reading the peer: 4 MiB. */
export const DEFAULT_MAX_INBOUND_BYTES = 4 * 1024 * 1024;

/** The connection's own options, checked and with their defaults (the framing checks its own). */
export interface ConnectionSettings {
  readonly defaultTimeoutMs: number | undefined;
  readonly answerInvalidInput: boolean;
  readonly endGraceMs: number | undefined;
  readonly maxInboundRequests: number;
  readonly maxInboundBytes: number;
}

/** Check the connection's options and fill in the defaults; a bad one throws a `TypeError` naming it. */
export function normalizeConnectionOptions(options: McpConnectionOptions): ConnectionSettings {
  if (options.answerInvalidInput !== undefined && typeof options.answerInvalidInput !== "boolean") {
    throw new TypeError(`answerInvalidInput must be a boolean, got ${String(options.answerInvalidInput)}`);
  }
  return {
    defaultTimeoutMs: normalizeTimeoutMs(options.defaultRequestTimeoutMs, "defaultRequestTimeoutMs"),
    answerInvalidInput: options.answerInvalidInput ?? true,
    endGraceMs: normalizeTimeoutMs(options.endGraceMs ?? DEFAULT_END_GRACE_MS, "endGraceMs"),
    maxInboundRequests: positiveInteger(
      options.maxInboundRequests ?? DEFAULT_MAX_INBOUND_REQUESTS,
      "maxInboundRequests",
    ),
    maxInboundBytes: positiveInteger(options.maxInboundBytes ?? DEFAULT_MAX_INBOUND_BYTES, "maxInboundBytes"),
  };
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
