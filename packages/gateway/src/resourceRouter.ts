import type { CancelSignal, JsonObject } from "@mcpware/protocol";
import { ErrorCode, ProtocolError, isObject, raceAbort } from "@mcpware/protocol";
import type { ListingKind } from "./backendListings.js";
import { RESOURCES, RESOURCE_TEMPLATES, drainListing } from "./backendListings.js";
import type { CatalogHost } from "./catalogHost.js";
import { backendsOffering } from "./catalogHost.js";
import { ResourceIndex } from "./resourceIndex.js";

/** A backend whose listing failed is not asked again for this long (ms) when routing a URI. */
export const LISTING_RETRY_MS = 10_000;
/** Tool results longer than this (characters) are not scanned for resource links. */
export const MAX_SCANNED_RESULT_CHARS = 4 * 1024 * 1024;

/**
 * Decides which backend a resource URI goes to (`resources/read`, `resources/subscribe`, completion of a
 * `ref/resource`). What each backend serves is learned from its listings (the pages clients are given, and full
 * reads made here), its templates (RFC 6570) and the resource links in its tool results (see
 * {@link learnResourceLinks}). A listing or a template is a stronger claim than a link: a link counts only when no
 * listing or template claims the URI. A URI claimed by two backends is never given to either.
 */
export class ResourceRouter {
  readonly #host: CatalogHost;
  readonly #index = new ResourceIndex();
  /** Full reads of a backend's listings in progress, shared by every caller. */
  readonly #relisting = new Map<string, Promise<void>>();

  constructor(host: CatalogHost) {
    this.#host = host;
  }

  /**
   * The backend that serves `uri`. When no backend is known to, or some backend's listing was never read in full
   * since it changed, the backends' listings are read again first (each within its `timeout`).
   *
   * @throws ProtocolError -32002 (resource not found) when no backend claims it; -32602 naming every backend when
   * more than one does; the signal's reason when the client cancels first.
   */
  async ownerOf(uri: string, signal: CancelSignal): Promise<string> {
    let backends = backendsOffering(this.#host, "resources");
    let claims = this.#index.claims(uri, backends);
    const now = performance.now();
    const known = claims.listed.length > 0 || claims.linked.length > 0;
    const targets = backends.filter((backend) =>
      known
        ? this.#index.needsListing(backend, now, LISTING_RETRY_MS)
        : !this.#index.failedRecently(backend, now, LISTING_RETRY_MS),
    );
    if (targets.length > 0) {
      await raceAbort(Promise.all(targets.map((backend) => this.#relist(backend))), signal);
      // The reads started the backends: those that turned out to have no resources are left out now.
      backends = backendsOffering(this.#host, "resources");
      claims = this.#index.claims(uri, backends);
    }
    const owners = claims.listed.length > 0 ? claims.listed : claims.linked;
    if (owners.length === 0)
      throw new ProtocolError(ErrorCode.ResourceNotFound, `Resource not found: ${uri}`, { uri });
    if (owners.length > 1) throw claimedByMany(uri, owners);
    return owners[0]!;
  }

  /**
   * The backend a completion's `ref/resource` goes to: the one that lists exactly this URI template, else the
   * owner of the URI (see {@link ownerOf}).
   */
  async ownerOfReference(uri: string, signal: CancelSignal): Promise<string> {
    const backends = backendsOffering(this.#host, "resources");
    let owners = this.#index.templateOwners(uri, backends);
    if (owners.length === 0) {
      // Nothing known yet (a completion before any listing): the listings are read, then asked again.
      const targets = backends.filter(
        (backend) => !this.#index.failedRecently(backend, performance.now(), LISTING_RETRY_MS),
      );
      await raceAbort(Promise.all(targets.map((backend) => this.#relist(backend))), signal);
      owners = this.#index.templateOwners(uri, backendsOffering(this.#host, "resources"));
    }
    if (owners.length > 1) throw claimedByMany(uri, owners);
    return owners[0] ?? this.ownerOf(uri, signal);
  }

  /** Learns what one page of a backend's listing (as given to a client) holds. */
  learnPage(backend: string, kind: ListingKind, items: readonly JsonObject[]): void {
    if (kind === RESOURCES) this.#index.addListed(backend, keysOf(items, kind));
    else if (kind === RESOURCE_TEMPLATES) this.#index.addTemplates(backend, keysOf(items, kind));
  }

  /**
   * Learns the URIs of the resource links (and of the embedded resources beside them) in one `tools/call` result
   * of `backend`, given as the JSON text the backend wrote. Cheap on the hot path: a result without the substring
   * `"resource_link"` is not parsed, nor is one over {@link MAX_SCANNED_RESULT_CHARS} characters. Never throws.
   */
  learnResourceLinks(backend: string, rawResultText: string): void {
    if (!rawResultText.includes('"resource_link"') || rawResultText.length > MAX_SCANNED_RESULT_CHARS) return;
    if (!this.#host.backends.has(backend)) return;
    let result: unknown;
    try {
      result = JSON.parse(rawResultText);
    } catch {
      return;
    }
    const content = isObject(result) ? result.content : undefined;
    if (!Array.isArray(content)) return;
    const uris: string[] = [];
    for (const block of content as unknown[]) {
      if (!isObject(block)) continue;
      if (block.type === "resource_link" && typeof block.uri === "string") uris.push(block.uri);
      else if (
        block.type === "resource" &&
        isObject(block.resource) &&
        typeof block.resource.uri === "string"
      )
        uris.push(block.resource.uri);
    }
    if (uris.length > 0) this.#index.addLinked(backend, uris);
  }

  /**
   * Forgets the backend's listings (its list changed); with `links`, its links too (its process is gone, and
   * with it any resource it made).
   */
  forget(backend: string, options: { links: boolean }): void {
    this.#index.forget(backend, options);
  }

  /** Reads the backend's resources and templates in full (one read at a time per backend). */
  #relist(backend: string): Promise<void> {
    let pending = this.#relisting.get(backend);
    if (pending === undefined) {
      pending = this.#readListings(backend).finally(() => this.#relisting.delete(backend));
      this.#relisting.set(backend, pending);
    }
    return pending;
  }

  async #readListings(backend: string): Promise<void> {
    const generation = this.#index.generation(backend);
    const [resources, templates] = await Promise.allSettled([
      drainListing(this.#host, backend, RESOURCES),
      drainListing(this.#host, backend, RESOURCE_TEMPLATES),
    ]);
    if (resources.status === "fulfilled" && templates.status === "fulfilled") {
      const uris = keysOf(resources.value, RESOURCES);
      this.#index.replace(backend, generation, uris, keysOf(templates.value, RESOURCE_TEMPLATES));
      return;
    }
    if (this.#index.generation(backend) !== generation) return;
    if (resources.status === "fulfilled") this.#index.addListed(backend, keysOf(resources.value, RESOURCES));
    if (templates.status === "fulfilled")
      this.#index.addTemplates(backend, keysOf(templates.value, RESOURCE_TEMPLATES));
    this.#index.markFailed(backend, generation, performance.now());
    for (const [outcome, kind] of [
      [resources, RESOURCES],
      [templates, RESOURCE_TEMPLATES],
    ] as const) {
      if (outcome.status === "fulfilled") continue;
      const reason: unknown = outcome.reason;
      const why = reason instanceof Error ? reason.message : String(reason);
      this.#host.logger.warn(`backend ${backend}: its ${kind.what} could not be listed (${why})`);
    }
  }
}

function keysOf(items: readonly JsonObject[], kind: ListingKind): string[] {
  return items.map((item) => item[kind.key] as string);
}

/** -32602 naming every backend that claims the URI. */
function claimedByMany(uri: string, backends: readonly string[]): ProtocolError {
  const names = backends.map((backend) => `"${backend}"`);
  const listed = `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]!}`;
  return new ProtocolError(
    ErrorCode.InvalidParams,
    `Resource ${uri} is offered by more than one backend: ${listed}. mcpware does not choose between them; ` +
      `keep only one of these backends in the config to use it.`,
    { uri, backends },
  );
}
