import type { CancelSignal } from "./mcpConnectionTypes.js";
import { McpMethod } from "./mcpTypes.js";
import { abortedError, RequestError, RequestErrorCode } from "./requestError.js";

/** One request sent to the peer and not yet settled. It is its own `'abort'` listener (no closure per request). */
export class OutgoingRequest {
  timer: NodeJS.Timeout | undefined;
  readonly startedAt = performance.now();

  constructor(
    readonly table: OutgoingRequests,
    readonly id: number,
    readonly method: string,
    readonly raw: boolean,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: Error) => void,
    readonly signal: CancelSignal | undefined,
    readonly timeoutMs: number | undefined,
  ) {}

  handleEvent(): void {
    this.table.abort(this);
  }
}

function onRequestTimeout(request: OutgoingRequest): void {
  request.table.expire(request);
}

/**
 * The requests of one connection that await the peer's reply, by id (the connection's own integers). Each has at
 * most one timer (its deadline) and one `'abort'` listener (its caller's signal); both are dropped when it
 * settles. On deadline or abort it rejects at once with a {@link RequestError} and the peer is sent
 * `notifications/cancelled` (never for `initialize`); a late reply then finds nothing and is dropped.
 */
export class OutgoingRequests {
  readonly #pending = new Map<number, OutgoingRequest>();
  readonly #sendCancelled: (id: number, reason: string) => void;
  /** Pending requests that asked for a raw result: the reader's fast path is tried only while there are some. */
  rawCount = 0;

  constructor(sendCancelled: (id: number, reason: string) => void) {
    this.#sendCancelled = sendCancelled;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Track a request just written; arms its deadline and listens to its signal. */
  add(request: OutgoingRequest): void {
    this.#pending.set(request.id, request);
    if (request.raw) this.rawCount++;
    if (request.timeoutMs !== undefined) {
      request.timer = setTimeout(onRequestTimeout, request.timeoutMs, request);
    }
    request.signal?.addEventListener("abort", request, { once: true });
  }

  get(id: unknown): OutgoingRequest | undefined {
    return typeof id === "number" ? this.#pending.get(id) : undefined;
  }

  /** Forget `request` (it is settling); false when it already was. */
  take(request: OutgoingRequest): boolean {
    if (this.#pending.get(request.id) !== request) return false;
    this.#pending.delete(request.id);
    if (request.raw) this.rawCount--;
    if (request.timer !== undefined) clearTimeout(request.timer);
    request.signal?.removeEventListener("abort", request);
    return true;
  }

  expire(request: OutgoingRequest): void {
    if (!this.take(request)) return;
    const timeoutMs = request.timeoutMs!;
    this.#cancelAtPeer(request, `Request timed out after ${timeoutMs} ms`);
    request.reject(
      new RequestError(
        RequestErrorCode.Timeout,
        `Request ${request.method} timed out after ${timeoutMs} ms`,
        {
          method: request.method,
          timeoutMs,
          elapsedMs: Math.round(performance.now() - request.startedAt),
        },
      ),
    );
  }

  abort(request: OutgoingRequest): void {
    if (!this.take(request)) return;
    const reason: unknown = request.signal?.reason;
    this.#cancelAtPeer(request, describeAbortReason(reason));
    request.reject(abortedError(request.method, Math.round(performance.now() - request.startedAt), reason));
  }

  /** Reject request `id` with `error`, sending nothing. False when no such request is pending. */
  fail(id: unknown, error: Error): boolean {
    const request = this.get(id);
    if (request === undefined || !this.take(request)) return false;
    request.reject(error);
    return true;
  }

  /** Reject every pending request with what `errorFor` makes of it; nothing is sent. */
  rejectAll(errorFor: (request: OutgoingRequest) => Error): void {
    for (const request of [...this.#pending.values()]) {
      if (this.take(request)) request.reject(errorFor(request));
    }
  }

  #cancelAtPeer(request: OutgoingRequest, reason: string): void {
    // MCP: "The `initialize` request MUST NOT be cancelled by clients."
    if (request.method !== McpMethod.Initialize) this.#sendCancelled(request.id, reason);
  }
}

/** The `reason` text of `notifications/cancelled` for an abort with `reason`. */
function describeAbortReason(reason: unknown): string {
  if (reason instanceof Error && reason.message !== "") return reason.message;
  if (typeof reason === "string" && reason !== "") return reason;
  return "Request aborted";
}
