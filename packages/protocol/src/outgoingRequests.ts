import { CancellationTokenSource, ConnectionError, ResponseError } from "vscode-jsonrpc/node";
import type { Message, MessageConnection } from "vscode-jsonrpc/node";
import { ErrorCode, ProtocolError, toPublicErrorCode } from "./errors.js";
import type { RequestTimeoutData } from "./errors.js";
import type { McpCancellationStrategy } from "./mcpCancellationStrategy.js";
import type { RequestId, RequestOptions } from "./mcpConnection.js";
import type { McpMessageReader } from "./mcpMessageReader.js";
import { McpMethod } from "./mcpTypes.js";

/** The longest delay `setTimeout` honours (about 24.8 days); longer deadlines are refused. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * A deadline option in ms: `undefined` or `Infinity` → none; otherwise a finite number from 0 to
 * {@link MAX_TIMER_MS}. Throws a `TypeError` naming the option.
 */
export function normalizeTimeoutMs(value: unknown, name: string): number | undefined {
  if (value === undefined || value === Infinity) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > MAX_TIMER_MS) {
    throw new TypeError(
      `${name} must be a number of ms from 0 to ${MAX_TIMER_MS} (or Infinity), got ${String(value)}`,
    );
  }
  return value;
}

/** ConnectionClosed (-32000): the connection closed before `method` got a reply. */
export function closedError(method: string | undefined): ProtocolError {
  return new ProtocolError(
    ErrorCode.ConnectionClosed,
    method === undefined ? "Connection closed" : `Connection closed: ${method} got no reply`,
  );
}

function timeoutError(method: string, timeoutMs: number): ProtocolError {
  const data: RequestTimeoutData = { reason: "timeout", method, timeoutMs };
  return new ProtocolError(
    ErrorCode.RequestTimeout,
    `Request ${method} timed out after ${timeoutMs} ms`,
    data,
  );
}

function abortedError(method: string, reason: unknown): ProtocolError {
  const data: RequestTimeoutData = { reason: "aborted", method };
  return new ProtocolError(ErrorCode.RequestTimeout, `Request ${method} was aborted`, data, {
    cause: reason,
  });
}

/** The `reason` text of `notifications/cancelled` for an abort with `reason`. */
function describeAbortReason(reason: unknown): string {
  if (reason instanceof Error && reason.message !== "") return reason.message;
  if (typeof reason === "string" && reason !== "") return reason;
  return "Request aborted";
}

/** What vscode-jsonrpc rejected a request with, as the caller sees it. */
function toCallerError(error: unknown, method: string): ProtocolError {
  if (error instanceof ProtocolError) return error;
  if (error instanceof ResponseError) {
    return new ProtocolError(toPublicErrorCode(error.code), error.message, error.data, { cause: error });
  }
  if (error instanceof ConnectionError) return closedError(method);
  const message = error instanceof Error ? error.message : String(error);
  return new ProtocolError(ErrorCode.InternalError, `Request ${method} failed: ${message}`, undefined, {
    cause: error,
  });
}

/**
 * The outgoing requests of one connection: sends them through vscode-jsonrpc and races each against its
 * deadline, its `AbortSignal` and the connection's close.
 *
 * On deadline or abort the caller's promise rejects at once with RequestTimeout (-32001, data
 * {@link RequestTimeoutData}); `notifications/cancelled` goes out (never for `initialize`, which MCP says
 * MUST NOT be cancelled); a synthetic error reply settles the library's own promise (which otherwise would
 * never settle), so a late reply from the peer finds no request and is dropped.
 */
export class OutgoingRequests {
  readonly #connection: MessageConnection;
  readonly #strategy: McpCancellationStrategy;
  readonly #reader: McpMessageReader;
  readonly #defaultTimeoutMs: number | undefined;
  readonly #failures = new Map<RequestId, (error: ProtocolError) => void>();
  #isOpen = true;

  constructor(
    connection: MessageConnection,
    strategy: McpCancellationStrategy,
    reader: McpMessageReader,
    defaultTimeoutMs: number | undefined,
  ) {
    this.#connection = connection;
    this.#strategy = strategy;
    this.#reader = reader;
    this.#defaultTimeoutMs = defaultTimeoutMs;
  }

  send(method: string, params: unknown, options: RequestOptions): Promise<unknown> {
    let timeoutMs: number | undefined;
    try {
      timeoutMs =
        options.timeoutMs === undefined
          ? this.#defaultTimeoutMs
          : normalizeTimeoutMs(options.timeoutMs, "timeoutMs");
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = options.signal;
    // Never sent, so nothing to cancel.
    if (signal?.aborted === true) return Promise.reject(abortedError(method, signal.reason));

    const source = new CancellationTokenSource();
    const prepared = this.#strategy.prepareRequest(params);
    let reply: Promise<unknown>;
    try {
      reply = this.#connection.sendRequest(method, source.token);
    } catch (error) {
      this.#strategy.discardPrepared();
      source.dispose();
      return Promise.reject(toCallerError(error, method));
    }
    const id = prepared.id;
    if (id === undefined) {
      // Cannot happen: the library calls enableCancellation synchronously inside sendRequest.
      source.dispose();
      return Promise.reject(new ProtocolError(ErrorCode.InternalError, `no id for request ${method}`));
    }

    return new Promise((resolve, reject) => {
      let isSettled = false;
      let timer: NodeJS.Timeout | undefined;
      const settle = (): boolean => {
        if (isSettled) return false;
        isSettled = true;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#failures.delete(id);
        return true;
      };
      /**
       * Settle locally. `cancelReason`: tell the peer (never for `initialize`). `settleLibrary`: feed the library
       * a synthetic error reply so it forgets the request (not needed once the connection is disposed).
       */
      const fail = (error: ProtocolError, cancelReason?: string, settleLibrary = true): void => {
        if (!settle()) return;
        if (cancelReason !== undefined && method !== McpMethod.Initialize) {
          this.#strategy.cancelOutgoing(id, source, cancelReason);
        }
        if (settleLibrary) {
          const synthetic = { jsonrpc: "2.0", id, error: { code: error.code, message: error.message } };
          this.#reader.inject(synthetic as unknown as Message);
        }
        source.dispose();
        reject(error);
      };
      const onAbort = (): void =>
        fail(abortedError(method, signal?.reason), describeAbortReason(signal?.reason));

      this.#failures.set(id, (error) => fail(error, undefined, this.#isOpen));
      reply.then(
        (result) => {
          if (!settle()) return;
          source.dispose();
          resolve(result);
        },
        (error: unknown) => {
          if (!settle()) return;
          source.dispose();
          reject(toCallerError(error, method));
        },
      );
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () => fail(timeoutError(method, timeoutMs), `Request timed out after ${timeoutMs} ms`),
          timeoutMs,
        );
      }
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Reject pending request `id` at once with `error`, sending nothing (the peer's reply was unusable, e.g. over
   * the size cap). Returns false when no such request is pending (ids are matched by type: `1` is not `"1"`).
   */
  failById(id: RequestId, error: ProtocolError): boolean {
    const fail = this.#failures.get(id);
    if (fail === undefined) return false;
    fail(error);
    return true;
  }

  /** Reject every pending request with `error` (the connection closed); nothing is sent. */
  rejectAll(error: ProtocolError): void {
    this.#isOpen = false;
    const failures = [...this.#failures.values()];
    for (const fail of failures) fail(error);
  }
}
