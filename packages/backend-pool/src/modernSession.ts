import {
  ErrorCode,
  LOGGING_LEVELS,
  McpMethod,
  ModernMethod,
  ProtocolError,
  REMOVED_IN_MODERN_ERA,
  RawJson,
  isObject,
} from "@mcpware/protocol";
import type {
  ClientCapabilities,
  Implementation,
  LoggingLevel,
  McpConnection,
  ServerCapabilities,
} from "@mcpware/protocol";
import { BackendError, BackendErrorCode } from "./backendError.js";
import type { ProcessRequestOptions } from "./backendProcess.js";
import { INPUT_REQUIRED_METHODS, fulfilInputRequired, inputRequiredOf } from "./inputRequired.js";
import type { InputRoundsHost } from "./inputRequired.js";
import { listChangedFilter, modernEnvelope, withEnvelope } from "./modernEnvelope.js";
import type { ModernEnvelope } from "./modernEnvelope.js";
import type { BackendDiagnosticEvent } from "./types.js";

/** Notifications a 2026-07-28 server no longer takes: never sent to one. */
const REMOVED_NOTIFICATIONS: ReadonlySet<string> = new Set([
  McpMethod.Initialized,
  McpMethod.RootsListChanged,
]);

/** What a modern session needs from the process it runs on. */
export interface ModernSessionHost extends InputRoundsHost {
  readonly connection: McpConnection;
  onDiagnostic(event: Omit<BackendDiagnosticEvent, "backend">): void;
}

/**
 * The 2026-07-28 side of one backend process, from its `server/discover` on: every request gets the `_meta`
 * envelope (the client capabilities and info it was told at discover, and the log level when the pool has one and
 * the backend declares `logging`); removed methods are answered here, never sent; `input_required` results are
 * fulfilled or handed back (see `PoolRequestOptions.inputRequired`); one `subscriptions/listen` carries its
 * list_changed notifications for the process's life.
 */
export class ModernSession {
  readonly #host: ModernSessionHost;
  readonly #capabilities: ServerCapabilities;
  readonly #clientCapabilities: ClientCapabilities;
  readonly #clientInfo: Implementation;
  #envelope: ModernEnvelope;
  #logLevel: LoggingLevel | undefined;

  constructor(
    host: ModernSessionHost,
    capabilities: ServerCapabilities,
    clientCapabilities: ClientCapabilities,
    clientInfo: Implementation,
  ) {
    this.#host = host;
    this.#capabilities = capabilities;
    this.#clientCapabilities = clientCapabilities;
    this.#clientInfo = clientInfo;
    this.#envelope = modernEnvelope(clientCapabilities, clientInfo);
  }

  /**
   * Send a request with the envelope merged into its params (see `withEnvelope`). `ping` resolves `{}` and
   * `logging/setLevel` sets the level of later requests' envelopes, both without a message; `initialize` and
   * `resources/(un)subscribe` reject with ERR_BACKEND_REMOTE (-32601 as `cause`), which the backend would answer.
   */
  request(method: string, params: unknown, options: ProcessRequestOptions): Promise<unknown> {
    if (REMOVED_IN_MODERN_ERA.has(method)) return this.#answerRemoved(method, params, options);
    const enveloped = withEnvelope(params, this.#envelope);
    const sentAt = performance.now();
    const reply = this.#host.send(method, enveloped, options);
    if (options.inputRequired === "return" || !INPUT_REQUIRED_METHODS.has(method)) return reply;
    return reply.then((result) => {
      const pending = inputRequiredOf(result);
      if (pending === undefined) return result;
      return fulfilInputRequired(pending, method, enveloped, options, sentAt, this.#host);
    });
  }

  /** False for notifications a modern server no longer takes (`notifications/initialized`, roots list_changed). */
  allowsNotification(method: string): boolean {
    return !REMOVED_NOTIFICATIONS.has(method);
  }

  /** Ask for log messages at `level` on every later request (`_meta` logLevel), if the backend declares logging. */
  setLoggingLevel(level: LoggingLevel): void {
    if (!isObject(this.#capabilities.logging) || this.#logLevel === level) return;
    this.#logLevel = level;
    this.#envelope = modernEnvelope(this.#clientCapabilities, this.#clientInfo, level);
  }

  /**
   * Open the one `subscriptions/listen` of this process when the backend advertises `listChanged` (tools, prompts,
   * resources). It has no deadline and ends with the process; the notifications it brings flow like any other.
   * An error reply is a `request-error` diagnostic.
   */
  listen(): void {
    const notifications = listChangedFilter(this.#capabilities);
    if (notifications === undefined) return;
    this.#host.connection
      .sendRequest(ModernMethod.SubscriptionsListen, { _meta: this.#envelope, notifications })
      .catch((error: unknown) => {
        // The process ending ends the subscription: only the backend's refusal is worth a word.
        if (!(error instanceof ProtocolError)) return;
        this.#host.onDiagnostic({
          kind: "request-error",
          message: `subscriptions/listen failed: ${error.message}`,
          error,
        });
      });
  }

  #answerRemoved(method: string, params: unknown, options: ProcessRequestOptions): Promise<unknown> {
    if (
      method === McpMethod.SetLoggingLevel &&
      isObject(params) &&
      LOGGING_LEVELS.includes(params.level as LoggingLevel)
    ) {
      this.setLoggingLevel(params.level as LoggingLevel);
    }
    if (method === McpMethod.Ping || method === McpMethod.SetLoggingLevel) {
      return Promise.resolve(options.raw === true ? RawJson.fromValue({}) : {});
    }
    const backend = this.#host.backend;
    const cause = new ProtocolError(ErrorCode.MethodNotFound, `${method} is not part of MCP 2026-07-28`);
    return Promise.reject(
      new BackendError(
        BackendErrorCode.Remote,
        `backend "${backend}" speaks MCP 2026-07-28, which has no ${method}`,
        { backend, method, elapsedMs: 0, cause },
      ),
    );
  }
}
