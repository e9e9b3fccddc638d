import type { CancelSignal, JsonObject } from "@mcpware/protocol";
import { ErrorCode, ProtocolError, raceAbort } from "@mcpware/protocol";
import { PROMPTS, drainListing } from "./backendListings.js";
import type { CatalogHost } from "./catalogHost.js";
import { backendsOffering } from "./catalogHost.js";
import type { PrefixedItem } from "./prefixedNames.js";
import { exposedNames } from "./prefixedNames.js";

/** Every backend's prompts under the names a client sees. */
export interface ExposedPrompts {
  /** The prompts, in config order, each under its exposed name (`<backend>__<prompt>`, or a hashed name). */
  readonly prompts: readonly JsonObject[];
  /** Exposed name → backend and the prompt's own name. */
  readonly names: ReadonlyMap<string, PrefixedItem>;
}

interface CacheEntry {
  readonly promise: Promise<JsonObject[]>;
}

/**
 * Caches each backend's prompts (every page, descriptions and titles cleaned) and names them for clients with
 * `exposedNames`, so long, odd or colliding names get stable hashed ones. Concurrent callers share one fetch; a
 * failed fetch is not cached. The owner drops a backend's entry on its `notifications/prompts/list_changed` and
 * when its process stops (see {@link invalidate}).
 */
export class PromptCatalog {
  readonly #host: CatalogHost;
  readonly #entries = new Map<string, CacheEntry>();

  constructor(host: CatalogHost) {
    this.#host = host;
  }

  /**
   * The prompts of every backend that can run and may have prompts, each listed within its `timeout`; a backend
   * that fails is left out (and logged).
   *
   * @throws the signal's reason when the client cancels first.
   */
  async list(signal: CancelSignal): Promise<ExposedPrompts> {
    const backends = backendsOffering(this.#host, "prompts");
    const outcomes = await raceAbort(
      Promise.allSettled(backends.map((backend) => this.#get(backend))),
      signal,
    );
    const items: PrefixedItem[] = [];
    const prompts: JsonObject[] = [];
    outcomes.forEach((outcome, index) => {
      const backend = backends[index]!;
      if (outcome.status === "rejected") {
        const reason: unknown = outcome.reason;
        this.#host.logger.warn(
          `backend ${backend}: its prompts could not be listed (${reason instanceof Error ? reason.message : String(reason)})`,
        );
        return;
      }
      for (const prompt of outcome.value) {
        items.push({ backend, name: prompt.name as string });
        prompts.push(prompt);
      }
    });
    const names = exposedNames(items);
    const exposedOf = new Map<PrefixedItem, string>();
    for (const [exposed, item] of names) exposedOf.set(item, exposed);
    return {
      prompts: prompts.map((prompt, index) => ({ ...prompt, name: exposedOf.get(items[index]!)! })),
      names,
    };
  }

  /**
   * The backend and own name of the prompt a client calls `name`. An unknown name is looked up once more after
   * every backend's prompts are listed again.
   *
   * @throws ProtocolError -32602 for a name no backend's prompt has; the signal's reason.
   */
  async resolve(name: string, signal: CancelSignal): Promise<PrefixedItem> {
    let found = (await this.list(signal)).names.get(name);
    if (found === undefined) {
      this.#entries.clear();
      found = (await this.list(signal)).names.get(name);
    }
    if (found === undefined) {
      throw new ProtocolError(ErrorCode.InvalidParams, `Unknown prompt: ${name} (see prompts/list)`, {
        name,
      });
    }
    return found;
  }

  /** Forgets the backend's prompts: the next listing asks it again. */
  invalidate(backend: string): void {
    this.#entries.delete(backend);
  }

  dispose(): void {
    this.#entries.clear();
  }

  #get(backend: string): Promise<JsonObject[]> {
    const cached = this.#entries.get(backend);
    if (cached !== undefined) return cached.promise;
    const entry: CacheEntry = { promise: this.#fetch(backend) };
    this.#entries.set(backend, entry);
    entry.promise.catch(() => {
      if (this.#entries.get(backend) === entry) this.#entries.delete(backend);
    });
    return entry.promise;
  }

  async #fetch(backend: string): Promise<JsonObject[]> {
    const seen = new Set<string>();
    const prompts: JsonObject[] = [];
    for (const prompt of await drainListing(this.#host, backend, PROMPTS)) {
      const name = prompt.name as string;
      if (seen.has(name)) {
        this.#host.logger.warn(`backend ${backend} lists the prompt ${name} twice; the first wins`);
        continue;
      }
      seen.add(name);
      prompts.push(prompt);
    }
    return prompts;
  }
}
