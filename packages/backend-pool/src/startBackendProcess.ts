import type { InitializeResult } from "@mcpware/protocol";
import { sleep } from "./abortable.js";
import { anySignal } from "./anySignal.js";
import { BackendError, BackendErrorCode } from "./backendError.js";
import { BackendProcess } from "./backendProcess.js";
import type { BackendProcessHost } from "./backendProcess.js";
import type { EraCache } from "./eraCache.js";
import type { BackendEra } from "./types.js";
import type { EraHandshake } from "./eraProbe.js";
import type { ResolvedBackendSpec } from "./normalizeSpec.js";
import { asBackendError } from "./requestErrors.js";
import type { RestartGovernor, StartDecision } from "./restartGovernor.js";
import type { StderrRing } from "./stderrRing.js";

/** A decision of the governor that lets a start go ahead, now or after a backoff. */
export type AllowedStart = Exclude<StartDecision, { kind: "circuit-open" } | { kind: "failed" }>;

/** What one start needs from the backend it starts a process for, and what it tells it, synchronously and in order. */
export interface StartHost {
  readonly spec: ResolvedBackendSpec;
  /** The backend's lifetime: aborting it (remove, replace, destroy) fails the start with its reason. */
  readonly lifetime: AbortSignal;
  readonly governor: RestartGovernor;
  readonly processHost: BackendProcessHost;
  readonly stderr: StderrRing;
  /** The era verdicts of the pool, and this backend's key in them. */
  readonly eras: EraCache;
  readonly eraKey: string;
  /** ERR_BACKEND_CIRCUIT_OPEN, for a circuit that opened during the backoff. */
  circuitError(retryAtMs: number): BackendError;
  /** ERR_BACKEND_FAILED, for a restart budget spent during the backoff. */
  failedError(): BackendError;
  /** The governor let the start go ahead: it counts as an attempt from now on. */
  onStarting(): void;
  /** The process was spawned; its handshake comes next. */
  onSpawned(process: BackendProcess): void;
  /** The process exited while its era was probed: it is to be stopped, and is no failure of the start. */
  onProbeExited(process: BackendProcess): void;
  /** The handshake is done: the process serves from now on. */
  onReady(process: BackendProcess, initialize: InitializeResult): void;
  /** The start failed with `error`; `process`, if it was spawned, is to be stopped. */
  onFailed(process: BackendProcess | undefined, error: BackendError): void;
}

/**
 * One start of a backend under its restart governor: wait out the backoff (`wait`), then spawn the process and
 * run its handshake within `startTimeoutMs`. Resolves with the ready process.
 *
 * The handshake follows the backend's known era (the pool's era cache): a known-legacy backend gets `initialize`,
 * a known-modern one `server/discover`; an unknown one is probed on the same process (`server/discover`, then
 * `initialize` after an error or silence). A process that exits during the probe is replaced once by one started
 * as legacy (one more start attempt, no backoff, no failure counted), and the verdict is remembered: never twice.
 * The verdict is recorded once the process is ready; a refused `initialize`, or any failed start of a backend
 * believed modern, forgets it (the next start probes).
 *
 * Rejects with the lifetime's reason as a BackendError (ERR_BACKEND_REMOVED, ERR_POOL_CLOSED),
 * ERR_BACKEND_CIRCUIT_OPEN, ERR_BACKEND_START_TIMEOUT, the BackendError the spawn or the handshake failed with
 * (ERR_BACKEND_SPAWN, ERR_BACKEND_INITIALIZE, the death error of a process that died while starting), or
 * ERR_BACKEND_INITIALIZE wrapping anything else.
 */
export async function startBackendProcess(decision: AllowedStart, host: StartHost): Promise<BackendProcess> {
  const { spec, lifetime, governor } = host;
  if (decision.kind === "wait") {
    await sleep(decision.delayMs, lifetime);
    const next = governor.decide(Date.now());
    if (next.kind === "circuit-open") throw host.circuitError(next.retryAtMs);
    if (next.kind === "failed") throw host.failedError();
    decision = next.kind === "wait" ? { kind: "start", probe: false } : next;
  }
  if (lifetime.aborted) throw lifetime.reason;
  governor.recordStart(decision.kind === "start" && decision.probe);
  host.onStarting();
  const startTimeout = new AbortController();
  const timer = setTimeout(() => startTimeout.abort(), spec.startTimeoutMs);
  const linked = anySignal([startTimeout.signal, lifetime]);
  const signal = linked.signal;
  let process: BackendProcess | undefined;
  const spawn = async (): Promise<BackendProcess> => {
    const spawned = await BackendProcess.spawn(host.processHost);
    process = spawned;
    host.onSpawned(spawned);
    if (signal.aborted) throw lifetime.aborted ? lifetime.reason : new Error("start timeout");
    return spawned;
  };
  let known: BackendEra | undefined;
  try {
    known = await host.eras.lookup(host.eraKey);
    let ready = await spawn();
    let handshake: EraHandshake = await ready.handshake(signal, known ?? "probe");
    if (handshake.kind === "exited-on-probe") {
      // It cannot take `server/discover` (a legacy server that exits on an unknown method): once, as legacy.
      host.eras.record(host.eraKey, "legacy");
      host.onProbeExited(ready);
      process = undefined;
      host.onStarting();
      ready = await spawn();
      handshake = await ready.handshake(signal, "legacy");
    }
    // Died right after answering (its death was ignored while starting): a failed start like any other.
    if (handshake.kind !== "ready" || !ready.isAlive) throw await ready.death;
    host.eras.record(host.eraKey, handshake.era);
    governor.recordReady(Date.now());
    host.onReady(ready, handshake.initialize);
    return ready;
  } catch (thrown) {
    const error = startError(thrown, host, startTimeout.signal.aborted);
    // A refused initialize, or any failed start of a backend believed modern (the same command may now run an
    // older, legacy release: `npx pkg`, `image:latest`): the next start probes again.
    if (error.code === BackendErrorCode.Initialize || known === "modern") host.eras.forget(host.eraKey);
    host.onFailed(process, error);
    throw error;
  } finally {
    clearTimeout(timer);
    linked.dispose();
  }
}

/** What a failed start rejects with: the lifetime's reason comes first, then the start timeout. */
function startError(thrown: unknown, host: StartHost, timedOut: boolean): BackendError {
  const { spec, lifetime } = host;
  const name = spec.name;
  if (lifetime.aborted) return asBackendError(lifetime.reason as Error, name);
  if (timedOut) {
    return new BackendError(
      BackendErrorCode.StartTimeout,
      `backend "${name}" did not finish starting within ${spec.startTimeoutMs} ms`,
      { backend: name, method: "initialize", elapsedMs: spec.startTimeoutMs, stderrTail: host.stderr.tail() },
    );
  }
  if (thrown instanceof BackendError) return thrown;
  return new BackendError(
    BackendErrorCode.Initialize,
    `backend "${name}" failed to start: ${String(thrown)}`,
    {
      backend: name,
      cause: thrown,
    },
  );
}
