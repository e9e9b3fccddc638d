import { idText, isObject } from "./jsonRpcShape.js";
import { RequestError, RequestErrorCode } from "./requestError.js";
import type { AbortListener, CancelSignal, IncomingRequestContext, RequestId } from "./mcpConnectionTypes.js";

/**
 * One request received from the peer and not yet answered (or dropped); it is the handler's context, and its own
 * {@link CancelSignal}. An `AbortController` is made only when a handler asks for `signal`.
 */
export class InboundRequest implements IncomingRequestContext, CancelSignal {
  /** The id as JSON text, spliced into the response line. */
  readonly idText: string;
  /** The peer cancelled it: its response must not be written. */
  cancelled = false;
  /** Another in-flight request with the same id (peers do reuse ids). */
  next: InboundRequest | undefined;
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #aborted = false;
  #listeners: AbortListener[] | undefined;

  constructor(
    readonly id: RequestId,
    readonly method: string,
    /** Characters of the line it came in (what its params hold on to, roughly). */
    readonly size: number,
  ) {
    this.idText = idText(id);
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  get cancellation(): CancelSignal {
    return this;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#abortReason;
  }

  addEventListener(_type: "abort", listener: AbortListener): void {
    if (this.#aborted) return;
    (this.#listeners ??= []).push(listener);
  }

  removeEventListener(_type: "abort", listener: AbortListener): void {
    const listeners = this.#listeners;
    if (listeners === undefined) return;
    const index = listeners.indexOf(listener);
    if (index !== -1) listeners.splice(index, 1);
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners === undefined) return;
    let failure: { error: unknown } | undefined;
    for (const listener of listeners) {
      // Every listener runs, whatever one of them throws; the first failure is thrown after them.
      try {
        if (typeof listener === "function") listener();
        else listener.handleEvent();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }
}

/**
 * The in-flight incoming requests of one connection, by the peer's id exactly (type-tagged: `1` and `"1"` are
 * different requests; a `bigint` for ids beyond 2^53). Requests sharing an id are chained side by side.
 */
export class InboundRequests {
  readonly #byNumber = new Map<number, InboundRequest>();
  readonly #byString = new Map<string, InboundRequest>();
  readonly #byBigint = new Map<bigint, InboundRequest>();
  readonly #emptyWaiters: (() => void)[] = [];
  #size = 0;
  #bytes = 0;

  get size(): number {
    return this.#size;
  }

  /** The summed {@link InboundRequest.size} of the requests in flight. */
  get bytes(): number {
    return this.#bytes;
  }

  add(request: InboundRequest): void {
    const map = this.#mapOf(request.id);
    const first = map.get(request.id);
    if (first === undefined) map.set(request.id, request);
    else {
      let last = first;
      while (last.next !== undefined) last = last.next;
      last.next = request;
    }
    this.#size++;
    this.#bytes += request.size;
  }

  /** Forget a request (answered or dropped); false when it already was. */
  delete(request: InboundRequest): boolean {
    const map = this.#mapOf(request.id);
    const first = map.get(request.id);
    if (first === request) {
      if (request.next === undefined) map.delete(request.id);
      else map.set(request.id, request.next);
    } else {
      let previous = first;
      while (previous !== undefined && previous.next !== request) previous = previous.next;
      if (previous === undefined) return false;
      previous.next = request.next;
    }
    request.next = undefined;
    this.#size--;
    this.#bytes -= request.size;
    if (this.#size === 0 && this.#emptyWaiters.length > 0) this.#notifyEmpty();
    return true;
  }

  /**
   * The in-flight requests a `notifications/cancelled` `requestId` denotes: an exact (type-tagged) match, and
   * for a number beyond 2^53 (rounded by `JSON.parse`) every bigint id that rounds to it.
   */
  find(requestId: string | number): InboundRequest[] {
    const found: InboundRequest[] = [];
    for (let request = this.#mapOf(requestId).get(requestId); request !== undefined; request = request.next) {
      found.push(request);
    }
    if (typeof requestId === "number" && !Number.isSafeInteger(requestId)) {
      for (const [id, first] of this.#byBigint) {
        if (Number(id) !== requestId) continue;
        for (let request: InboundRequest | undefined = first; request !== undefined; request = request.next) {
          found.push(request);
        }
      }
    }
    return found;
  }

  /**
   * A `notifications/cancelled` from the peer: each in-flight request its `requestId` denotes is marked cancelled
   * (its response will not be written) and aborted with a `RequestError` ERR_REQUEST_CANCELLED. MCP: "Invalid
   * cancellation notifications SHOULD be ignored", as are unknown or finished ids.
   */
  cancel(params: unknown): void {
    if (!isObject(params)) return;
    const { requestId, reason } = params;
    if (typeof requestId !== "string" && typeof requestId !== "number") return;
    const peerReason = typeof reason === "string" ? reason : undefined;
    for (const request of this.find(requestId)) {
      if (request.cancelled) continue;
      request.cancelled = true;
      request.abort(
        new RequestError(RequestErrorCode.Cancelled, `${request.method} was cancelled by the peer`, {
          method: request.method,
          peerReason,
        }),
      );
    }
  }

  /** Resolves once no request is in flight: at once when none is. */
  whenEmpty(): Promise<void> {
    if (this.#size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#emptyWaiters.push(resolve));
  }

  /** Forget every request (their responses will never be written), aborting each one's signal with `reason`. */
  abortAll(reason: unknown): void {
    const all: InboundRequest[] = [];
    for (const map of [this.#byNumber, this.#byString, this.#byBigint] as Map<RequestId, InboundRequest>[]) {
      for (const first of map.values()) {
        for (let request: InboundRequest | undefined = first; request !== undefined; request = request.next) {
          all.push(request);
        }
      }
      map.clear();
    }
    this.#size = 0;
    this.#bytes = 0;
    let failure: { error: unknown } | undefined;
    for (const request of all) {
      try {
        request.abort(reason);
      } catch (error) {
        failure ??= { error };
      }
    }
    this.#notifyEmpty();
    if (failure !== undefined) throw failure.error;
  }

  #mapOf(id: RequestId): Map<RequestId, InboundRequest> {
    const map =
      typeof id === "number" ? this.#byNumber : typeof id === "string" ? this.#byString : this.#byBigint;
    return map as Map<RequestId, InboundRequest>;
  }

  #notifyEmpty(): void {
    for (const resolve of this.#emptyWaiters.splice(0)) resolve();
  }
}
