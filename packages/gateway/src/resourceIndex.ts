import type { UriTemplateMatcher } from "./uriTemplate.js";
import { compileUriTemplate } from "./uriTemplate.js";

/** Resource links remembered per backend (the newest ones); older links are found again by listing. */
export const MAX_LINKED_URIS = 10_000;

/** What is known of one backend's resources. */
interface BackendResources {
  /** URIs its `resources/list` gave. */
  readonly listed: Set<string>;
  /** Its `resources/templates/list`, by template text (`undefined`: malformed, matches nothing). */
  readonly templates: Map<string, UriTemplateMatcher | undefined>;
  /** URIs of resource links and embedded resources in its tool results. */
  readonly linked: Set<string>;
  /** Both listings were read in full since the last change; else when the last attempt failed, if it did. */
  status: "complete" | "partial" | { failedAt: number };
  /** Counts the changes that make a listing in progress stale. */
  generation: number;
}

/** Which backends claim a URI, strongest claims first. */
export interface ResourceClaims {
  /** Backends that list the URI or have a template matching it. */
  readonly listed: readonly string[];
  /** Backends whose tool results linked to it. */
  readonly linked: readonly string[];
}

/**
 * Which backend serves which resource URI, learned from the backends' listings (`resources/list`, their
 * templates) and the resource links of their tool results. Knows nothing of the backends themselves: the
 * `ResourceRouter` feeds and asks it.
 */
export class ResourceIndex {
  readonly #backends = new Map<string, BackendResources>();

  #entry(backend: string): BackendResources {
    let entry = this.#backends.get(backend);
    if (entry === undefined) {
      entry = {
        listed: new Set(),
        templates: new Map(),
        linked: new Set(),
        status: "partial",
        generation: 0,
      };
      this.#backends.set(backend, entry);
    }
    return entry;
  }

  /** Adds URIs from one page of the backend's `resources/list`. */
  addListed(backend: string, uris: Iterable<string>): void {
    const listed = this.#entry(backend).listed;
    for (const uri of uris) listed.add(uri);
  }

  /** Adds templates from one page of the backend's `resources/templates/list`. */
  addTemplates(backend: string, templates: Iterable<string>): void {
    const known = this.#entry(backend).templates;
    for (const template of templates)
      if (!known.has(template)) known.set(template, compileUriTemplate(template));
  }

  /**
   * Adds URIs the backend's tool results linked to. At most {@link MAX_LINKED_URIS} are kept per backend, the
   * oldest forgotten first: a long session of tools that link to new resources must not grow memory without end.
   */
  addLinked(backend: string, uris: Iterable<string>): void {
    const linked = this.#entry(backend).linked;
    for (const uri of uris) {
      // Re-added: moved to the newest end.
      linked.delete(uri);
      linked.add(uri);
      if (linked.size > MAX_LINKED_URIS) linked.delete(linked.values().next().value!);
    }
  }

  /**
   * Replaces the backend's listings with complete ones, read in full since `generation` (see
   * {@link generation}); ignored when something changed since.
   */
  replace(backend: string, generation: number, uris: Iterable<string>, templates: Iterable<string>): void {
    const entry = this.#entry(backend);
    if (entry.generation !== generation) return;
    entry.listed.clear();
    entry.templates.clear();
    this.addListed(backend, uris);
    this.addTemplates(backend, templates);
    entry.status = "complete";
  }

  /** The backend's listing failed at `now` (ms, `performance.now()`), unless something changed since `generation`. */
  markFailed(backend: string, generation: number, now: number): void {
    const entry = this.#entry(backend);
    if (entry.generation === generation) entry.status = { failedAt: now };
  }

  /** The current generation of the backend's listings: a full read started now passes it to `replace`. */
  generation(backend: string): number {
    return this.#entry(backend).generation;
  }

  /**
   * Forgets the backend's listings (its list changed); with `links`, what its tool results linked to as well (its
   * process is gone, and with it the resources it made).
   */
  forget(backend: string, options: { links: boolean }): void {
    const entry = this.#entry(backend);
    entry.listed.clear();
    entry.templates.clear();
    if (options.links) entry.linked.clear();
    entry.status = "partial";
    entry.generation += 1;
  }

  /**
   * Whether the backend's listings should be read (again) before a URI is routed: never read in full, or failed
   * at least `retryMs` before `now`.
   */
  needsListing(backend: string, now: number, retryMs: number): boolean {
    const status = this.#backends.get(backend)?.status ?? "partial";
    if (status === "complete") return false;
    return status === "partial" || now - status.failedAt >= retryMs;
  }

  /** Whether the backend's last listing failed less than `retryMs` before `now`: it is not asked again yet. */
  failedRecently(backend: string, now: number, retryMs: number): boolean {
    const status = this.#backends.get(backend)?.status;
    return typeof status === "object" && now - status.failedAt < retryMs;
  }

  /** The backends among `backends` that claim `uri`, in their order. */
  claims(uri: string, backends: readonly string[]): ResourceClaims {
    const listed: string[] = [];
    const linked: string[] = [];
    for (const backend of backends) {
      const entry = this.#backends.get(backend);
      if (entry === undefined) continue;
      if (entry.listed.has(uri) || matchesAny(entry.templates.values(), uri)) listed.push(backend);
      else if (entry.linked.has(uri)) linked.push(backend);
    }
    return { listed, linked };
  }

  /** The backends among `backends` that list exactly this URI template. */
  templateOwners(template: string, backends: readonly string[]): string[] {
    return backends.filter((backend) => this.#backends.get(backend)?.templates.has(template) === true);
  }
}

function matchesAny(matchers: Iterable<UriTemplateMatcher | undefined>, uri: string): boolean {
  for (const matcher of matchers) if (matcher?.matches(uri) === true) return true;
  return false;
}
