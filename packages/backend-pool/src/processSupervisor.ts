import { raceAbort } from "@mcpware/protocol";
import type { CancelSignal, InitializeResult, LoggingLevel } from "@mcpware/protocol";
import type { BackendHost } from "./backend.js";
import { BackendError, BackendErrorCode } from "./backendError.js";
import type { BackendProcess, BackendProcessHost } from "./backendProcess.js";
import { buildChildEnv } from "./childEnv.js";
import { eraCacheKey } from "./eraCache.js";
import type { ResolvedBackendSpec } from "./normalizeSpec.js";
import { asBackendError, circuitOpenError, failedError } from "./requestErrors.js";
import { RestartGovernor } from "./restartGovernor.js";
import { startBackendProcess } from "./startBackendProcess.js";
import type { StartHost } from "./startBackendProcess.js";
import type { StderrRing } from "./stderrRing.js";
import type { BackendEra, BackendInfo, BackendState, StateChangeEvent } from "./types.js";

/**
 * The processes of one backend, one serving at a time, and the backend's state: lazy start shared by concurrent
 * callers (see {@link startBackendProcess}), crash handling with backoff and circuit breaker, recycling after
 * repeated timeouts, deliberate stops (idle, recycle) and the stops of every process it spawned.
 *
 * States: `idle → starting → ready → (stopping → idle) | crashed | circuit-open`; `crashed`/`circuit-open` →
 * `starting` on the next request once backoff or cooldown allow; any → `removed` on remove.
 */
export class ProcessSupervisor {
  readonly #spec: ResolvedBackendSpec;
  readonly #host: BackendHost;
  readonly #lifetime: AbortSignal;
  readonly #stderr: StderrRing;
  readonly #governor: RestartGovernor;
  readonly #startHost: StartHost;
  #state: BackendState = "idle";
  #process: BackendProcess | undefined;
  #startingProcess: BackendProcess | undefined;
  #startPromise: Promise<BackendProcess> | undefined;
  #stopPromise: Promise<void> | undefined;
  #initialize: InitializeResult | undefined;
  #era: BackendEra | undefined;
  #attempts = 0;
  #lastError: BackendError | undefined;
  #consecutiveTimeouts = 0;
  #noiseLines = 0;
  /** Every process spawned and not yet fully stopped: running, starting, dying or in its stop ladder. */
  readonly #processes = new Set<BackendProcess>();
  /** Set by `forceStops()`: every stop from now on SIGKILLs at once instead of climbing the ladder. */
  #forced = false;

  /**
   * @param lifetime the backend's lifetime: once aborted, nothing starts, and deaths and failures are not
   * recorded.
   */
  constructor(spec: ResolvedBackendSpec, host: BackendHost, lifetime: AbortSignal, stderr: StderrRing) {
    this.#spec = spec;
    this.#host = host;
    this.#lifetime = lifetime;
    this.#stderr = stderr;
    this.#governor = new RestartGovernor(spec.restart);
    this.#startHost = {
      spec,
      lifetime,
      governor: this.#governor,
      processHost: this.#processHost(buildChildEnv(spec.env, { inheritEnv: spec.inheritEnv })),
      stderr,
      eras: host.eras,
      eraKey: eraCacheKey(spec.command, spec.args),
      circuitError: (retryAtMs) => this.#circuitError(retryAtMs),
      failedError: () => this.#failedError(),
      onStarting: () => {
        this.#attempts++;
        this.#setState("starting");
      },
      onSpawned: (process) => {
        this.#processes.add(process);
        this.#startingProcess = process;
        if (process.pid !== undefined) {
          host.processGroups?.record(spec.name, process.pid);
          host.emitSpawn({ backend: spec.name, pid: process.pid, containerName: process.containerName });
        }
      },
      onProbeExited: (process) => {
        if (this.#startingProcess === process) this.#startingProcess = undefined;
        this.#trackStop(this.#stopProcess(process, undefined));
      },
      onReady: (process, initialize) => {
        this.#initialize = initialize;
        this.#era = process.era;
        this.#process = process;
        if (host.isReadingPaused()) process.setReadingPaused(true);
        this.#startingProcess = undefined;
        this.#consecutiveTimeouts = 0;
        this.#setState("ready");
      },
      onFailed: (process, error) => {
        this.#startingProcess = undefined;
        if (process !== undefined) this.#trackStop(this.#stopProcess(process, error));
        if (!lifetime.aborted) this.#recordFailure(error, true);
      },
    };
  }

  get state(): BackendState {
    return this.#state;
  }

  info(inFlight: number): BackendInfo {
    const init = this.#initialize;
    return {
      name: this.#spec.name,
      description: this.#spec.description,
      state: this.#state,
      pid: (this.#process ?? this.#startingProcess)?.pid,
      protocolVersion: init?.protocolVersion,
      era: this.#era,
      serverInfo: init?.serverInfo,
      capabilities: init?.capabilities,
      instructions: init?.instructions,
      restarts: Math.max(0, this.#attempts - 1),
      lastError: this.#lastError,
      stderrTail: this.#stderr.tail(),
      inFlight,
      noiseLines: this.#noiseLines,
      circuitOpenUntil: this.#governor.circuitOpenUntil,
    };
  }

  /** The running process when the backend is ready and nothing aborted: the common case, without an await. */
  readyProcess(signal: CancelSignal | undefined): BackendProcess | undefined {
    const current = this.#process;
    if (current === undefined || signal?.aborted === true || this.#state !== "ready" || !current.isAlive)
      return undefined;
    return current;
  }

  /**
   * The running process, once ready: waits for a start under way, a dying process's death or a stop, and starts
   * one if none is. Rejects with `abortError()` when `signal` aborts, ERR_BACKEND_CIRCUIT_OPEN, or what the start
   * failed with.
   */
  async ensureProcess(signal: AbortSignal, abortError: () => Error): Promise<BackendProcess> {
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
        if (decision.kind === "failed") throw this.#failedError();
        const start = startBackendProcess(decision, this.#startHost);
        this.#startPromise = start;
        const clear = (): void => {
          if (this.#startPromise === start) this.#startPromise = undefined;
        };
        start.then(clear, clear);
      }
      return await raceAbort(this.#startPromise, signal, abortError);
    }
  }

  /** Send a notification if a process is running (after its start, if starting); otherwise nothing to tell. */
  async notify(method: string, params: unknown): Promise<void> {
    if (this.#startPromise !== undefined) await this.#startPromise.catch(() => {});
    if (this.#state === "ready" && this.#process !== undefined) await this.#process.notify(method, params);
  }

  /** Send `logging/setLevel` to the running process (once started, if starting) unless it has that level. */
  async applyLoggingLevel(level: LoggingLevel): Promise<void> {
    if (this.#startPromise !== undefined) await this.#startPromise.catch(() => {});
    if (this.#state === "ready" && this.#process !== undefined) await this.#process.setLoggingLevel(level);
  }

  /**
   * Stop or go on reading the stdout of the running process (a starting one is paused once it is ready, so its
   * handshake is never held up; every process is resumed).
   */
  setReadingPaused(paused: boolean): void {
    if (paused) this.#process?.setReadingPaused(true);
    else for (const process of this.#processes) process.setReadingPaused(false);
  }

  /** A request got its reply: the run of consecutive timeouts is broken. */
  recordReply(): void {
    this.#consecutiveTimeouts = 0;
  }

  /**
   * A request timed out: `maxConsecutiveTimeouts` in a row recycle the running process. A request whose time ran
   * out while the owner held the backend's output back (`pauseReading`) says nothing about the backend.
   */
  recordTimeout(startedAt: number): void {
    if (this.#host.isReadingPaused() || this.#host.readingResumedAt() >= startedAt) return;
    const process = this.#process;
    if (process === undefined) return;
    if (++this.#consecutiveTimeouts < this.#spec.restart.maxConsecutiveTimeouts) return;
    this.#consecutiveTimeouts = 0;
    const name = this.#spec.name;
    this.#retire(
      process,
      new BackendError(
        BackendErrorCode.Exited,
        `backend "${name}" was recycled after ${this.#spec.restart.maxConsecutiveTimeouts} consecutive timeouts`,
        { backend: name, stderrTail: this.#stderr.tail() },
      ),
    );
  }

  /** The backend was idle long enough: stop the running process, if any (no backoff for the next start). */
  retireIdle(): void {
    if (this.#process !== undefined) this.#retire(this.#process, undefined);
  }

  /**
   * After the lifetime was aborted: wait for a start under way, stop the running process (stop ladder, container
   * removal; pending requests fail with `reason`) and any stop under way, then enter `finalState`.
   */
  async shutdown(reason: Error, finalState: "idle" | "removed"): Promise<void> {
    if (this.#startPromise !== undefined) await this.#startPromise.catch(() => {});
    const process = this.#process;
    this.#process = undefined;
    if (process !== undefined) {
      this.#setState("stopping");
      await this.#stopProcess(process, asBackendError(reason, this.#spec.name));
    }
    if (this.#stopPromise !== undefined) await this.#stopPromise;
    this.#setState(finalState);
  }

  /** Every stop from now on SIGKILLs the process group at once. */
  forceStops(): void {
    this.#forced = true;
  }

  /** Stop every process spawned and not yet fully stopped (running, starting, or in its stop ladder). */
  stopAll(reason: Error): Promise<void>[] {
    const error = asBackendError(reason, this.#spec.name);
    return [...this.#processes].map((process) => this.#stopProcess(process, error));
  }

  /** Stop a process: the stop ladder, or SIGKILL once `forceStops()` was called. */
  #stopProcess(process: BackendProcess, reason: BackendError | undefined): Promise<void> {
    const stop = this.#forced ? process.kill(reason) : process.stop(reason);
    return stop.finally(() => {
      this.#processes.delete(process);
      // The stop ladder reached the whole group: nothing of it is left to sweep.
      if (process.pid !== undefined) this.#host.processGroups?.forget(process.pid);
    });
  }

  #circuitError(retryAtMs: number): BackendError {
    return circuitOpenError(this.#spec.name, retryAtMs, this.#lastError, this.#stderr.tail());
  }

  #failedError(): BackendError {
    const policy = this.#governor.policy;
    return failedError(
      this.#spec.name,
      policy.maxFailedStarts,
      policy.failedStartWindowMs,
      this.#lastError,
      this.#stderr.tail(),
    );
  }

  /** A crash, or (`duringStart`) a failed start, which also spends the restart budget. */
  #recordFailure(error: BackendError, duringStart = false): void {
    this.#lastError = error;
    const now = Date.now();
    const open = this.#governor.recordCrash(now);
    if (duringStart && this.#governor.recordFailedStart(now)) {
      this.#setState("failed", this.#failedError());
      return;
    }
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
    if (this.#lifetime.aborted) return;
    this.#recordFailure(error);
  }

  /** Stop a healthy-looking process on purpose (recycle, idle): no backoff for the next start. */
  #retire(process: BackendProcess, reason: BackendError | undefined): void {
    if (process !== this.#process || this.#lifetime.aborted) return;
    this.#process = undefined;
    this.#setState("stopping");
    this.#trackStop(
      this.#stopProcess(process, reason).then(() => {
        this.#governor.recordStop();
        if (this.#state === "stopping") this.#setState("idle");
      }),
    );
  }

  #setState(state: BackendState, error?: BackendError): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    const event: StateChangeEvent = { backend: this.#spec.name, state, previous };
    if (error !== undefined) event.error = error;
    this.#host.emitState(event);
  }

  #processHost(env: Record<string, string>): BackendProcessHost {
    const host = this.#host;
    const name = this.#spec.name;
    return {
      spec: this.#spec,
      env,
      instanceId: host.instanceId,
      clientInfo: host.clientInfo,
      // Read at each start: the pool's owner may set them after this backend was added.
      get clientCapabilities() {
        return host.clientCapabilities;
      },
      get loggingLevel() {
        return host.loggingLevel;
      },
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
