import type { DeadlineSuspension } from "./deadlineSuspension.js";
import type { CancelSignal } from "./mcpConnectionTypes.js";
import { McpMethod } from "./mcpTypes.js";
import { abortedError, RequestError, RequestErrorCode } from "./requestError.js";

/** One request sent to the peer and not yet settled. It is its own `'abort'` listener (no closure per request). */
export class OutgoingRequest {
  timer: NodeJS.Timeout | undefined;
  readonly startedAt = performance.now();
  /** When the deadline passes (`performance.now()` time), while it runs. */
  deadlineAt = 0;
  /** While suspended: the time that was left on the deadline. */
  remainingMs: number | undefined;
  /** The suspensions that hold this request's deadline (none on the hot path). */
  suspensions: Set<DeadlineSuspension> | undefined;
  suspendedAt = 0;
  /** Time spent with the deadline suspended (ms). */
  waitedMs = 0;
  /** The `maxTotalMs` timer: armed at the first suspension, or at once when shorter than the deadline. */
  totalTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly table: OutgoingRequests,
    readonly id: number,
    readonly method: string,
    readonly raw: boolean,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: Error) => void,
    readonly signal: CancelSignal | undefined,
    readonly timeoutMs: number | undefined,
    readonly maxTotalMs: number | undefined,
  ) {}

  handleEvent(): void {
    this.table.abort(this);
  }
}

function onRequestTimeout(request: OutgoingRequest): void {
  request.table.expire(request);
}

function onRequestTotalTimeout(request: OutgoingRequest): void {
  request.table.expireTotal(request);
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
    const { timeoutMs, maxTotalMs } = request;
    if (timeoutMs !== undefined) {
      request.timer = setTimeout(onRequestTimeout, timeoutMs, request);
      request.deadlineAt = request.startedAt + timeoutMs;
    }
    if (maxTotalMs !== undefined && (timeoutMs === undefined || maxTotalMs < timeoutMs)) {
      request.totalTimer = setTimeout(onRequestTotalTimeout, maxTotalMs, request);
    }
    request.signal?.addEventListener("abort", request, { once: true });
  }

  /** Every pending request, for a suspension to cover. */
  pending(): IterableIterator<OutgoingRequest> {
    return this.#pending.values();
  }

  /** Hold `request`'s deadline for `suspension` (its `maxTotalMs` still runs). */
  suspend(request: OutgoingRequest, suspension: DeadlineSuspension): void {
    const suspensions = (request.suspensions ??= new Set());
    if (suspensions.has(suspension)) return;
    suspensions.add(suspension);
    if (suspensions.size > 1) return;
    const now = performance.now();
    request.suspendedAt = now;
    if (request.timer !== undefined) {
      clearTimeout(request.timer);
      request.timer = undefined;
      request.remainingMs = Math.max(0, request.deadlineAt - now);
    }
    if (request.maxTotalMs !== undefined && request.totalTimer === undefined) {
      const left = Math.max(0, request.maxTotalMs - (now - request.startedAt));
      request.totalTimer = setTimeout(onRequestTotalTimeout, left, request);
    }
  }

  /** `suspension` lets go of `request`: once nothing holds it, its deadline runs on with the time it had left. */
  release(request: OutgoingRequest, suspension: DeadlineSuspension): void {
    const suspensions = request.suspensions;
    if (suspensions?.delete(suspension) !== true || suspensions.size > 0) return;
    if (this.#pending.get(request.id) !== request) return;
    const now = performance.now();
    request.waitedMs += now - request.suspendedAt;
    const remainingMs = request.remainingMs;
    if (remainingMs === undefined) return;
    request.remainingMs = undefined;
    request.deadlineAt = now + remainingMs;
    request.timer = setTimeout(onRequestTimeout, remainingMs, request);
  }

  get(id: unknown): OutgoingRequest | undefined {
    return typeof id === "number" ? this.#pending.get(id) : undefined;
  }

  /**
   * Forget `request` (it is settling); false when it already was. `replied`: the peer answered it (a result or an
   * error), as opposed to a local failure; the suspensions covering it are told which.
   */
  take(request: OutgoingRequest, replied = false): boolean {
    if (this.#pending.get(request.id) !== request) return false;
    this.#pending.delete(request.id);
    if (request.raw) this.rawCount--;
    if (request.timer !== undefined) clearTimeout(request.timer);
    if (request.totalTimer !== undefined) clearTimeout(request.totalTimer);
    request.signal?.removeEventListener("abort", request);
    const suspensions = request.suspensions;
    if (suspensions !== undefined) {
      request.suspensions = undefined;
      for (const suspension of suspensions) suspension.settled(request, replied);
    }
    return true;
  }

  expire(request: OutgoingRequest): void {
    if (!this.take(request)) return;
    const timeoutMs = request.timeoutMs!;
    const waitedMs = Math.round(request.waitedMs);
    const waited = waitedMs === 0 ? "" : ` (not counting ${waitedMs} ms its deadline was suspended)`;
    this.#cancelAtPeer(request, `Request timed out after ${timeoutMs} ms${waited}`);
    request.reject(
      new RequestError(
        RequestErrorCode.Timeout,
        `Request ${request.method} timed out after ${timeoutMs} ms${waited}`,
        {
          method: request.method,
          timeoutMs,
          elapsedMs: Math.round(performance.now() - request.startedAt),
          waitedMs,
        },
      ),
    );
  }

  /** The request reached its `maxTotalMs`, suspended or not. */
  expireTotal(request: OutgoingRequest): void {
    const now = performance.now();
    const suspendedFor = request.suspensions?.size ? now - request.suspendedAt : 0;
    if (!this.take(request)) return;
    const maxTotalMs = request.maxTotalMs!;
    const text = `Request ${request.method} took longer than its maximum total time, ${maxTotalMs} ms`;
    this.#cancelAtPeer(request, text);
    request.reject(
      new RequestError(RequestErrorCode.Timeout, text, {
        method: request.method,
        timeoutMs: request.timeoutMs,
        maxTotalMs,
        elapsedMs: Math.round(now - request.startedAt),
        waitedMs: Math.round(request.waitedMs + suspendedFor),
      }),
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
