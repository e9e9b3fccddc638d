import { McpMethod, ProtocolError, RequestError, RequestErrorCode } from "@mcpware/protocol";
import type { InitializeResult, McpConnection } from "@mcpware/protocol";
import type { BackendError } from "./backendError.js";
import { ERA_PROBE_TIMEOUT_MS } from "./defaults.js";
import { initializeResultOf, isModernDiscoverResult, modernEnvelope } from "./modernEnvelope.js";
import type { DiscoverResult } from "./modernEnvelope.js";
import type { ResolvedBackendSpec } from "./normalizeSpec.js";
import type { ProcessDeath } from "./processDeath.js";
import { raceHandshakeReply, runHandshake } from "./runHandshake.js";
import type { HandshakeHost } from "./runHandshake.js";
import type { BackendEra } from "./types.js";

/**
 * How a start shakes hands, from what is known of the backend's era: `probe` (nothing known: `server/discover`
 * within the probe timeout, `initialize` after any error or silence), `modern` (known modern: `server/discover`,
 * which is how a modern server tells its capabilities, `initialize` only if it refuses) or `legacy` (known legacy:
 * `initialize` at once).
 */
export type HandshakePlan = "probe" | BackendEra;

/** The outcome of {@link runEraHandshake}. */
export type EraHandshake =
  | { kind: "ready"; era: BackendEra; initialize: InitializeResult; discover: DiscoverResult | undefined }
  /** The process exited (or broke its pipes) while it was being probed: start a new one as legacy. */
  | { kind: "exited-on-probe" };

/** What `server/discover` said of the era. */
type DiscoverOutcome =
  { kind: "modern"; discover: DiscoverResult } | { kind: "legacy" } | { kind: "exited"; death: BackendError };

/** How long a probe waits for `server/discover`'s reply: {@link ERA_PROBE_TIMEOUT_MS}, at most half the start's. */
export function eraProbeTimeoutMs(spec: Pick<ResolvedBackendSpec, "startTimeoutMs">): number {
  return Math.min(ERA_PROBE_TIMEOUT_MS, Math.max(1, Math.floor(spec.startTimeoutMs / 2)));
}

/**
 * The handshake of either era on one process's connection, by `plan` (see {@link HandshakePlan}). A modern
 * backend gets no `initialize` and no `notifications/initialized`; its discover result stands in for the
 * initialize result (see `initializeResultOf`). The fallback to `initialize` happens on the same process: any
 * error reply or, when probing, no reply within `probeTimeoutMs` (per the stdio transport's backward
 * compatibility rules). Rejects as {@link runHandshake} does; the death error of a process that died while a
 * known-modern backend was asked to discover names the method `initialize` (the handshake).
 */
export async function runEraHandshake(
  connection: McpConnection,
  death: ProcessDeath,
  host: HandshakeHost,
  signal: AbortSignal,
  plan: HandshakePlan,
  probeTimeoutMs: number,
): Promise<EraHandshake> {
  if (plan !== "legacy") {
    const timeoutMs = plan === "probe" ? probeTimeoutMs : undefined;
    const outcome = await discoverEra(connection, death, host, signal, timeoutMs);
    if (outcome.kind === "modern") {
      const { discover } = outcome;
      return { kind: "ready", era: "modern", initialize: initializeResultOf(discover), discover };
    }
    if (outcome.kind === "exited") {
      if (plan === "probe") return { kind: "exited-on-probe" };
      throw death.errorFor(outcome.death, McpMethod.Initialize, undefined);
    }
  }
  const initialize = await runHandshake(connection, death, host, signal);
  return { kind: "ready", era: "legacy", initialize, discover: undefined };
}

/**
 * `server/discover` with the 2026-07-28 envelope (the pool's client capabilities and info). Modern for a result
 * that names 2026-07-28 among `supportedVersions` and has `capabilities`; legacy for any other result, any error
 * reply, or no reply within `timeoutMs` (the backend is sent `notifications/cancelled`); exited when the process
 * dies or its pipes break first.
 */
async function discoverEra(
  connection: McpConnection,
  death: ProcessDeath,
  host: HandshakeHost,
  signal: AbortSignal,
  timeoutMs: number | undefined,
): Promise<DiscoverOutcome> {
  const sent = connection.sendRequest<unknown>(
    McpMethod.ServerDiscover,
    { _meta: modernEnvelope(host.clientCapabilities, host.clientInfo) },
    { timeoutMs },
  );
  const outcome = await raceHandshakeReply(sent, death, signal);
  if ("death" in outcome) return { kind: "exited", death: outcome.death };
  if ("error" in outcome) {
    const { error } = outcome;
    if (error instanceof ProtocolError) return { kind: "legacy" };
    if (error instanceof RequestError && error.code === RequestErrorCode.Timeout) return { kind: "legacy" };
    // The connection closed or a write failed: the process is going.
    death.onBroken(error instanceof Error ? error : undefined);
    return { kind: "exited", death: await death.promise };
  }
  return isModernDiscoverResult(outcome.result)
    ? { kind: "modern", discover: outcome.result }
    : { kind: "legacy" };
}
