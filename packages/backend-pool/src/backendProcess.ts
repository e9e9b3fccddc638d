import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { PassThrough } from "node:stream";
import { LATEST_PROTOCOL_VERSION, McpMethod, createMcpConnection } from "@mcpware/protocol";
import type {
  ClientCapabilities,
  Implementation,
  InitializeResult,
  McpConnection,
  ProgressNotificationParams,
  ProgressToken,
  ProtocolError,
} from "@mcpware/protocol";
import { BackendError, BackendErrorCode } from "./backendError.js";
import { classifyFailure } from "./classifyFailure.js";
import { EXIT_SETTLE_MS } from "./defaults.js";
import { prepareDockerRun, removeDockerContainer } from "./dockerRun.js";
import type { PreparedDockerRun } from "./dockerRun.js";
import { toInitializeResult } from "./initializeResult.js";
import type { ResolvedBackendSpec } from "./normalizeSpec.js";
import {
  existingProgressToken,
  isObject,
  mintProgressToken,
  progressTokenKey,
  withProgressToken,
} from "./progressToken.js";
import { spawnChild } from "./spawnChild.js";
import type { StderrRing } from "./stderrRing.js";
import { settleExit, stopChild } from "./stopChild.js";
import type { ExitInfo } from "./stopChild.js";
import { signalProcessGroup } from "./stopChild.js";
import type { BackendDiagnosticEvent } from "./types.js";

/** What a process reports to the backend that owns it. */
export interface BackendProcessHost {
  spec: ResolvedBackendSpec;
  env: Record<string, string>;
  instanceId: string;
  clientInfo: Implementation;
  clientCapabilities: ClientCapabilities;
  stderr: StderrRing;
  onStderrLine(line: string): void;
  onNotification(method: string, params: unknown): void;
  onRequest(method: string, params: unknown, signal: AbortSignal): Promise<unknown>;
  onDiagnostic(event: Omit<BackendDiagnosticEvent, "backend">): void;
  /** Fired once when the process is dead or unusable; `expected` when `stop()` caused it. */
  onDeath(process: BackendProcess, error: BackendError, expected: boolean): void;
}

export interface ProcessRequestOptions {
  /** Aborting it fails the request with `abortError()` at once (the connection sends `notifications/cancelled`). */
  signal: AbortSignal;
  abortError: () => Error;
  onProgress?: ((progress: ProgressNotificationParams) => void) | undefined;
}

interface PendingRequest {
  method: string;
  startedAt: number;
  fail(error: BackendError): void;
}

interface ProgressRoute {
  pending: PendingRequest;
  onProgress: ((progress: ProgressNotificationParams) => void) | undefined;
  /** The caller's token when the backend was sent a minted one instead (the caller's was already routed). */
  callerToken: ProgressToken | undefined;
}

/** Event-loop turns given to replies already read from a dead backend's stdout before pending requests fail. */
const REPLY_DRAIN_TURNS = 20;

function describeExit(exit: ExitInfo | undefined): string {
  if (exit === undefined) return "closed its pipes";
  return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${String(exit.exitCode)}`;
}

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
  readonly #stdout: PassThrough;
  readonly #host: BackendProcessHost;
  readonly #pending = new Set<PendingRequest>();
  readonly #progress = new Map<string, ProgressRoute>();
  #broken = false;
  #deathError: BackendError | undefined;
  readonly #death: Promise<BackendError>;
  #resolveDeath!: (error: BackendError) => void;
  #stopping = false;
  #stopPromise: Promise<void> | undefined;
  #stopped = false;
  #killed = false;

  private constructor(
    child: ChildProcessWithoutNullStreams,
    docker: PreparedDockerRun | undefined,
    host: BackendProcessHost,
  ) {
    this.child = child;
    this.#docker = docker;
    this.containerName = docker?.containerName;
    this.#host = host;
    this.#death = new Promise((resolve) => (this.#resolveDeath = resolve));

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

    // The connection reads through a pass-through that never ends by itself: the death handling below decides
    // when the connection closes, after the replies already read have been dispatched (closing on 'end' would
    // drop a reply written just before the backend exited).
    this.#stdout = new PassThrough();
    child.stdout.pipe(this.#stdout, { end: false });
    // Noise on a backend's stdout is skipped and reported, never answered: the backend sent no request.
    this.connection = createMcpConnection(this.#stdout, child.stdin, {
      maxMessageBytes: host.spec.maxMessageBytes,
      answerInvalidInput: false,
    });
    this.connection.onError((error) => this.#onConnectionError(error));
    this.connection.onClose(() => this.#onBroken());
    this.connection.onNotification(McpMethod.Progress, (params) => this.#onProgress(params));
    this.connection.onNotification((method, params) => host.onNotification(method, params));
    this.connection.onRequest((method, params, context) => host.onRequest(method, params, context.signal));
    this.connection.listen();
  }

  /** Spawn the process (Docker hygiene applied unless `manageDocker` is false). Rejects with ERR_BACKEND_SPAWN. */
  static async spawn(host: BackendProcessHost): Promise<BackendProcess> {
    const { spec } = host;
    const prepared = spec.manageDocker
      ? prepareDockerRun(spec.command, spec.args, { instanceId: host.instanceId, backendName: spec.name })
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
    return !this.#broken && !this.#stopping;
  }

  /** Resolves with the error that ended this process (never rejects). */
  get death(): Promise<BackendError> {
    return this.#death;
  }

  /**
   * The MCP handshake: `initialize` with the latest protocol version and the caller's client capabilities,
   * then `notifications/initialized`. Never cancels `initialize` (the spec forbids it): on abort it rejects
   * with the signal's reason and the owner stops the process. Rejects with ERR_BACKEND_INITIALIZE (error reply,
   * unusable result, unsupported version) or the process's death error.
   */
  async initialize(signal: AbortSignal): Promise<InitializeResult> {
    const name = this.#host.spec.name;
    const sent = this.connection.sendRequest<unknown>(McpMethod.Initialize, {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: this.#host.clientCapabilities,
      clientInfo: this.#host.clientInfo,
    });
    const reply = sent.then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<{ aborted: true }>((resolve) => {
      onAbort = () => resolve({ aborted: true });
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    const died = this.#death.then((death) => ({ death }));
    const outcome = await Promise.race([reply, aborted, died]);
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
    if ("aborted" in outcome) throw signal.reason;
    if ("death" in outcome) throw this.#errorFor(outcome.death, McpMethod.Initialize, undefined);
    if ("error" in outcome) {
      if (classifyFailure(outcome.error) === "local") {
        this.#onBroken(outcome.error instanceof Error ? outcome.error : undefined);
        throw this.#errorFor(await this.#death, McpMethod.Initialize, undefined);
      }
      throw new BackendError(
        BackendErrorCode.Initialize,
        `backend "${name}" refused initialize: ${String(outcome.error)}`,
        {
          backend: name,
          method: McpMethod.Initialize,
          stderrTail: this.#host.stderr.tail(),
          cause: outcome.error,
        },
      );
    }
    const initialized = toInitializeResult(outcome.result, name, this.#host.stderr.tail());
    await this.connection.sendNotification(McpMethod.Initialized).catch(() => {});
    return initialized;
  }

  /**
   * Send a request. Settles exactly once: the reply, the backend's error (ERR_BACKEND_REMOTE with the
   * ProtocolError as cause), `abortError()` the moment the signal aborts, or the death error of the process.
   * With `onProgress`, a progress token is minted unless `params._meta.progressToken` is set (a set token that
   * another request in flight here already uses is replaced on the wire by a minted one, and progress is handed
   * back under the caller's token); progress is
   * delivered until the request settles and dropped afterwards.
   */
  request(method: string, params: unknown, options: ProcessRequestOptions): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const startedAt = performance.now();
      const { signal } = options;
      if (signal.aborted) {
        reject(options.abortError());
        return;
      }
      if (this.#deathError !== undefined || this.#broken || this.#stopping) {
        void this.#death.then((death) => reject(this.#errorFor(death, method, startedAt)));
        return;
      }
      let settled = false;
      let routeKey: string | undefined;
      const finish = (settle: () => void): void => {
        if (settled) return;
        settled = true;
        this.#pending.delete(pending);
        signal.removeEventListener("abort", onAbort);
        if (routeKey !== undefined && this.#progress.get(routeKey)?.pending === pending)
          this.#progress.delete(routeKey);
        settle();
      };
      const pending: PendingRequest = { method, startedAt, fail: (error) => finish(() => reject(error)) };
      const onAbort = (): void => finish(() => reject(options.abortError()));
      this.#pending.add(pending);
      signal.addEventListener("abort", onAbort, { once: true });

      let sentParams = params;
      let callerToken: ProgressToken | undefined;
      const given = existingProgressToken(params);
      if (given !== undefined && !this.#progress.has(progressTokenKey(given))) {
        routeKey = progressTokenKey(given);
      } else if (given !== undefined || options.onProgress !== undefined) {
        // A token already routed to another request in flight would steal its progress: the backend gets a
        // fresh one, and the progress it reports is handed back under the caller's token.
        let token = mintProgressToken();
        // A caller may have picked a value that looks minted.
        while (this.#progress.has(progressTokenKey(token))) token = mintProgressToken();
        sentParams = withProgressToken(params, token);
        routeKey = progressTokenKey(token);
        callerToken = given;
      }
      if (routeKey !== undefined)
        this.#progress.set(routeKey, { pending, onProgress: options.onProgress, callerToken });

      this.connection.sendRequest<unknown>(method, sentParams, { signal }).then(
        (result) => finish(() => resolve(result)),
        (error: unknown) => {
          if (settled) return;
          if (signal.aborted) return onAbort();
          const failure = classifyFailure(error);
          if (failure === "too-large") {
            // Normally already handled through onError, which fires right after this rejection is queued.
            if (this.#deathError === undefined)
              this.#onConnectionError((error as ProtocolError).cause as Error);
            return;
          }
          if (failure === "local") {
            // A write to the child failed or the connection closed: the process is unusable, and the death
            // handler rejects every pending request with the exit facts.
            this.#onBroken(error instanceof Error ? error : undefined);
            return;
          }
          const name = this.#host.spec.name;
          const message = error instanceof Error ? error.message : String(error);
          finish(() =>
            reject(
              new BackendError(
                BackendErrorCode.Remote,
                `backend "${name}" answered ${method} with an error: ${message}`,
                {
                  backend: name,
                  method,
                  elapsedMs: Math.round(performance.now() - startedAt),
                  cause: error,
                },
              ),
            ),
          );
        },
      );
    });
  }

  /** Send a notification; resolves even if the process is gone (there is nobody to tell). */
  async notify(method: string, params: unknown): Promise<void> {
    if (!this.isAlive) return;
    await this.connection.sendNotification(method, params).catch(() => {});
  }

  /**
   * Stop the process with the stop ladder, then remove its container. Idempotent; never rejects. Pending
   * requests fail with `reason` (default: ERR_BACKEND_EXITED "stopped").
   */
  stop(reason?: BackendError): Promise<void> {
    if (this.#stopPromise === undefined) {
      this.#stopping = true;
      if (reason !== undefined) this.#die(reason);
      // Before stdin is ended: disposing hands the writer's held-back messages (a burst being joined into one
      // write) to stdin; ending stdin first would make those writes fail. (`#die` above has already done it.)
      this.connection.dispose();
      this.#stopPromise = (async () => {
        const exit = await stopChild(this.child);
        const name = this.#host.spec.name;
        this.#die(
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

  #onBroken(cause?: Error): void {
    if (this.#broken) return;
    this.#broken = true;
    // The first sign is enough to stop sending; pending requests fail once both the exit status and the end of
    // stdout are in (a reply written just before exiting is still delivered), or after a short bound: a
    // grandchild holding stdout delays its end indefinitely, and an exit code is not always coming.
    void settleExit(this.child, EXIT_SETTLE_MS)
      .then(async (exit) => {
        // Replies read from stdout are dispatched one per event-loop turn by vscode-jsonrpc: let them land.
        for (let turn = 0; turn < REPLY_DRAIN_TURNS && this.#pending.size > 0; turn++) {
          await new Promise((resolve) => setImmediate(resolve));
        }
        return exit;
      })
      .then((exit) => this.#die(this.#exitError(exit, cause)));
  }

  #exitError(exit: ExitInfo | undefined, cause: Error | undefined): BackendError {
    const name = this.#host.spec.name;
    const tail = this.#host.stderr.tail();
    return new BackendError(
      BackendErrorCode.Exited,
      `backend "${name}" ${describeExit(exit)}${tail.length > 0 ? `; last stderr lines:\n${tail.join("\n")}` : ""}`,
      { backend: name, exitCode: exit?.exitCode, signal: exit?.signal, stderrTail: tail, cause },
    );
  }

  /** The death error specialised for one request (method, elapsed time). */
  #errorFor(death: BackendError, method: string, startedAt: number | undefined): BackendError {
    return new BackendError(death.code, death.message, {
      backend: death.backend ?? this.#host.spec.name,
      method,
      elapsedMs: startedAt === undefined ? undefined : Math.round(performance.now() - startedAt),
      exitCode: death.exitCode,
      signal: death.signal,
      stderrTail: death.stderrTail,
      cause: death.cause ?? (death.code === BackendErrorCode.Exited ? undefined : death),
    });
  }

  #die(error: BackendError): void {
    if (this.#deathError !== undefined) return;
    this.#deathError = error;
    this.#broken = true;
    for (const pending of [...this.#pending])
      pending.fail(this.#errorFor(error, pending.method, pending.startedAt));
    this.#pending.clear();
    this.#progress.clear();
    this.connection.dispose();
    this.child.stdout.unpipe(this.#stdout);
    this.#stdout.destroy();
    this.#resolveDeath(error);
    this.#host.onDeath(this, error, this.#stopping);
  }

  #onProgress(params: unknown): void {
    if (!isObject(params)) return;
    const token = params.progressToken;
    if (typeof token !== "string" && typeof token !== "number") return;
    const route = this.#progress.get(progressTokenKey(token));
    if (route === undefined) return; // settled or unknown: dropped
    if (route.callerToken !== undefined) params = { ...params, progressToken: route.callerToken };
    if (route.onProgress === undefined) {
      this.#host.onNotification(McpMethod.Progress, params);
      return;
    }
    try {
      route.onProgress(params as ProgressNotificationParams);
    } catch (error) {
      this.#host.onDiagnostic({ kind: "listener-error", message: "onProgress threw", error: error as Error });
    }
  }

  #onConnectionError(error: Error): void {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_FRAME_TOO_LARGE") {
      const name = this.#host.spec.name;
      this.#host.onDiagnostic({ kind: "message-too-large", message: error.message, error });
      this.#die(
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

/** `docker rm -f` of the backend's container (bounded inside `removeDockerContainer`); never rejects. */
async function removeContainer(docker: PreparedDockerRun, host: BackendProcessHost): Promise<void> {
  try {
    await removeDockerContainer(docker.containerName, {
      dockerCommand: host.spec.command,
      env: host.env,
      globalArgs: docker.globalArgs,
    });
  } catch (error) {
    host.onDiagnostic({
      kind: "cleanup-error",
      message: `removing container ${docker.containerName} failed`,
      error: error as Error,
    });
  }
}
