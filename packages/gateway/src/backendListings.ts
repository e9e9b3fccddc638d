import type { CancelSignal, JsonObject } from "@mcpware/protocol";
import { McpMethod, isObject } from "@mcpware/protocol";
import type { CatalogHost } from "./catalogHost.js";
import { backendTimeout, isMethodNotFound, requestBackend } from "./catalogHost.js";
import { cleanTool, describeCounts, emptyCounts, totalRemoved } from "./cleanText.js";

/** Pages of one backend's listing read at most when it is read in full: a guard against cursor loops. */
export const MAX_LISTING_PAGES = 100;

/** One of the paginated listings a backend offers. */
export interface ListingKind {
  readonly method: string;
  /** The array in the result. */
  readonly field: string;
  /** The string field that identifies an item. */
  readonly key: string;
  /** Words for logs and errors. */
  readonly what: string;
}

export const RESOURCES: ListingKind = {
  method: McpMethod.ResourcesList,
  field: "resources",
  key: "uri",
  what: "resources",
};
export const RESOURCE_TEMPLATES: ListingKind = {
  method: McpMethod.ResourceTemplatesList,
  field: "resourceTemplates",
  key: "uriTemplate",
  what: "resource templates",
};
export const PROMPTS: ListingKind = {
  method: McpMethod.PromptsList,
  field: "prompts",
  key: "name",
  what: "prompts",
};

/** One page of a backend's listing. */
export interface ListingPage {
  /** The items, their descriptions and titles cleaned (see `cleanTool`); items without their key left out. */
  readonly items: JsonObject[];
  readonly nextCursor: string | undefined;
}

/**
 * One page of the backend's listing (bounded by its `timeout`); a backend that does not implement the method
 * (-32601) has an empty one.
 *
 * @throws ProtocolError as `requestBackend` does.
 */
export async function fetchListingPage(
  host: CatalogHost,
  backend: string,
  kind: ListingKind,
  cursor: string | undefined,
  options: { signal?: CancelSignal | undefined; timeoutMs?: number | undefined } = {},
): Promise<ListingPage> {
  let result: unknown;
  try {
    result = await requestBackend(host, backend, kind.method, cursor === undefined ? {} : { cursor }, {
      ...options,
      action: `listing its ${kind.what}`,
    });
  } catch (error) {
    if (!isMethodNotFound(error)) throw error;
    host.logger.debug(`backend ${backend} does not list ${kind.what} (${kind.method}: -32601)`);
    return { items: [], nextCursor: undefined };
  }
  const listed = isObject(result) ? result[kind.field] : undefined;
  const items: JsonObject[] = [];
  const counts = emptyCounts();
  let skipped = 0;
  for (const item of Array.isArray(listed) ? (listed as unknown[]) : []) {
    if (isObject(item) && typeof item[kind.key] === "string") items.push(cleanTool(item, counts));
    else skipped += 1;
  }
  if (totalRemoved(counts) > 0) {
    host.logger.debug(
      `backend ${backend}: removed from its ${kind.what}' descriptions and titles: ${describeCounts(counts)}`,
    );
  }
  if (skipped > 0)
    host.logger.warn(
      `backend ${backend} listed ${skipped} of its ${kind.what} without a ${kind.key}; they are left out`,
    );
  const next = isObject(result) ? result.nextCursor : undefined;
  return { items, nextCursor: typeof next === "string" && next !== "" ? next : undefined };
}

/**
 * Every page of the backend's listing (up to {@link MAX_LISTING_PAGES}), all within the backend's `timeout`.
 *
 * @throws ProtocolError as `requestBackend` does.
 */
export async function drainListing(
  host: CatalogHost,
  backend: string,
  kind: ListingKind,
): Promise<JsonObject[]> {
  const timeoutMs = backendTimeout(host, backend);
  const startedAt = performance.now();
  const items: JsonObject[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LISTING_PAGES; page += 1) {
    // Each page gets what is left of the one deadline, so a timeout is reported as the backend's timeout.
    const leftMs = Math.max(1, Math.round(timeoutMs - (performance.now() - startedAt)));
    const result = await fetchListingPage(host, backend, kind, cursor, { timeoutMs: leftMs });
    items.push(...result.items);
    if (result.nextCursor === undefined) return items;
    if (seen.has(result.nextCursor)) {
      host.logger.warn(`backend ${backend} repeated its ${kind.method} cursor; the rest is ignored`);
      return items;
    }
    seen.add(result.nextCursor);
    cursor = result.nextCursor;
  }
  host.logger.warn(
    `backend ${backend} has more than ${MAX_LISTING_PAGES} pages of ${kind.what}; the rest are ignored`,
  );
  return items;
}
