import { ErrorCode, Listeners, ProtocolError } from "@mcpware/protocol";
import type { ClientCapabilities, LoggingLevel } from "@mcpware/protocol";
import { Backend } from "./backend.js";
import type { BackendHost } from "./backend.js";
import { BackendError, BackendErrorCode } from "./backendError.js";
import { EraCache } from "./eraCache.js";
import { normalizeSpec } from "./normalizeSpec.js";
import {
  checkCapabilities,
  checkLoggingLevel,
  checkRequestOptions,
  resolvePoolOptions,
} from "./poolOptions.js";
import { ProcessGroupRegistry } from "./processGroups.js";
import type {
  BackendDiagnosticEvent,
  BackendInfo,
  BackendNotificationEvent,
  BackendPoolOptions,
  BackendRequestHandler,
  BackendSpec,
  Disposable,
  PoolRequestOptions,
  SpawnEvent,
  StateChangeEvent,
  StderrLine,
} from "./types.js";

/**
 * Owns the processes of many MCP servers, keyed by name (unique case-insensitively, matched exactly).
 *
 * - A backend starts on its first request (concurrent first requests share one start): spawn, then the
 *   handshake of its era, found on the same process and remembered per command (`eraCacheFile`): a modern
 *   (2026-07-28) backend answers `server/discover` and gets the `_meta` envelope on every request; a legacy one
 *   gets `initialize` with the latest protocol version and `clientCapabilities`, `notifications/initialized`.
 * - Every request has a deadline (`timeoutMs` of the call or the spec) and may carry an `AbortSignal`; on
 *   either the backend gets `notifications/cancelled` and the call rejects at once (ERR_BACKEND_TIMEOUT /
 *   ERR_BACKEND_ABORTED); a late reply is dropped.
 * - A crash rejects every pending request of that backend at once (ERR_BACKEND_EXITED with exit code, signal,
 *   stderr tail); the next request restarts it after a backoff; repeated crashes open a circuit
 *   (ERR_BACKEND_CIRCUIT_OPEN).
 * - `close()` lets in-flight requests finish, then stops every backend; `destroy(err)` fails them and stops
 *   now. Afterwards every operation rejects (or throws) ERR_POOL_CLOSED; queries (`has`, `names`, `info`,
 *   `infos`) keep answering.
 *
 * Errors are {@link BackendError}s. The pool never logs: stderr lines, notifications, backend requests and
 * diagnostics reach the caller through listeners.
 */
export class BackendPool implements AsyncDisposable {
  readonly #backends = new Map<string, Backend>();
  readonly #stateListeners = new Listeners<StateChangeEvent>();
  readonly #notificationListeners = new Listeners<BackendNotificationEvent>();
  readonly #stderrListeners = new Listeners<StderrLine>();
  readonly #diagnosticListeners = new Listeners<BackendDiagnosticEvent>();
  readonly #spawnListeners = new Listeners<SpawnEvent>();
  readonly #host: BackendHost;
  #requestHandler: BackendRequestHandler | undefined;
  #readingPaused = false;
  #readingResumedAt = -Infinity;
  #closing = false;
  #closePromise: Promise<void> | undefined;
  #destroyPromise: Promise<void> | undefined;
  #killPromise: Promise<void> | undefined;
  /** Removed or replaced backends whose shutdown is still running (a forced destroy must reach them too). */
  readonly #retiring = new Set<Backend>();

  constructor(options: BackendPoolOptions = {}) {
    const { clientInfo, clientCapabilities, instanceId, processGroupsDir, eraCacheFile } =
      resolvePoolOptions(options);
    if (options.onStderr !== undefined) this.#stderrListeners.add(options.onStderr);
    if (options.onDiagnostic !== undefined) this.#diagnosticListeners.add(options.onDiagnostic);
    const diagnose = (kind: "cleanup-error" | "cache-error", message: string, error: Error): void =>
      this.#emit(this.#diagnosticListeners, { backend: "", kind, message, error }, undefined);
    this.#host = {
      instanceId,
      processGroups:
        processGroupsDir === undefined
          ? undefined
          : new ProcessGroupRegistry(processGroupsDir, instanceId, (error) =>
              diagnose("cleanup-error", `recording process groups: ${error.message}`, error),
            ),
      eras: new EraCache(eraCacheFile, (message, error) => diagnose("cache-error", message, error)),
      clientInfo,
      clientCapabilities,
      loggingLevel: undefined,
      emitState: (event) => this.#emit(this.#stateListeners, event, event.backend),
      emitNotification: (event) => this.#emit(this.#notificationListeners, event, event.backend),
      emitStderr: (line) => this.#emit(this.#stderrListeners, line, line.backend),
      emitSpawn: (event) => this.#emit(this.#spawnListeners, event, event.backend),
      emitDiagnostic: (event) => this.#emit(this.#diagnosticListeners, event, undefined),
      handleRequest: (event) => this.#handleBackendRequest(event),
      isReadingPaused: () => this.#readingPaused,
      readingResumedAt: () => this.#readingResumedAt,
    };
  }

  /**
   * The client capabilities declared to backends started from now on (running ones keep what they were told:
   * MCP has no way to change them in a session). Only what the caller can honour, e.g. what its own client
   * declared when the caller relays sampling, elicitation and roots. Throws a TypeError for a non-object.
   */
  setClientCapabilities(capabilities: ClientCapabilities): void {
    this.#host.clientCapabilities = checkCapabilities(capabilities, "clientCapabilities");
  }

  /**
   * Ask every backend that declares `logging` for log messages at `level` and above (`logging/setLevel`): the
   * running ones now, the starting ones once ready, every later start right after its handshake. A modern backend
   * is sent no request: its requests carry the level in their `_meta` envelope from now on. Resolves once the
   * running ones answered; a backend's failure is a `request-error` diagnostic, never a rejection.
   */
  async setLoggingLevel(level: LoggingLevel): Promise<void> {
    this.#assertOpen();
    this.#host.loggingLevel = checkLoggingLevel(level);
    await Promise.all([...this.#backends.values()].map((backend) => backend.applyLoggingLevel(level)));
  }

  /** The label value of this pool's Docker containers. */
  get instanceId(): string {
    return this.#host.instanceId;
  }

  /** True once `close()` or `destroy()` was called. */
  get isClosed(): boolean {
    return this.#closing;
  }

  /**
   * Add a backend (not started until its first request). Throws a TypeError for a bad spec (naming the field),
   * ERR_BACKEND_EXISTS for a name already used (case-insensitively), ERR_POOL_CLOSED after close.
   */
  add(spec: BackendSpec): void {
    this.#assertOpen();
    const resolved = normalizeSpec(spec);
    const key = resolved.name.toLowerCase();
    const existing = this.#backends.get(key);
    if (existing !== undefined) {
      throw new BackendError(
        BackendErrorCode.Exists,
        `backend "${resolved.name}" clashes with existing backend "${existing.name}" (names are case-insensitive)`,
        { backend: resolved.name },
      );
    }
    this.#backends.set(key, new Backend(resolved, this.#host));
  }

  /** Stop and forget a backend; its pending requests reject with ERR_BACKEND_REMOVED. */
  async remove(name: string): Promise<void> {
    this.#assertOpen();
    const backend = this.#get(name);
    this.#backends.delete(name.toLowerCase());
    await this.#retire(
      backend,
      new BackendError(BackendErrorCode.Removed, `backend "${backend.name}" was removed`, {
        backend: backend.name,
      }),
    );
  }

  /**
   * Swap a backend's spec (found by `spec.name`): the old process is stopped (its pending requests reject
   * with ERR_BACKEND_REMOVED), the new one starts on demand. Requests made after `replace` returns a promise
   * go to the new spec.
   */
  async replace(spec: BackendSpec): Promise<void> {
    this.#assertOpen();
    const resolved = normalizeSpec(spec);
    const old = this.#get(resolved.name);
    this.#backends.set(resolved.name.toLowerCase(), new Backend(resolved, this.#host));
    await this.#retire(
      old,
      new BackendError(BackendErrorCode.Removed, `backend "${old.name}" was replaced`, { backend: old.name }),
    );
  }

  has(name: string): boolean {
    return this.#backends.get(String(name).toLowerCase())?.name === name;
  }

  /** Backend names in insertion order. */
  names(): string[] {
    return [...this.#backends.values()].map((backend) => backend.name);
  }

  /** A snapshot of one backend; throws ERR_BACKEND_UNKNOWN. */
  info(name: string): BackendInfo {
    return this.#get(name).info();
  }

  infos(): BackendInfo[] {
    return [...this.#backends.values()].map((backend) => backend.info());
  }

  /**
   * Start the backend if needed and resolve when it is ready. Rejects with the start's error
   * (ERR_BACKEND_SPAWN, ERR_BACKEND_START_TIMEOUT, ERR_BACKEND_INITIALIZE, ERR_BACKEND_EXITED,
   * ERR_BACKEND_CIRCUIT_OPEN) or ERR_BACKEND_ABORTED when `signal` aborts first.
   */
  async start(name: string, options: { signal?: AbortSignal } = {}): Promise<BackendInfo> {
    this.#assertOpen();
    const backend = this.#get(name);
    await backend.start(options.signal);
    return backend.info();
  }

  /**
   * Send a request to a backend, starting it if needed. Resolves with the backend's `result`. Rejects with
   * ERR_BACKEND_UNKNOWN, ERR_POOL_CLOSED, a start error, ERR_BACKEND_TIMEOUT, ERR_BACKEND_ABORTED,
   * ERR_BACKEND_EXITED, ERR_BACKEND_MESSAGE_TOO_LARGE, ERR_BACKEND_REMOVED, or ERR_BACKEND_REMOTE (the
   * backend's JSON-RPC error as `cause`, a ProtocolError), ERR_BACKEND_INPUT_FAILED (see `inputRequired`). Params
   * are sent unchanged except for a minted `_meta.progressToken` when `onProgress` is given without one, and, to
   * a modern backend, the 2026-07-28 `_meta` envelope (methods that era removed are not sent: `ping` and
   * `logging/setLevel` resolve `{}` at once, others reject with ERR_BACKEND_REMOTE, -32601).
   */
  request<R = unknown>(
    name: string,
    method: string,
    params?: unknown,
    options: PoolRequestOptions = {},
  ): Promise<R> {
    // Not an async function: on the hot path the backend's promise is handed back as it is, without another
    // promise and await per call. Every failure still arrives as a rejection.
    try {
      this.#assertOpen();
      if (typeof method !== "string" || method === "") {
        throw new TypeError(`request method must be a non-empty string, got ${String(method)}`);
      }
      checkRequestOptions(options);
      return this.#get(name).request(method, params, options) as Promise<R>;
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /**
   * Send a notification to a backend if it is running (after its start if it is starting). A backend that is
   * not running is not started for a notification: nothing is sent.
   */
  async notify(name: string, method: string, params?: unknown): Promise<void> {
    this.#assertOpen();
    await this.#get(name).notify(method, params);
  }

  /** State changes of every backend (`error` set for crashed / circuit-open). */
  onStateChange(listener: (event: StateChangeEvent) => void): Disposable {
    return this.#stateListeners.add(listener);
  }

  /** Every notification from a backend except progress routed to a request's `onProgress`. */
  onNotification(listener: (event: BackendNotificationEvent) => void): Disposable {
    return this.#notificationListeners.add(listener);
  }

  /** Every stderr line of every backend (also kept in each backend's bounded tail). */
  onStderr(listener: (line: StderrLine) => void): Disposable {
    return this.#stderrListeners.add(listener);
  }

  /** Every process spawned (pid known, handshake not yet done). */
  onSpawn(listener: (event: SpawnEvent) => void): Disposable {
    return this.#spawnListeners.add(listener);
  }

  /** Diagnostics: stdout noise, over-cap messages, stream and listener errors, cleanup failures. */
  onDiagnostic(listener: (event: BackendDiagnosticEvent) => void): Disposable {
    return this.#diagnosticListeners.add(listener);
  }

  /**
   * Answers backend-to-client requests (sampling, elicitation, roots/list), and the input requests of a modern
   * backend's `input_required` results (see `PoolRequestOptions.inputRequired`). Without a handler they get
   * -32601. `ping` is always answered by the pool itself.
   */
  setRequestHandler(handler: BackendRequestHandler | undefined): void {
    if (handler !== undefined && typeof handler !== "function") {
      throw new TypeError(`request handler must be a function, got ${typeof handler}`);
    }
    this.#requestHandler = handler;
  }

  /**
   * Stop reading every backend's stdout, processes started meanwhile included, until {@link resumeReading}: for
   * an owner that cannot pass replies on (its client is not reading). The backends' writes back up into their
   * pipes, so memory stays bounded; their stderr is still read. Requests keep their deadlines. Idempotent.
   */
  pauseReading(): void {
    if (this.#readingPaused) return;
    this.#readingPaused = true;
    for (const backend of [...this.#backends.values(), ...this.#retiring]) backend.setReadingPaused(true);
  }

  /** Read the backends' stdout again after {@link pauseReading}. Idempotent. */
  resumeReading(): void {
    if (!this.#readingPaused) return;
    this.#readingPaused = false;
    this.#readingResumedAt = performance.now();
    for (const backend of [...this.#backends.values(), ...this.#retiring]) backend.setReadingPaused(false);
  }

  /** True between {@link pauseReading} and {@link resumeReading}. */
  get isReadingPaused(): boolean {
    return this.#readingPaused;
  }

  /** Finish in-flight requests, then stop every backend (and finish writing the era cache). Idempotent. */
  close(): Promise<void> {
    if (this.#destroyPromise !== undefined) return this.#destroyPromise;
    if (this.#closePromise === undefined) {
      this.#closing = true;
      this.#closePromise = (async () => {
        const backends = [...this.#backends.values()];
        await Promise.all(backends.map((backend) => backend.whenDrained()));
        const reason = new BackendError(BackendErrorCode.PoolClosed, "the backend pool was closed");
        await Promise.all(backends.map((backend) => backend.shutdown(reason, "idle")));
        await this.#host.eras.flush();
      })();
    }
    return this.#closePromise;
  }

  /**
   * Fail in-flight requests with `error` (or ERR_POOL_CLOSED) and stop every backend now. Idempotent.
   *
   * With `force`, nothing climbs the stop ladder: the process group of every child (running, starting, or
   * already being stopped by an earlier `close()`/`destroy()`, `remove()` or `replace()`) is SIGKILLed at once
   * (Windows: `taskkill /T /F`). Resolves once every child has exited and its container is removed. A forced
   * destroy escalates a close or destroy that is under way; it is the last resort of a process that must exit.
   */
  destroy(error?: Error, options: { force?: boolean } = {}): Promise<void> {
    const reason = error ?? new BackendError(BackendErrorCode.PoolClosed, "the backend pool was destroyed");
    if (this.#destroyPromise === undefined) {
      this.#closing = true;
      const backends = [...this.#backends.values()];
      this.#destroyPromise = Promise.all([
        ...backends.map((backend) => backend.shutdown(reason, "idle")),
        this.#closePromise,
      ]).then(() => this.#host.eras.flush());
    }
    if (options.force !== true) return this.#killPromise ?? this.#destroyPromise;
    if (this.#killPromise === undefined) {
      const backends = [...this.#backends.values(), ...this.#retiring];
      this.#killPromise = Promise.all([
        ...backends.map((backend) => backend.kill(reason)),
        this.#destroyPromise,
      ]).then(() => {});
    }
    return this.#killPromise;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #retire(backend: Backend, reason: BackendError): Promise<void> {
    this.#retiring.add(backend);
    try {
      await backend.shutdown(reason, "removed");
    } finally {
      this.#retiring.delete(backend);
    }
  }

  #assertOpen(): void {
    if (this.#closing) throw new BackendError(BackendErrorCode.PoolClosed, "the backend pool is closed");
  }

  #get(name: string): Backend {
    const backend = typeof name === "string" ? this.#backends.get(name.toLowerCase()) : undefined;
    if (backend === undefined || backend.name !== name) {
      throw new BackendError(BackendErrorCode.Unknown, `no backend named ${JSON.stringify(name)}`, {
        backend: String(name),
      });
    }
    return backend;
  }

  async #handleBackendRequest(event: Parameters<BackendRequestHandler>[0]): Promise<unknown> {
    const handler = this.#requestHandler;
    if (handler === undefined) {
      throw new ProtocolError(ErrorCode.MethodNotFound, `Method not found: ${event.method}`);
    }
    return await handler(event);
  }

  #emit<E>(listeners: Listeners<E>, event: E, backend: string | undefined): void {
    listeners.emit(event, (error) => {
      if (listeners === this.#diagnosticListeners) return;
      this.#emit(
        this.#diagnosticListeners,
        {
          backend: backend ?? "",
          kind: "listener-error",
          message: `a listener threw: ${String(error)}`,
          error: error as Error,
        },
        undefined,
      );
    });
  }
}
