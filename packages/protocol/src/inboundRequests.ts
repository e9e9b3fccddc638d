import type { LargeIdTable } from "./largeIdTable.js";
import type { RequestId } from "./mcpConnection.js";

/** One request received from the peer and not yet answered (or dropped). */
export interface InboundRequest {
  /** The id handed to vscode-jsonrpc: unique per connection, so duplicate peer ids never collide. */
  readonly internalId: number;
  /** The id as the peer sent it (a {@link LargeIdTable} placeholder for integers beyond 2^53). */
  readonly id: RequestId;
  readonly method: string;
  readonly controller: AbortController;
  /** The peer cancelled it: its response must not be written. */
  cancelled: boolean;
  /** The library's token source of this request: cancelled by {@link abortInboundRequest}. */
  tokenSource?: { cancel(): void } | undefined;
}

/**
 * Abort the request's signal with `reason` and cancel the library's token with it. Called wherever an inbound
 * request is aborted, instead of an `'abort'` listener per request on the hot path.
 */
export function abortInboundRequest(entry: InboundRequest, reason: unknown): void {
  entry.controller.abort(reason);
  entry.tokenSource?.cancel();
}

function keyOf(id: RequestId): string {
  return typeof id === "number" ? `n:${id}` : `s:${id}`;
}

/**
 * The table of in-flight incoming requests of one connection, by internal id and by the peer's id
 * (type-tagged: `1` and `"1"` are different requests). Duplicate peer ids are kept side by side.
 */
export class InboundRequests {
  readonly #byInternalId = new Map<number, InboundRequest>();
  readonly #byPeerKey = new Map<string, InboundRequest[]>();
  readonly #largeIds: LargeIdTable;
  readonly #emptyWaiters: (() => void)[] = [];
  #sequence = 0;

  constructor(largeIds: LargeIdTable) {
    this.#largeIds = largeIds;
  }

  /** Record a request the peer sent; returns its entry with a fresh internal id. */
  add(id: RequestId, method: string): InboundRequest {
    this.#sequence += 1;
    const entry: InboundRequest = {
      internalId: this.#sequence,
      id,
      method,
      controller: new AbortController(),
      cancelled: false,
    };
    this.#byInternalId.set(entry.internalId, entry);
    const key = keyOf(id);
    const same = this.#byPeerKey.get(key);
    if (same === undefined) this.#byPeerKey.set(key, [entry]);
    else same.push(entry);
    return entry;
  }

  get(internalId: unknown): InboundRequest | undefined {
    return typeof internalId === "number" ? this.#byInternalId.get(internalId) : undefined;
  }

  /**
   * The in-flight requests a `notifications/cancelled` `requestId` denotes: an exact (type-tagged) match,
   * and for a number beyond 2^53 the large-id placeholders whose digits parse to it.
   */
  findByPeerId(requestId: RequestId): InboundRequest[] {
    const found = [...(this.#byPeerKey.get(keyOf(requestId)) ?? [])];
    if (typeof requestId === "number" && !Number.isSafeInteger(requestId)) {
      for (const placeholder of this.#largeIds.findPlaceholders(requestId)) {
        found.push(...(this.#byPeerKey.get(keyOf(placeholder)) ?? []));
      }
    }
    return found;
  }

  /** Resolves once no request is in flight (answered, dropped or aborted): at once when none is. */
  whenEmpty(): Promise<void> {
    if (this.#byInternalId.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#emptyWaiters.push(resolve));
  }

  /** Forget an entry (answered or dropped). Idempotent. */
  delete(entry: InboundRequest): void {
    if (this.#byInternalId.get(entry.internalId) !== entry) return;
    this.#byInternalId.delete(entry.internalId);
    const key = keyOf(entry.id);
    const same = this.#byPeerKey.get(key);
    if (same !== undefined) {
      const rest = same.filter((other) => other !== entry);
      if (rest.length === 0) this.#byPeerKey.delete(key);
      else this.#byPeerKey.set(key, rest);
    }
    if (this.#emptyWaiters.length !== 0 && this.#byInternalId.size === 0) this.#notifyEmpty();
  }

  /** Forget every entry (their responses will never be written), aborting each one's signal with `reason`. */
  abortAll(reason: unknown): void {
    const entries = [...this.#byInternalId.values()];
    this.#byInternalId.clear();
    this.#byPeerKey.clear();
    for (const entry of entries) {
      this.#largeIds.release(entry.id);
      abortInboundRequest(entry, reason);
    }
    this.#notifyEmpty();
  }

  #notifyEmpty(): void {
    for (const resolve of this.#emptyWaiters.splice(0)) resolve();
  }
}
