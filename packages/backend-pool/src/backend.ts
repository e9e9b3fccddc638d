import type { CancelSignal, ClientCapabilities, Implementation, LoggingLevel } from "@mcpware/protocol";
import { setMaxListeners } from "node:events";
import { anySignal } from "./anySignal.js";
import { BackendError, BackendErrorCode } from "./backendError.js";
import type { BackendProcess } from "./backendProcess.js";
import type { EraCache } from "./eraCache.js";
import { IdleTimer } from "./idleTimer.js";
import type { ResolvedBackendSpec } from "./normalizeSpec.js";
import type { ProcessGroupRegistry } from "./processGroups.js";
import { ProcessSupervisor } from "./processSupervisor.js";
import { abortErrorFor, busyError } from "./requestErrors.js";
import { StderrRing } from "./stderrRing.js";
import type {
  BackendDiagnosticEvent,
  BackendInfo,
  BackendNotificationEvent,
  BackendRequestEvent,
  BackendState,
  PoolRequestOptions,
  SpawnEvent,
  StateChangeEvent,
  StderrLine,
} from "./types.js";

/** What a backend needs from its pool. */
export interface BackendHost {
  instanceId: string;
  clientInfo: Implementation;
  /** Read at each start: what the client behind the pool can honour. */
  clientCapabilities: ClientCapabilities;
  /** The log level the client asked for, sent to each backend that logs once it starts; unset: none. */
  loggingLevel: LoggingLevel | undefined;
  /** The era verdicts of backend commands (see `BackendPoolOptions.eraCacheFile`). */
  eras: EraCache;
  /** Where the process groups of this pool are recorded, when it was given a folder for them. */
  processGroups: ProcessGroupRegistry | undefined;
  emitState(event: StateChangeEvent): void;
  emitNotification(event: BackendNotificationEvent): void;
  emitStderr(line: StderrLine): void;
  emitSpawn(event: SpawnEvent): void;
  emitDiagnostic(event: BackendDiagnosticEvent): void;
  handleRequest(event: BackendRequestEvent): Promise<unknown>;
  isReadingPaused(): boolean;
  /** When reading last resumed after a pause (`performance.now()`), or -Infinity. */
  readingResumedAt(): number;
}

/**
 * One named backend across its processes, as the pool sees it: routes requests to the running process (or waits
 * for its start within the request's deadline), counts the work in flight (`maxInFlight`, `whenDrained()`), stops
 * the process once idle, and ends with `shutdown()` or `kill()`. Its processes and state (start, restart, death)
 * belong to its {@link ProcessSupervisor}.
 */
export class Backend {
  readonly spec: ResolvedBackendSpec;
  readonly #stderr = new StderrRing();
  /**
   * Aborted (with the reason) on remove, replace and pool destroy: fails the requests waiting for a start (those
   * on a process fail when the process is stopped with the same reason).
   */
  readonly #lifetime = new AbortController();
  readonly #supervisor: ProcessSupervisor;
  readonly #idle: IdleTimer;
  #inFlight = 0;
  #drainWaiters: (() => void)[] = [];
  #shutdownPromise: Promise<void> | undefined;

  constructor(spec: ResolvedBackendSpec, host: BackendHost) {
    this.spec = spec;
    this.#supervisor = new ProcessSupervisor(spec, host, this.#lifetime.signal, this.#stderr);
    this.#idle = new IdleTimer(spec.idleTimeoutMs, () => {
      if (this.#inFlight === 0) this.#supervisor.retireIdle();
    });
    // One listener per start() in flight is the design, not a leak (each is removed when it settles).
    setMaxListeners(0, this.#lifetime.signal);
  }

  get name(): string {
    return this.spec.name;
  }

  get state(): BackendState {
    return this.#supervisor.state;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  info(): BackendInfo {
    return this.#supervisor.info(this.#inFlight);
  }

  /** Start if needed; resolves when ready. Counts as in flight (close() waits for it). */
  async start(signal: AbortSignal | undefined): Promise<void> {
    const linked = anySignal([signal, this.#lifetime.signal]);
    const startedAt = performance.now();
    const abortError = (): Error => this.#abortError("initialize", startedAt, signal, false, "");
    this.#enter();
    try {
      await this.#supervisor.ensureProcess(linked.signal, abortError);
    } finally {
      linked.dispose();
      this.#leave();
    }
  }

  /**
   * Send a request. On a ready backend this is the hot path: no await, no timer or listener of its own (the
   * connection holds the request's one deadline timer and one listener on the caller's signal). Otherwise the
   * request waits for the start within the same deadline. Over `maxInFlight` requests in flight it fails at once
   * with ERR_BACKEND_BUSY.
   */
  request(method: string, params: unknown, options: PoolRequestOptions): Promise<unknown> {
    if (this.#lifetime.signal.aborted) return Promise.reject(this.#lifetime.signal.reason as Error);
    if (this.#inFlight >= this.spec.maxInFlight) {
      return Promise.reject(busyError(this.name, method, this.spec.maxInFlight));
    }
    const startedAt = performance.now();
    const timeoutMs = options.timeoutMs ?? this.spec.timeoutMs;
    const process = this.#supervisor.readyProcess(options.signal);
    this.#enter();
    if (process === undefined) return this.#requestWhenStarted(method, params, options, timeoutMs, startedAt);
    return this.#send(process, method, params, options, timeoutMs, startedAt, this.spec.maxCallDurationMs);
  }

  /** Send on a ready process; its settling leaves the in-flight count and records a reply or a timeout. */
  #send(
    process: BackendProcess,
    method: string,
    params: unknown,
    options: PoolRequestOptions,
    timeoutMs: number,
    startedAt: number,
    maxTotalMs: number,
  ): Promise<unknown> {
    return process
      .request(method, params, {
        signal: options.signal,
        timeoutMs,
        maxTotalMs,
        startedAt,
        raw: options.raw,
        onProgress: options.onProgress,
        inputRequired: options.inputRequired,
      })
      .then(this.#settled, this.#failed);
  }

  readonly #settled = (result: unknown): unknown => {
    this.#supervisor.recordReply();
    this.#leave();
    return result;
  };

  readonly #failed = (error: unknown): never => {
    this.#leave();
    if (error instanceof BackendError && error.code === BackendErrorCode.Timeout) {
      this.#supervisor.recordTimeout(performance.now() - (error.elapsedMs ?? 0));
    }
    // `destroy(error)` with an error of the caller's own: requests fail with exactly that error.
    const lifetime = this.#lifetime.signal;
    if (lifetime.aborted && !(lifetime.reason instanceof BackendError)) throw lifetime.reason;
    throw error;
  };

  /** The slow path: wait for the start (or a restart) within the request's deadline, then send. */
  async #requestWhenStarted(
    method: string,
    params: unknown,
    options: PoolRequestOptions,
    timeoutMs: number,
    startedAt: number,
  ): Promise<unknown> {
    const caller = options.signal;
    const deadline = new AbortController();
    let timedOut = false;
    // Not unref'd: a caller awaiting only this request must not see the process exit under it.
    const timer = setTimeout(() => {
      timedOut = true;
      deadline.abort();
    }, timeoutMs);
    const linked = anySignal([caller, deadline.signal, this.#lifetime.signal]);
    const abortError = (): Error =>
      this.#abortError(method, startedAt, caller, timedOut, `after ${timeoutMs} ms while starting`);
    let process: BackendProcess;
    try {
      process = await this.#supervisor.ensureProcess(linked.signal, abortError);
    } catch (error) {
      this.#leave();
      throw error;
    } finally {
      clearTimeout(timer);
      linked.dispose();
    }
    const elapsedMs = performance.now() - startedAt;
    const remainingMs = Math.max(0, timeoutMs - elapsedMs);
    const totalLeftMs = Math.max(0, this.spec.maxCallDurationMs - elapsedMs);
    return this.#send(process, method, params, options, remainingMs, startedAt, totalLeftMs);
  }

  /** Send a notification if a process is running (after its start, if starting); otherwise nothing to tell. */
  notify(method: string, params: unknown): Promise<void> {
    return this.#supervisor.notify(method, params);
  }

  /** Tell the running process (once started, if starting) the client's log level, if it logs. */
  applyLoggingLevel(level: LoggingLevel): Promise<void> {
    return this.#supervisor.applyLoggingLevel(level);
  }

  /** Stop or go on reading the stdout of every process of this backend. */
  setReadingPaused(paused: boolean): void {
    this.#supervisor.setReadingPaused(paused);
  }

  /** Resolves once nothing is in flight. */
  whenDrained(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /**
   * Fail everything in flight with `reason`, stop the process (stop ladder, container removal) and refuse work
   * from now on. Idempotent. Ends in `finalState`.
   */
  shutdown(reason: BackendError | Error, finalState: "idle" | "removed"): Promise<void> {
    if (this.#shutdownPromise === undefined) {
      this.#lifetime.abort(reason);
      this.#idle.dispose();
      this.#shutdownPromise = this.#supervisor.shutdown(reason, finalState);
    }
    return this.#shutdownPromise;
  }

  /**
   * Like `shutdown(reason, "idle")`, but the process group of every process this backend owns (running,
   * starting, or already in its stop ladder) is SIGKILLed now. Resolves once they have exited and their
   * containers are removed. Idempotent; escalates a shutdown that is under way.
   */
  kill(reason: BackendError | Error): Promise<void> {
    this.#supervisor.forceStops();
    const shutdown = this.shutdown(reason, "idle");
    const kills = this.#supervisor.stopAll(reason);
    return Promise.all([shutdown, ...kills]).then(() => {});
  }

  #enter(): void {
    this.#inFlight++;
    this.#idle.clear();
  }

  #leave(): void {
    this.#inFlight--;
    if (this.#inFlight > 0) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
    if (this.#supervisor.state === "ready") this.#idle.arm();
  }

  #abortError(
    method: string,
    startedAt: number,
    caller: CancelSignal | undefined,
    timedOut: boolean,
    timeoutText: string,
  ): Error {
    return abortErrorFor({
      backend: this.name,
      method,
      startedAt,
      lifetime: this.#lifetime.signal,
      caller,
      timedOut,
      timeoutText,
      stderrTail: () => this.#stderr.tail(),
    });
  }
}
