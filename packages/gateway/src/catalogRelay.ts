import type { BackendNotificationEvent, Disposable, StateChangeEvent } from "@mcpware/backend-pool";
import type { CancelSignal, JsonObject, McpConnection } from "@mcpware/protocol";
import { McpMethod, isObject } from "@mcpware/protocol";
import type { ListingKind } from "./backendListings.js";
import { fetchListingPage } from "./backendListings.js";
import type { CatalogHost } from "./catalogHost.js";
import { backendsOffering, requestBackend } from "./catalogHost.js";
import type { GatewayContext } from "./gatewayContext.js";
import { PROCESS_ENDED_STATES } from "./gatewayContext.js";
import type { MergedPosition } from "./mergedCursor.js";
import { registerCompletionHandler } from "./completionRelay.js";
import { decodeCursor, encodeCursor } from "./mergedCursor.js";
import { PromptCatalog } from "./promptCatalog.js";
import { registerPromptHandlers } from "./promptRelay.js";
import { registerResourceHandlers } from "./resourceRelay.js";
import { ResourceRouter } from "./resourceRouter.js";
import { ResourceSubscriptions } from "./resourceSubscriptions.js";

/**
 * A page of a merged listing holds whole backend pages; once it holds this many items, the next backend's come
 * under `nextCursor`.
 */
export const MAX_ITEMS_PER_PAGE = 500;
/** Pages one merged listing may span before it is cut off: a guard against a backend's cursor loop. */
export const MAX_MERGED_PAGES = 1_000;

export interface CatalogRelayOptions {
  /** Sends a notification to every client that initialized (the backends' list changes). */
  notifyClients(method: string, params: unknown): void;
}

/**
 * Resources, prompts and completion of every backend, relayed to the clients in either mode: merged listings
 * under the gateway's own cursors, `resources/read` and subscriptions routed to the backend that serves the URI
 * (see `ResourceRouter`), prompts under `<backend>__<prompt>` names (see `PromptCatalog`), the backends' list
 * changes and resource updates forwarded. Owns its listeners on the pool; `dispose()` removes them.
 */
export class CatalogRelay implements Disposable {
  readonly host: CatalogHost;
  readonly router: ResourceRouter;
  readonly prompts: PromptCatalog;
  readonly subscriptions: ResourceSubscriptions;
  readonly #notifyClients: CatalogRelayOptions["notifyClients"];
  readonly #listeners: Disposable[];

  constructor(host: CatalogHost, options: CatalogRelayOptions) {
    this.host = host;
    this.#notifyClients = options.notifyClients;
    this.router = new ResourceRouter(host);
    this.prompts = new PromptCatalog(host);
    this.subscriptions = new ResourceSubscriptions(async (backend, method, uri) => {
      await requestBackend(host, backend, method, { uri }, { action: `${method} ${uri}` });
    }, host.logger);
    this.#listeners = [
      host.pool.onNotification((event) => this.#onNotification(event)),
      host.pool.onStateChange((event) => this.#onStateChange(event)),
    ];
  }

  /**
   * Learns the resource links in one `tools/call` result of `backend` (the JSON text it wrote), so a client can
   * read them; for `use_tool` and aggregate calls to hand each result to. See `ResourceRouter.learnResourceLinks`.
   */
  learnResourceLinks(backend: string, rawResultText: string): void {
    this.router.learnResourceLinks(backend, rawResultText);
  }

  /**
   * One page of a listing merged over the backends that can run, in config order: from the position the
   * client's cursor names, whole backend pages (fetched at once, each within its backend's `timeout`) until a
   * backend has more pages or the page holds {@link MAX_ITEMS_PER_PAGE} items. A backend that fails contributes
   * nothing (logged).
   *
   * @throws ProtocolError -32602 for a cursor mcpware did not give out for this listing.
   */
  async listMerged(kind: ListingKind, params: unknown, signal: CancelSignal): Promise<JsonObject> {
    const names = [...this.host.backends.keys()];
    const cursor = isObject(params) ? params.cursor : undefined;
    const start: MergedPosition | undefined =
      cursor === undefined ? undefined : decodeCursor(kind.method, cursor, new Set(names));
    const first = start === undefined ? 0 : names.indexOf(start.backend);
    const offering = new Set(backendsOffering(this.host, "resources"));
    const order = names.slice(first).filter((name) => offering.has(name));
    const pages = await Promise.allSettled(
      order.map((name) =>
        fetchListingPage(this.host, name, kind, name === start?.backend ? start.cursor : undefined, {
          signal,
        }),
      ),
    );
    if (signal.aborted) throw signal.reason;
    const items: JsonObject[] = [];
    let next: Omit<MergedPosition, "page"> | undefined;
    for (const [index, outcome] of pages.entries()) {
      const backend = order[index]!;
      if (outcome.status === "rejected") {
        const reason: unknown = outcome.reason;
        this.host.logger.warn(
          `backend ${backend}: its ${kind.what} are left out of ${kind.method} (${reason instanceof Error ? reason.message : String(reason)})`,
        );
        continue;
      }
      items.push(...outcome.value.items);
      this.router.learnPage(backend, kind, outcome.value.items);
      if (outcome.value.nextCursor !== undefined) {
        next = { backend, cursor: outcome.value.nextCursor };
        break;
      }
      if (items.length >= MAX_ITEMS_PER_PAGE && index + 1 < order.length) {
        next = { backend: order[index + 1]!, cursor: undefined };
        break;
      }
    }
    const page = (start?.page ?? 0) + 1;
    if (next !== undefined && page >= MAX_MERGED_PAGES) {
      this.host.logger.warn(`${kind.method} spans more than ${MAX_MERGED_PAGES} pages; the rest is left out`);
      next = undefined;
    }
    return next === undefined
      ? { [kind.field]: items }
      : { [kind.field]: items, nextCursor: encodeCursor(kind.method, { ...next, page }) };
  }

  dispose(): void {
    for (const listener of this.#listeners.splice(0)) listener.dispose();
    this.subscriptions.dispose();
    this.prompts.dispose();
  }

  #onNotification(event: BackendNotificationEvent): void {
    switch (event.method) {
      case McpMethod.ResourcesUpdated:
        this.#relayUpdate(event.backend, event.params);
        break;
      case McpMethod.ResourcesListChanged:
        this.router.forget(event.backend, { links: false });
        this.#notifyClients(event.method, event.params);
        break;
      case McpMethod.PromptsListChanged:
        this.prompts.invalidate(event.backend);
        this.#notifyClients(event.method, event.params);
        break;
    }
  }

  #onStateChange(event: StateChangeEvent): void {
    if (event.state === "ready") this.subscriptions.resubscribe(event.backend);
    else if (PROCESS_ENDED_STATES.has(event.state)) {
      this.router.forget(event.backend, { links: true });
      this.prompts.invalidate(event.backend);
      this.subscriptions.markLost(event.backend);
    }
  }

  /** `notifications/resources/updated` goes to the clients subscribed to the URI, as the backend sent it. */
  #relayUpdate(backend: string, params: unknown): void {
    const uri = isObject(params) ? params.uri : undefined;
    if (typeof uri !== "string") {
      this.host.logger.debug(`backend ${backend} sent ${McpMethod.ResourcesUpdated} without a uri; dropped`);
      return;
    }
    const receivers = this.subscriptions.receivers(backend, uri);
    if (receivers.size === 0)
      this.host.logger.debug(`backend ${backend} updated ${uri}; no client subscribed`);
    for (const connection of receivers) {
      if (connection.isClosed) continue;
      connection.sendNotification(McpMethod.ResourcesUpdated, params).catch((error: unknown) => {
        this.host.logger.debug(`${McpMethod.ResourcesUpdated} not delivered to a client: ${String(error)}`);
      });
    }
  }
}

/**
 * Registers resources, prompts and completion on a client connection (see `registerResourceHandlers`,
 * `registerPromptHandlers`, `registerCompletionHandler`). Without a relay in the context (unit contexts) nothing is registered: those methods
 * are answered -32601.
 */
export function registerCatalogRelays(connection: McpConnection, context: GatewayContext): void {
  const relay = context.catalogRelay;
  if (relay === undefined) return;
  registerResourceHandlers(connection, relay);
  registerPromptHandlers(connection, relay);
  registerCompletionHandler(connection, relay);
}
