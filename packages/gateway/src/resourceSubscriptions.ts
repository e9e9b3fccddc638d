import type { CancelSignal, McpConnection } from "@mcpware/protocol";
import { McpMethod, raceAbort } from "@mcpware/protocol";
import type { Logger } from "./logger.js";

/** Sends `resources/subscribe` or `resources/unsubscribe` for `uri` to `backend`. */
export type SubscriptionSender = (
  backend: string,
  method: typeof McpMethod.ResourcesSubscribe | typeof McpMethod.ResourcesUnsubscribe,
  uri: string,
) => Promise<void>;

/** One URI the clients subscribed to, and the backend's subscription for them. */
interface Subscription {
  readonly backend: string;
  readonly uri: string;
  /** The clients subscribed (or subscribing) to it. */
  readonly clients: Set<McpConnection>;
  /** Settles when the backend accepted the subscription; rejects with the client's error when it did not. */
  ready: Promise<void>;
  /** The backend's process ended since: subscribe again once it is ready. */
  lost: boolean;
}

/**
 * The clients' resource subscriptions and the backends' behind them: one backend subscription per URI however
 * many clients subscribed to it, ended when the last of them unsubscribes or disconnects; made again when the
 * backend is ready after a restart (its new process knows none).
 */
export class ResourceSubscriptions {
  readonly #byUri = new Map<string, Subscription>();
  readonly #send: SubscriptionSender;
  readonly #logger: Logger;

  constructor(send: SubscriptionSender, logger: Logger) {
    this.#send = send;
    this.#logger = logger;
  }

  /**
   * Subscribes the client to `uri`, served by `backend`; the backend is asked unless some client already
   * subscribed to it there.
   *
   * @throws what the sender throws (the backend refused or failed), or the signal's reason.
   */
  async subscribe(
    connection: McpConnection,
    uri: string,
    backend: string,
    signal: CancelSignal,
  ): Promise<void> {
    let entry = this.#byUri.get(uri);
    let moved: Set<McpConnection> | undefined;
    if (entry !== undefined && entry.backend !== backend) {
      // Another backend serves the URI now: the old one's subscription ends, and its clients follow the URI.
      moved = new Set(entry.clients);
      void this.#release(entry);
      entry = undefined;
    }
    if (entry === undefined) {
      entry = {
        backend,
        uri,
        clients: moved ?? new Set(),
        lost: false,
        ready: this.#send(backend, McpMethod.ResourcesSubscribe, uri),
      };
      // Observed here; each subscriber gets the rejection from its own await.
      entry.ready.catch(() => {});
      this.#byUri.set(uri, entry);
    }
    const already = entry.clients.has(connection);
    // Counted while the backend is asked, so no other client's unsubscribe ends the subscription meanwhile.
    entry.clients.add(connection);
    try {
      await raceAbort(entry.ready, signal);
    } catch (error) {
      if (!already) {
        entry.clients.delete(connection);
        if (entry.clients.size === 0) void this.#release(entry);
      }
      throw error;
    }
  }

  /** Unsubscribes the client from `uri` (nothing when it was not subscribed); the last one ends the backend's. */
  async unsubscribe(connection: McpConnection, uri: string): Promise<void> {
    const entry = this.#byUri.get(uri);
    if (entry === undefined || !entry.clients.delete(connection)) return;
    if (entry.clients.size === 0) await this.#release(entry);
  }

  /** The client disconnected: every subscription of its is ended. */
  dropClient(connection: McpConnection): void {
    for (const entry of [...this.#byUri.values()]) {
      if (entry.clients.delete(connection) && entry.clients.size === 0) void this.#release(entry);
    }
  }

  /**
   * The clients to tell that `uri` of `backend` changed: those subscribed to it, or to a URI it is under (the
   * spec lets a server report a sub-resource of the one subscribed to).
   */
  receivers(backend: string, uri: string): Set<McpConnection> {
    const receivers = new Set<McpConnection>();
    for (const entry of this.#byUri.values()) {
      if (entry.backend !== backend || !isSameOrUnder(uri, entry.uri)) continue;
      for (const client of entry.clients) receivers.add(client);
    }
    return receivers;
  }

  /** The backend's process ended: its subscriptions are gone with it. */
  markLost(backend: string): void {
    for (const entry of this.#byUri.values()) if (entry.backend === backend) entry.lost = true;
  }

  /** The backend is ready (again): subscribes it again to the URIs its previous process had. */
  resubscribe(backend: string): void {
    for (const entry of this.#byUri.values()) {
      if (entry.backend !== backend || !entry.lost) continue;
      entry.lost = false;
      entry.ready = this.#send(backend, McpMethod.ResourcesSubscribe, entry.uri);
      entry.ready.catch((error: unknown) => {
        entry.lost = true;
        this.#logger.warn(
          `the subscription to ${entry.uri} was not renewed on backend ${backend}: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
    }
  }

  dispose(): void {
    this.#byUri.clear();
  }

  /** Forgets the subscription and, once the backend accepted it, ends it there (unless its process is gone). */
  async #release(entry: Subscription): Promise<void> {
    if (this.#byUri.get(entry.uri) === entry) this.#byUri.delete(entry.uri);
    try {
      await entry.ready;
    } catch {
      return;
    }
    if (entry.lost) return;
    // Subscribed again meanwhile on the same backend: that subscription stands (the backend already has it).
    const now = this.#byUri.get(entry.uri);
    if (now !== undefined && now.backend === entry.backend) return;
    try {
      await this.#send(entry.backend, McpMethod.ResourcesUnsubscribe, entry.uri);
    } catch (error) {
      this.#logger.debug(
        `resources/unsubscribe ${entry.uri} on backend ${entry.backend} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

function isSameOrUnder(uri: string, subscribed: string): boolean {
  if (uri === subscribed) return true;
  if (!uri.startsWith(subscribed)) return false;
  return subscribed.endsWith("/") || uri.charAt(subscribed.length) === "/";
}
