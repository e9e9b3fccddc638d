import type { BackendPool, Disposable } from "@mcpware/backend-pool";
import { BackendError, BackendErrorCode } from "@mcpware/backend-pool";
import type { CancelSignal, ListToolsResult, Tool } from "@mcpware/protocol";
import { McpMethod, raceAbort } from "@mcpware/protocol";
import type { ArgumentCheck, ArgumentValidator } from "./argumentValidator.js";
import { cleanTool, describeCounts, emptyCounts, totalRemoved } from "./cleanText.js";
import type { RemovedCounts } from "./cleanText.js";
import { PROCESS_ENDED_STATES } from "./gatewayContext.js";
import type { Logger } from "./logger.js";
import type { ToolFilter } from "./toolFilter.js";
import { describePinChange } from "./toolPins.js";
import type { PinChange, PinStore, PinningMode } from "./toolPins.js";

/** A backend offering more pages than this is cut off (and a warning logged): a guard against cursor loops. */
export const MAX_TOOL_LIST_PAGES = 100;

/** The pool methods the gateway uses (a structural subset of BackendPool, so units can fake it). */
export type GatewayPool = Pick<
  BackendPool,
  "request" | "info" | "has" | "onNotification" | "onStateChange" | "close" | "destroy"
>;

/** One backend's complete tool list (every page), with cached argument checks. */
export interface ToolList {
  readonly tools: readonly Tool[];
  readonly byName: ReadonlyMap<string, Tool>;
  /**
   * Tools whose definitions changed since they were pinned, by name. Under `"pinning": "block"` they cannot be
   * called; see `blockedBy`.
   */
  readonly pinChanges: ReadonlyMap<string, PinChange>;
  /**
   * Why a tool cannot be called under `"pinning": "block"`: its definition changed and nobody accepted it (the
   * pins file is read again, so an acceptance counts at once), or the pins cannot be read. Undefined otherwise.
   */
  blockedBecause(toolName: string): string | undefined;
  /** Tools the config's `tools` filter hides, with why: never listed, never called. */
  readonly filtered: ReadonlyMap<string, string>;
  /** What was cleaned out of the tools' descriptions and titles (see `cleanTool`). */
  readonly removed: Readonly<RemovedCounts>;
  /** The compiled check of the tool's `inputSchema`, or undefined when it cannot be checked locally. */
  checkArguments(toolName: string): ArgumentCheck | undefined;
}

interface CacheEntry {
  promise: Promise<ToolList>;
  /** The list once fetched: served without waiting on the promise again. */
  list?: ToolList;
}

/**
 * Caches each backend's tool list. Concurrent callers share one fetch; every `nextCursor` is followed.
 * A backend's entry is dropped on its `notifications/tools/list_changed` and whenever its process stops or
 * crashes (so a restarted backend is asked again). Failed fetches are not cached.
 */
export class ToolCatalog implements Disposable {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly subscriptions: Disposable[];

  constructor(
    private readonly pool: GatewayPool,
    private readonly logger: Logger,
    /**
     * Tool-definition pins checked on every fetch; none: nothing is pinned. `imageOf` tells the image id of a
     * `docker run` backend, recorded with its pins.
     */
    private readonly pins?: {
      store: PinStore;
      mode: PinningMode;
      imageOf?: (backend: string) => Promise<string | undefined>;
    },
    /** The config's `tools` filter of each backend: filtered tools are neither listed nor callable. */
    private readonly filterOf: (backend: string) => ToolFilter | undefined = () => undefined,
  ) {
    this.subscriptions = [
      pool.onNotification((event) => {
        if (event.method === McpMethod.ToolsListChanged) {
          this.logger.debug(`backend ${event.backend} changed its tool list`);
          this.invalidate(event.backend);
        }
      }),
      pool.onStateChange((event) => {
        if (PROCESS_ENDED_STATES.has(event.state)) this.invalidate(event.backend);
      }),
    ];
  }

  /**
   * The backend's tool list, from the cache or fetched (starting the backend if needed). `signal` and
   * `timeoutMs` end this caller's wait only; a shared fetch goes on for the others.
   *
   * @throws BackendError from the pool, ERR_BACKEND_TIMEOUT when `timeoutMs` passes first; the signal's reason
   * when it aborts first.
   */
  async get(backend: string, signal?: CancelSignal, timeoutMs?: number): Promise<ToolList> {
    let entry = this.entries.get(backend);
    if (entry?.list !== undefined) {
      // The common case on every use_tool: no abort listener and no promise chain for a list already here.
      return signal?.aborted === true ? Promise.reject(signal.reason as Error) : Promise.resolve(entry.list);
    }
    if (entry === undefined) {
      const promise = this.fetch(backend);
      const created: CacheEntry = { promise };
      entry = created;
      this.entries.set(backend, created);
      promise.then(
        (list) => {
          created.list = list;
        },
        () => {
          if (this.entries.get(backend) === created) this.entries.delete(backend);
        },
      );
    }
    if (timeoutMs === undefined) return raceAbort(entry.promise, signal);
    return waitWithin(entry.promise, backend, timeoutMs, signal);
  }

  /** The backend's tool list when it is cached and fetched, without waiting; otherwise `undefined`. */
  peek(backend: string): ToolList | undefined {
    return this.entries.get(backend)?.list;
  }

  /** Forget the backend's cached list; the next `get` asks the backend again. */
  invalidate(backend: string): void {
    this.entries.delete(backend);
  }

  dispose(): void {
    for (const subscription of this.subscriptions.splice(0)) subscription.dispose();
    this.entries.clear();
  }

  /** The tools whose definitions differ from their pins (the new ones get pinned); blocked ones under "block". */
  private async imageOf(backend: string): Promise<string | undefined> {
    const pins = this.pins;
    if (pins?.imageOf === undefined || pins.mode === "off") return undefined;
    return pins.imageOf(backend).catch(() => undefined);
  }

  private checkPins(
    backend: string,
    tools: readonly Tool[],
    image: string | undefined,
  ): [ReadonlyMap<string, PinChange>, PinBlocking | undefined] {
    const pins = this.pins;
    if (pins === undefined || pins.mode === "off") return [new Map(), undefined];
    const store = pins.store;
    let changes: PinChange[];
    try {
      changes = store.check(backend, tools, image);
    } catch (error) {
      const text = `the tool pins cannot be read or written (${error instanceof Error ? error.message : String(error)})`;
      this.logger.warn(text);
      // Fail closed: without its pins no change can be seen, so under "block" nothing may be called.
      return [new Map(), pins.mode === "block" ? { error: text, isAccepted: () => false } : undefined];
    }
    for (const change of changes) {
      const what = describePinChange(change);
      this.logger.warn(
        pins.mode === "block" ? what : `${what.replace(/; until a person.*$/, "")} (pinning: warn)`,
      );
    }
    return [
      new Map(changes.map((change) => [change.tool, change])),
      pins.mode === "block"
        ? { error: undefined, isAccepted: (change) => store.isAccepted(change) }
        : undefined,
    ];
  }

  /** What cleaning removed, kept with the pins for `doctor` (which starts no backend). */
  private noteCleaned(backend: string, removed: RemovedCounts): void {
    const pins = this.pins;
    if (pins === undefined || pins.mode === "off") return;
    try {
      pins.store.noteCleaned(backend, describeCounts(removed));
    } catch (error) {
      this.logger.debug(`cannot record the cleaning of ${backend}'s descriptions: ${String(error)}`);
    }
  }

  private async fetch(backend: string): Promise<ToolList> {
    // ajv is loaded on the first fetch, while the backend starts, not before the gateway can answer initialize.
    const validatorModule = import("./argumentValidator.js");
    // Settled below; a failed fetch must not leave the import's rejection unhandled.
    validatorModule.catch(() => {});
    const tools: Tool[] = [];
    const create = async (): Promise<ToolList> => {
      const filter = this.filterOf(backend);
      const filtered = new Map<string, string>();
      const visible = tools.filter((tool) => {
        if (filter === undefined || filter.allows(tool.name)) return true;
        filtered.set(tool.name, filter.reason(tool.name));
        return false;
      });
      const list = createToolList(
        visible,
        this.logger,
        backend,
        new (await validatorModule).ArgumentValidator(),
        filtered,
        ...this.checkPins(backend, visible, await this.imageOf(backend)),
      );
      this.noteCleaned(backend, list.removed);
      return list;
    };
    const seenCursors = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_TOOL_LIST_PAGES; page += 1) {
      const result = await this.pool.request<ListToolsResult>(
        backend,
        McpMethod.ToolsList,
        cursor === undefined ? {} : { cursor },
      );
      for (const tool of Array.isArray(result?.tools) ? result.tools : []) {
        if (tool !== null && typeof tool === "object" && typeof tool.name === "string") tools.push(tool);
        else this.logger.warn(`backend ${backend} listed a tool without a name; it is ignored`);
      }
      const next = result?.nextCursor;
      if (typeof next !== "string" || next === "") return create();
      if (seenCursors.has(next)) {
        this.logger.warn(
          `backend ${backend} repeated the tools/list cursor ${JSON.stringify(next)}; stopping`,
        );
        return create();
      }
      seenCursors.add(next);
      cursor = next;
    }
    this.logger.warn(
      `backend ${backend} has more than ${MAX_TOOL_LIST_PAGES} pages of tools; the rest are ignored`,
    );
    return create();
  }
}

/** How pins block calls under `"pinning": "block"`. */
interface PinBlocking {
  /** The pins could not be read: every tool is blocked. */
  error: string | undefined;
  isAccepted(change: PinChange): boolean;
}

function createToolList(
  tools: Tool[],
  logger: Logger,
  backend: string,
  validator: ArgumentValidator,
  filtered: ReadonlyMap<string, string>,
  pinChanges: ReadonlyMap<string, PinChange>,
  blocking: PinBlocking | undefined,
): ToolList {
  const byName = new Map<string, Tool>();
  const removed = emptyCounts();
  for (const tool of tools) {
    if (byName.has(tool.name))
      logger.warn(`backend ${backend} lists the tool ${tool.name} twice; the first wins`);
    // What the model reads of it is cleaned of hidden characters and escapes, and capped.
    else byName.set(tool.name, cleanTool(tool, removed));
  }
  if (totalRemoved(removed) > 0) {
    logger.debug(
      `backend ${backend}: removed from its tool descriptions and titles: ${describeCounts(removed)}`,
    );
  }
  const checks = new Map<string, ArgumentCheck | undefined>();
  return {
    tools: [...byName.values()],
    byName,
    filtered,
    removed,
    pinChanges,
    blockedBecause(toolName) {
      if (blocking === undefined) return undefined;
      if (blocking.error !== undefined) {
        return `${blocking.error}; until that is fixed no tool of backend "${backend}" can be called`;
      }
      const change = pinChanges.get(toolName);
      return change === undefined || blocking.isAccepted(change) ? undefined : describePinChange(change);
    },
    checkArguments(toolName) {
      if (checks.has(toolName)) return checks.get(toolName);
      const tool = byName.get(toolName);
      const check =
        tool === undefined
          ? undefined
          : validator.compile(tool.inputSchema, (error) => {
              const reason = error instanceof Error ? error.message : String(error);
              logger.warn(
                `the input schema of ${backend}/${toolName} cannot be compiled (${reason}); arguments are not checked`,
              );
            });
      checks.set(toolName, check);
      return check;
    },
  };
}

/** `promise`, or ERR_BACKEND_TIMEOUT once `timeoutMs` passes, or the signal's reason once it aborts. */
async function waitWithin<T>(
  promise: Promise<T>,
  backend: string,
  timeoutMs: number,
  signal: CancelSignal | undefined,
): Promise<T> {
  const startedAt = performance.now();
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  try {
    return await raceAbort(raceAbort(promise, signal), deadline.signal, () => {
      const elapsedMs = Math.round(performance.now() - startedAt);
      return new BackendError(
        BackendErrorCode.Timeout,
        `backend "${backend}" did not list its tools within ${elapsedMs} ms`,
        { backend, method: McpMethod.ToolsList, elapsedMs },
      );
    });
  } finally {
    clearTimeout(timer);
  }
}
