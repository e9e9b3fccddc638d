import { raceAbort } from "@mcpware/protocol";
import type { ClientCapabilities, Implementation, InitializeResult } from "@mcpware/protocol";
import { setMaxListeners } from "node:events";
import { sleep } from "./abortable.js";
import { anySignal } from "./anySignal.js";
import { BackendError, BackendErrorCode } from "./backendError.js";
import { BackendProcess } from "./backendProcess.js";
import type { BackendProcessHost } from "./backendProcess.js";
import { buildChildEnv } from "./childEnv.js";
import type { ResolvedBackendSpec } from "./normalizeSpec.js";
import { abortErrorFor, busyError, circuitOpenError } from "./requestErrors.js";
import { RestartGovernor } from "./restartGovernor.js";
import type { StartDecision } from "./restartGovernor.js";
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
  clientCapabilities: ClientCapabilities;
  emitState(event: StateChangeEvent): void;
  emitNotification(event: BackendNotificationEvent): void;
  emitStderr(line: StderrLine): void;
  emitSpawn(event: SpawnEvent): void;
  emitDiagnostic(event: BackendDiagnosticEvent): void;
  handleRequest(event: BackendRequestEvent): Promise<unknown>;
  isReadingPaused(): boolean;
}

/**
 * One named backend across its processes: lazy start shared by concurrent callers, handshake, deadlines,
 * crash handling with backoff and circuit breaker, recycling after repeated timeouts, idle stop.
 *
 * States: `idle → starting → ready → (stopping → idle) | crashed | circuit-open`; `crashed`/`circuit-open` →
 * `starting` on the next request once backoff or cooldown allow; any → `removed` on remove.
 */
export class Backend {
  readonly spec: ResolvedBackendSpec;
  readonly #host: BackendHost;
  readonly #env: Record<string, string>;
  readonly #governor: RestartGovernor;
  readonly #stderr = new StderrRing();
  /**
   * Aborted (with the reason) on remove, replace and pool destroy: fails the requests waiting for a start (those
   * on a process fail when the process is stopped with the same reason).
   */
  readonly #lifetime = new AbortController();
  #state: BackendState = "idle";
  #process: BackendProcess | undefined;
  #startingProcess: BackendProcess | undefined;
  #startPromise: Promise<BackendProcess> | undefined;
  #stopPromise: Promise<void> | undefined;
  #initialize: InitializeResult | undefined;
  #attempts = 0;
  #lastError: BackendError | undefined;
  #consecutiveTimeouts = 0;
  #noiseLines = 0;
  #inFlight = 0;
  #drainWaiters: (() => void)[] = [];
  #idleTimer: NodeJS.Timeout | undefined;
  #shutdownPromise: Promise<void> | undefined;
  /** Every process spawned and not yet fully stopped: running, starting, dying or in its stop ladder. */
  readonly #processes = new Set<BackendProcess>();
  /** Set by `kill()`: every stop from now on SIGKILLs at once instead of climbing the ladder. */
  #forced = false;

  constructor(spec: ResolvedBackendSpec, host: BackendHost) {
    this.spec = spec;
    this.#host = host;
    this.#env = buildChildEnv(spec.env, { inheritEnv: spec.inheritEnv });
    this.#governor = new RestartGovernor(spec.restart);
    // One listener per start() in flight is the design, not a leak (each is removed when it settles).
    setMaxListeners(0, this.#lifetime.signal);
  }

  get name(): string {
    return this.spec.name;
  }

  get state(): BackendState {
    return this.#state;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  info(): BackendInfo {
    const init = this.#initialize;
    return {
      name: this.spec.name,
      description: this.spec.description,
      state: this.#state,
      pid: (this.#process ?? this.#startingProcess)?.pid,
      protocolVersion: init?.protocolVersion,
      serverInfo: init?.serverInfo,
      capabilities: init?.capabilities,
      instructions: init?.instructions,
      restarts: Math.max(0, this.#attempts - 1),
      lastError: this.#lastError,
      stderrTail: this.#stderr.tail(),
      inFlight: this.#inFlight,
      noiseLines: this.#noiseLines,
      circuitOpenUntil: this.#governor.circuitOpenUntil,
    };
  }

  /** Start if needed; resolves when ready. Counts as in flight (close() waits for it). */
  async start(signal: AbortSignal | undefined): Promise<void> {
    const linked = anySignal([signal, this.#lifetime.signal]);
    const startedAt = performance.now();
    const abortError = (): Error => this.#abortError("initialize", startedAt, signal, false, "");
    this.#enter();
    try {
      await this.#ensureProcess(linked.signal, abortError);
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
    const process = this.#readyProcess(options.signal);
    this.#enter();
    if (process === undefined) return this.#requestWhenStarted(method, params, options, timeoutMs, startedAt);
    return process
      .request(method, params, {
        signal: options.signal,
        timeoutMs,
        startedAt,
        raw: options.raw,
        onProgress: options.onProgress,
      })
      .then(this.#settled, this.#failed);
  }

  readonly #settled = (result: unknown): unknown => {
    this.#consecutiveTimeouts = 0;
    this.#leave();
    return result;
  };

  readonly #failed = (error: unknown): never => {
    this.#leave();
    if (error instanceof BackendError && error.code === BackendErrorCode.Timeout) this.#onRequestTimeout();
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
      process = await this.#ensureProcess(linked.signal, abortError);
    } catch (error) {
      this.#leave();
      throw error;
    } finally {
      clearTimeout(timer);
      linked.dispose();
    }
    const remainingMs = Math.max(0, timeoutMs - (performance.now() - startedAt));
    return process
      .request(method, params, {
        signal: caller,
        timeoutMs: remainingMs,
        startedAt,
        raw: options.raw,
        onProgress: options.onProgress,
      })
      .then(this.#settled, this.#failed);
  }

  /** Send a notification if a process is running (after its start, if starting); otherwise nothing to tell. */
  async notify(method: string, params: unknown): Promise<void> {
    if (this.#startPromise !== undefined) await this.#startPromise.catch(() => {});
    if (this.#state === "ready" && this.#process !== undefined) await this.#process.notify(method, params);
  }

  /** Stop or go on reading the stdout of every process of this backend. */
  setReadingPaused(paused: boolean): void {
    for (const process of this.#processes) process.setReadingPaused(paused);
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
      this.#clearIdleTimer();
      this.#shutdownPromise = (async () => {
        if (this.#startPromise !== undefined) await this.#startPromise.catch(() => {});
        const process = this.#process;
        this.#process = undefined;
        if (process !== undefined) {
          this.#setState("stopping");
          await this.#stopProcess(process, this.#asBackendError(reason));
        }
        if (this.#stopPromise !== undefined) await this.#stopPromise;
        this.#setState(finalState);
      })();
    }
    return this.#shutdownPromise;
  }

  /**
   * Like `shutdown(reason, "idle")`, but the process group of every process this backend owns (running,
   * starting, or already in its stop ladder) is SIGKILLed now. Resolves once they have exited and their
   * containers are removed. Idempotent; escalates a shutdown that is under way.
   */
  kill(reason: BackendError | Error): Promise<void> {
    this.#forced = true;
    const shutdown = this.shutdown(reason, "idle");
    const error = this.#asBackendError(reason);
    const kills = [...this.#processes].map((process) => this.#stopProcess(process, error));
    return Promise.all([shutdown, ...kills]).then(() => {});
  }

  /** Stop a process this backend owns: the stop ladder, or SIGKILL once `kill()` was called. */
  #stopProcess(process: BackendProcess, reason: BackendError | undefined): Promise<void> {
    const stop = this.#forced ? process.kill(reason) : process.stop(reason);
    return stop.finally(() => this.#processes.delete(process));
  }

  #asBackendError(reason: Error): BackendError {
    if (reason instanceof BackendError) return reason;
    return new BackendError(BackendErrorCode.PoolClosed, reason.message, {
      backend: this.name,
      cause: reason,
    });
  }

  #enter(): void {
    this.#inFlight++;
    this.#clearIdleTimer();
  }

  #leave(): void {
    this.#inFlight--;
    if (this.#inFlight > 0) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
    this.#armIdleTimer();
  }

  /** The running process when the backend is ready and nothing aborted: the common case, without an await. */
  #readyProcess(signal: AbortSignal | undefined): BackendProcess | undefined {
    const current = this.#process;
    if (current === undefined || signal?.aborted === true || this.#state !== "ready" || !current.isAlive)
      return undefined;
    return current;
  }

  async #ensureProcess(signal: AbortSignal, abortError: () => Error): Promise<BackendProcess> {
    for (;;) {
      if (signal.aborted) throw abortError();
      const current = this.#process;
      if (current !== undefined) {
        if (this.#state === "ready" && current.isAlive) return current;
        // Dying (a pipe broke or it exited; its death is being settled): the death handler decides what next.
        await raceAbort(current.death, signal, abortError);
        continue;
      }
      if (this.#startPromise === undefined) {
        if (this.#stopPromise !== undefined) {
          await raceAbort(this.#stopPromise, signal, abortError);
          continue;
        }
        const decision = this.#governor.decide(Date.now());
        if (decision.kind === "circuit-open") throw this.#circuitError(decision.retryAtMs);
        const start = this.#start(decision);
        this.#startPromise = start;
        const clear = (): void => {
          if (this.#startPromise === start) this.#startPromise = undefined;
        };
        start.then(clear, clear);
      }
      return await raceAbort(this.#startPromise, signal, abortError);
    }
  }

  #abortError(
    method: string,
    startedAt: number,
    caller: AbortSignal | undefined,
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

  #circuitError(retryAtMs: number): BackendError {
    return circuitOpenError(this.name, retryAtMs, this.#lastError, this.#stderr.tail());
  }

  async #start(decision: Exclude<StartDecision, { kind: "circuit-open" }>): Promise<BackendProcess> {
    const lifetime = this.#lifetime.signal;
    if (decision.kind === "wait") {
      await sleep(decision.delayMs, lifetime);
      const next = this.#governor.decide(Date.now());
      if (next.kind === "circuit-open") throw this.#circuitError(next.retryAtMs);
      decision = next.kind === "wait" ? { kind: "start", probe: false } : next;
    }
    if (lifetime.aborted) throw lifetime.reason;
    this.#governor.recordStart(decision.kind === "start" && decision.probe);
    this.#attempts++;
    this.#setState("starting");
    const startTimeout = new AbortController();
    const timer = setTimeout(() => startTimeout.abort(), this.spec.startTimeoutMs);
    const linked = anySignal([startTimeout.signal, lifetime]);
    const signal = linked.signal;
    let process: BackendProcess | undefined;
    try {
      process = await BackendProcess.spawn(this.#processHost());
      this.#processes.add(process);
      this.#startingProcess = process;
      if (process.pid !== undefined) {
        this.#host.emitSpawn({ backend: this.name, pid: process.pid, containerName: process.containerName });
      }
      if (signal.aborted) throw lifetime.aborted ? lifetime.reason : new Error("start timeout");
      const init = await process.initialize(signal);
      // Died right after answering (its death was ignored while starting): a failed start like any other.
      if (!process.isAlive) throw await process.death;
      this.#initialize = init;
      this.#process = process;
      this.#startingProcess = undefined;
      this.#consecutiveTimeouts = 0;
      this.#governor.recordReady(Date.now());
      this.#setState("ready");
      return process;
    } catch (thrown) {
      this.#startingProcess = undefined;
      let error: BackendError;
      if (lifetime.aborted) {
        error = this.#asBackendError(lifetime.reason as Error);
      } else if (startTimeout.signal.aborted) {
        error = new BackendError(
          BackendErrorCode.StartTimeout,
          `backend "${this.name}" did not finish starting within ${this.spec.startTimeoutMs} ms`,
          {
            backend: this.name,
            method: "initialize",
            elapsedMs: this.spec.startTimeoutMs,
            stderrTail: this.#stderr.tail(),
          },
        );
      } else {
        error =
          thrown instanceof BackendError
            ? thrown
            : new BackendError(
                BackendErrorCode.Initialize,
                `backend "${this.name}" failed to start: ${String(thrown)}`,
                {
                  backend: this.name,
                  cause: thrown,
                },
              );
      }
      if (process !== undefined) this.#trackStop(this.#stopProcess(process, error));
      if (!lifetime.aborted) this.#recordFailure(error);
      throw error;
    } finally {
      clearTimeout(timer);
      linked.dispose();
    }
  }

  #recordFailure(error: BackendError): void {
    this.#lastError = error;
    const open = this.#governor.recordCrash(Date.now());
    this.#setState(open ? "circuit-open" : "crashed", error);
  }

  #trackStop(stop: Promise<void>): void {
    const tracked = stop.finally(() => {
      if (this.#stopPromise === tracked) this.#stopPromise = undefined;
    });
    this.#stopPromise = tracked;
  }

  /** A ready process died on its own (crash, broken pipe, over-cap message). */
  #onDeath(process: BackendProcess, error: BackendError, expected: boolean): void {
    if (expected || process !== this.#process) return;
    this.#process = undefined;
    // Kills what is left of its process group (grandchildren) and removes its container.
    this.#trackStop(this.#stopProcess(process, undefined));
    if (this.#lifetime.signal.aborted) return;
    this.#recordFailure(error);
  }

  #onRequestTimeout(): void {
    const process = this.#process;
    if (process === undefined) return;
    if (++this.#consecutiveTimeouts < this.spec.restart.maxConsecutiveTimeouts) return;
    this.#consecutiveTimeouts = 0;
    this.#retire(
      process,
      new BackendError(
        BackendErrorCode.Exited,
        `backend "${this.name}" was recycled after ${this.spec.restart.maxConsecutiveTimeouts} consecutive timeouts`,
        { backend: this.name, stderrTail: this.#stderr.tail() },
      ),
    );
  }

  /** Stop a healthy-looking process on purpose (recycle, idle): no backoff for the next start. */
  #retire(process: BackendProcess, reason: BackendError | undefined): void {
    if (process !== this.#process || this.#lifetime.signal.aborted) return;
    this.#process = undefined;
    this.#setState("stopping");
    this.#trackStop(
      this.#stopProcess(process, reason).then(() => {
        this.#governor.recordStop();
        if (this.#state === "stopping") this.#setState("idle");
      }),
    );
  }

  #armIdleTimer(): void {
    const idleMs = this.spec.idleTimeoutMs;
    if (idleMs === undefined || idleMs === 0 || this.#state !== "ready" || this.#lifetime.signal.aborted)
      return;
    this.#clearIdleTimer();
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#inFlight === 0 && this.#process !== undefined) this.#retire(this.#process, undefined);
    }, idleMs);
    this.#idleTimer.unref();
  }

  #clearIdleTimer(): void {
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  #setState(state: BackendState, error?: BackendError): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    const event: StateChangeEvent = { backend: this.name, state, previous };
    if (error !== undefined) event.error = error;
    this.#host.emitState(event);
  }

  #processHost(): BackendProcessHost {
    const host = this.#host;
    const name = this.name;
    return {
      spec: this.spec,
      env: this.#env,
      instanceId: host.instanceId,
      clientInfo: host.clientInfo,
      clientCapabilities: host.clientCapabilities,
      stderr: this.#stderr,
      onStderrLine: (line) => host.emitStderr({ backend: name, line }),
      onNotification: (method, params) => host.emitNotification({ backend: name, method, params }),
      onRequest: (method, params, signal) => host.handleRequest({ backend: name, method, params, signal }),
      onDiagnostic: (event) => {
        if (event.kind === "stdout-noise") event = { ...event, count: ++this.#noiseLines };
        host.emitDiagnostic({ backend: name, ...event });
      },
      onDeath: (process, error, expected) => this.#onDeath(process, error, expected),
      isReadingPaused: () => host.isReadingPaused(),
    };
  }
}
