import type { ChildProcessWithoutNullStreams } from "node:child_process";
import {
  McpMethod,
  ModernMethod,
  RequestError,
  RequestErrorCode,
  createMcpConnection,
  isObject,
} from "@mcpware/protocol";
import type { LoggingLevel, McpConnection, ServerCapabilities } from "@mcpware/protocol";
import { BackendError, BackendErrorCode } from "./backendError.js";
import { prepareDockerRun } from "./dockerRun.js";
import { eraProbeTimeoutMs, runEraHandshake } from "./eraProbe.js";
import type { EraHandshake, HandshakePlan } from "./eraProbe.js";
import { ModernSession } from "./modernSession.js";
import type { PreparedDockerRun } from "./dockerRun.js";
import type { BackendProcessHost, ProcessRequestOptions } from "./processHost.js";
import { removeContainer } from "./removeContainer.js";
import { ProgressRoutes } from "./progressRoutes.js";
import type { ProgressRoute } from "./progressRoutes.js";
import { ProcessDeath } from "./processDeath.js";
import { requestFailureFor } from "./requestErrors.js";
import { spawnChild } from "./spawnChild.js";
import { signalProcessGroup, stopChild } from "./stopChild.js";
import type { BackendEra } from "./types.js";

export type { BackendProcessHost, ProcessRequestOptions } from "./processHost.js";

/**
 * One running process of a backend: the child, its MCP connection, its pending requests and progress routes.
 * Dead is dead: after the first of child 'exit', stdout 'end'/'error', stdin 'error' (never 'close', which a
 * grandchild holding the pipes delays) or an over-cap message, every pending request is rejected at once and
 * the process never serves again; the owner starts a new one.
 */
export class BackendProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly connection: McpConnection;
  readonly containerName: string | undefined;
  readonly #docker: PreparedDockerRun | undefined;
  readonly #host: BackendProcessHost;
  readonly #progress: ProgressRoutes;
  readonly #death: ProcessDeath;
  #stopping = false;
  #stopPromise: Promise<void> | undefined;
  #stopped = false;
  #killed = false;
  #capabilities: ServerCapabilities | undefined;
  #loggingLevel: LoggingLevel | undefined;
  #era: BackendEra | undefined;
  /** Set once a handshake found the backend modern: what its requests go through. */
  #modern: ModernSession | undefined;

  private constructor(
    child: ChildProcessWithoutNullStreams,
    docker: PreparedDockerRun | undefined,
    host: BackendProcessHost,
  ) {
    this.child = child;
    this.#docker = docker;
    this.containerName = docker?.containerName;
    this.#host = host;
    this.#death = new ProcessDeath(child, host.spec.name, host.stderr, (error) => this.#onDeath(error));

    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      for (const line of host.stderr.push(chunk)) host.onStderrLine(line);
    });
    child.stderr.on("end", () => {
      for (const line of host.stderr.flush()) host.onStderrLine(line);
    });

    child.once("exit", () => this.#onBroken());
    child.stdout.once("end", () => this.#onBroken());
    child.stdout.on("error", (error) => this.#onBroken(error));
    child.stdin.on("error", (error) => this.#onBroken(error));

    this.#progress = new ProgressRoutes(
      (params) => host.onNotification(McpMethod.Progress, params),
      (error) =>
        host.onDiagnostic({ kind: "listener-error", message: "onProgress threw", error: error as Error }),
    );
    // Messages are dispatched as they are read, so a reply written just before the backend exited has been
    // delivered by the time stdout ends. Noise on a backend's stdout is skipped and reported, never answered:
    // the backend sent no request.
    this.connection = createMcpConnection(child.stdout, child.stdin, {
      maxMessageBytes: host.spec.maxMessageBytes,
      answerInvalidInput: false,
    });
    this.connection.onError((error) => this.#onConnectionError(error));
    this.connection.onClose(() => this.#onBroken());
    this.connection.onNotification(McpMethod.Progress, (params) => this.#progress.deliver(params));
    // The opening of this process's own `subscriptions/listen`: plumbing, not news for the pool's listeners.
    this.connection.onNotification(ModernMethod.SubscriptionsAcknowledged, () => {});
    this.connection.onNotification((method, params) => host.onNotification(method, params));
    this.connection.onRequest((method, params, context) =>
      this.#onBackendRequest(method, params, context.signal),
    );
    // Never paused before it is ready (its initialize reply must be read): the owner applies the pause then.
    this.connection.listen();
  }

  /**
   * Stop or go on reading the process's stdout (its stderr is always read). A process that is breaking is
   * always read: the replies it wrote before it went must reach their requests.
   */
  setReadingPaused(paused: boolean): void {
    if (paused && !this.#death.isBroken) this.connection.pause();
    else this.connection.resume();
  }

  #onBroken(cause?: Error): void {
    // Read what is left on stdout (bounded by the replies still due), so its end can be seen.
    this.connection.resume();
    this.#death.onBroken(cause);
  }

  /** Spawn the process (Docker hygiene applied unless `manageDocker` is false). Rejects with ERR_BACKEND_SPAWN. */
  static async spawn(host: BackendProcessHost): Promise<BackendProcess> {
    const { spec } = host;
    const prepared = spec.manageDocker
      ? prepareDockerRun(spec.command, spec.args, {
          instanceId: host.instanceId,
          backendName: spec.name,
          limits: spec.dockerLimits,
        })
      : undefined;
    const args = prepared?.args ?? spec.args;
    try {
      const child = await spawnChild(spec.command, args, {
        backend: spec.name,
        cwd: spec.cwd,
        env: host.env,
      });
      return new BackendProcess(child, prepared, host);
    } catch (error) {
      if (prepared !== undefined) await removeContainer(prepared, host);
      throw error;
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** False once the process broke or is being stopped. */
  get isAlive(): boolean {
    return !this.#death.isBroken && !this.#stopping;
  }

  /** Resolves with the error that ended this process (never rejects). */
  get death(): Promise<BackendError> {
    return this.#death.promise;
  }

  /** The era the handshake found; undefined before it is done. */
  get era(): BackendEra | undefined {
    return this.#era;
  }

  /**
   * The MCP handshake of either era, by `plan` (see {@link runEraHandshake}). A modern backend then has its
   * `subscriptions/listen` opened and its requests carry the 2026-07-28 envelope; a legacy one is sent the log
   * level. On abort it rejects with the signal's reason and the owner stops the process. Rejects with
   * ERR_BACKEND_INITIALIZE (error reply, unusable result, unsupported version) or the process's death error.
   */
  async handshake(signal: AbortSignal, plan: HandshakePlan): Promise<EraHandshake> {
    const host = this.#host;
    const probeTimeoutMs = eraProbeTimeoutMs(host.spec);
    const outcome = await runEraHandshake(this.connection, this.#death, host, signal, plan, probeTimeoutMs);
    if (outcome.kind !== "ready") return outcome;
    this.#era = outcome.era;
    this.#capabilities = outcome.initialize.capabilities;
    const level = host.loggingLevel;
    if (outcome.era === "modern") {
      this.#modern = this.#openModernSession(this.#capabilities);
      if (level !== undefined) this.#modern.setLoggingLevel(level);
      this.#modern.listen();
    } else if (level !== undefined) {
      // Not awaited: the backend reads it before any request sent after the start, so the start does not wait.
      void this.setLoggingLevel(level);
    }
    return outcome;
  }

  #openModernSession(capabilities: ServerCapabilities): ModernSession {
    const died = new AbortController();
    void this.#death.promise.then((error) => died.abort(error));
    const host = this.#host;
    return new ModernSession(
      {
        backend: host.spec.name,
        connection: this.connection,
        died: died.signal,
        send: (method, params, options) => this.#send(method, params, options),
        answer: (method, params, signal) => host.onRequest(method, params, signal),
        onDiagnostic: (event) => host.onDiagnostic(event),
      },
      capabilities,
      host.clientCapabilities,
      host.clientInfo,
    );
  }

  /**
   * Send `logging/setLevel` unless the backend declares no `logging` or already has `level`. Resolves once it
   * answered; a failure is reported as a diagnostic, never thrown. A modern backend is sent nothing: the level goes
   * into the `_meta` envelope of its later requests.
   */
  async setLoggingLevel(level: LoggingLevel): Promise<void> {
    if (this.#modern !== undefined) return this.#modern.setLoggingLevel(level);
    if (!this.isAlive || !isObject(this.#capabilities?.logging) || this.#loggingLevel === level) return;
    this.#loggingLevel = level;
    try {
      await this.connection.sendRequest(
        McpMethod.SetLoggingLevel,
        { level },
        {
          timeoutMs: this.#host.spec.timeoutMs,
        },
      );
    } catch (error) {
      if (this.#loggingLevel === level) this.#loggingLevel = undefined;
      this.#host.onDiagnostic({
        kind: "request-error",
        message: `logging/setLevel ${level} failed: ${error instanceof Error ? error.message : String(error)}`,
        error: error instanceof Error ? error : undefined,
      });
    }
  }

  /**
   * A request from the backend. `ping` is answered here. Anything else goes to the host while the deadlines of
   * the requests in flight now (the calls it may belong to) are suspended: its answer may wait on a person. It
   * is aborted when the backend cancels it or dies, when all those calls ended unanswered, or after
   * `maxCallDurationMs`.
   */
  #onBackendRequest(method: string, params: unknown, cancelled: AbortSignal): unknown {
    if (method === McpMethod.Ping) return {};
    const suspension = this.connection.suspendDeadlines();
    const limit = new AbortController();
    const timer = setTimeout(() => {
      limit.abort(new DOMException("the backend's maxCallDuration passed", "TimeoutError"));
    }, this.#host.spec.maxCallDurationMs);
    timer.unref();
    const signal = AbortSignal.any([cancelled, suspension.abandoned, limit.signal]);
    return this.#host.onRequest(method, params, signal).finally(() => {
      clearTimeout(timer);
      suspension.dispose();
    });
  }

  /**
   * Send a request. Settles exactly once: the reply (a `RawJson` with `raw`), the backend's error
   * (ERR_BACKEND_REMOTE with the ProtocolError as cause), ERR_BACKEND_TIMEOUT or ERR_BACKEND_ABORTED the moment
   * the deadline passes or the signal aborts, ERR_BACKEND_BAD_REQUEST when the params cannot be sent, or the
   * death error of the process. With `onProgress`, a progress token is minted unless `params._meta.progressToken`
   * is set (see {@link ProgressRoutes}); progress is delivered until the request settles and dropped afterwards.
   * A modern backend's requests go through its {@link ModernSession} (the envelope, `input_required`).
   */
  request(method: string, params: unknown, options: ProcessRequestOptions): Promise<unknown> {
    return this.#modern === undefined
      ? this.#send(method, params, options)
      : this.#modern.request(method, params, options);
  }

  #send(method: string, params: unknown, options: ProcessRequestOptions): Promise<unknown> {
    const { startedAt } = options;
    if (this.#death.isBroken || this.#stopping) return this.#death.failRequest(method, startedAt);
    const route = this.#progress.open(params, options.onProgress);
    const reply = this.connection.sendRequest(method, route === undefined ? params : route.params, {
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      maxTotalMs: options.maxTotalMs,
      raw: options.raw,
    });
    if (route === undefined) {
      return reply.then(undefined, (error: unknown) => this.#requestFailed(error, method, startedAt));
    }
    return reply.then(
      (result) => {
        this.#progress.close(route);
        return result;
      },
      (error: unknown) => {
        this.#progress.close(route satisfies ProgressRoute);
        return this.#requestFailed(error, method, startedAt);
      },
    );
  }

  /** What a failed request rejects with; a local failure of the connection means the process is unusable. */
  #requestFailed(error: unknown, method: string, startedAt: number): Promise<never> {
    const failure = requestFailureFor(error, this.#host.spec.name, method, startedAt, this.#host.stderr);
    if (failure !== undefined) return Promise.reject(failure);
    if (error instanceof RequestError && error.code === RequestErrorCode.ReplyTooLarge) {
      // The connection reports the over-cap line through onError too, which ends the process.
      this.#onConnectionError(error.cause as Error);
    } else {
      // The connection closed or a write to the child failed: the death handler has the exit facts.
      this.#onBroken(error instanceof Error ? error : undefined);
    }
    return this.#death.failRequest(method, startedAt);
  }

  /**
   * Send a notification; resolves even if the process is gone (there is nobody to tell). A modern backend is not
   * sent those its era removed (`notifications/initialized`, `notifications/roots/list_changed`).
   */
  async notify(method: string, params: unknown): Promise<void> {
    if (!this.isAlive || this.#modern?.allowsNotification(method) === false) return;
    await this.connection.sendNotification(method, params).catch(() => {});
  }

  /**
   * Stop the process with the stop ladder, then remove its container. Idempotent; never rejects. Pending
   * requests fail with `reason` (default: ERR_BACKEND_EXITED "stopped").
   */
  stop(reason?: BackendError): Promise<void> {
    if (this.#stopPromise === undefined) {
      this.#stopping = true;
      if (reason !== undefined) this.#death.die(reason);
      // Before stdin is ended: disposing hands the writer's held-back messages (a burst being joined into one
      // write) to stdin; ending stdin first would make those writes fail. (`die()` above has already done it.)
      this.connection.dispose();
      this.#stopPromise = (async () => {
        const exit = await stopChild(this.child);
        const name = this.#host.spec.name;
        this.#death.die(
          new BackendError(BackendErrorCode.Exited, `backend "${name}" was stopped`, {
            backend: name,
            exitCode: exit?.exitCode,
            signal: exit?.signal,
          }),
        );
        if (this.#docker !== undefined) await removeContainer(this.#docker, this.#host);
        this.#stopped = true;
      })();
    }
    return this.#stopPromise;
  }

  /**
   * SIGKILL the process group now (Windows: `taskkill /T /F`), cutting short a stop ladder that is running,
   * then finish as `stop()` does: resolves once the child exited and its container is removed. Idempotent;
   * never rejects.
   */
  kill(reason?: BackendError): Promise<void> {
    if (!this.#killed && !this.#stopped) {
      this.#killed = true;
      signalProcessGroup(this.child, "SIGKILL");
    }
    return this.stop(reason);
  }

  /** The process died (see {@link ProcessDeath}): progress is dropped, pending requests fail, the owner hears. */
  #onDeath(error: BackendError): void {
    this.#progress.clear();
    this.connection.dispose();
    this.#host.onDeath(this, error, this.#stopping);
  }

  #onConnectionError(error: Error): void {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_FRAME_TOO_LARGE") {
      const name = this.#host.spec.name;
      this.#host.onDiagnostic({ kind: "message-too-large", message: error.message, error });
      this.#death.die(
        new BackendError(
          BackendErrorCode.MessageTooLarge,
          `backend "${name}" sent a message larger than ${this.#host.spec.maxMessageBytes} bytes`,
          { backend: name, stderrTail: this.#host.stderr.tail(), cause: error },
        ),
      );
      return;
    }
    if (code === "ERR_FRAME_PARSE" || code === "ERR_FRAME_INVALID") {
      this.#host.onDiagnostic({ kind: "stdout-noise", message: error.message, error });
      return;
    }
    this.#host.onDiagnostic({ kind: "stream-error", message: error.message, error });
  }
}
