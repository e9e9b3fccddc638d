import type { Disposable } from "@mcpware/backend-pool";
import type {
  CallToolResult,
  CancelSignal,
  McpConnection,
  ProgressToken,
  RawJson,
  Tool,
} from "@mcpware/protocol";
import { ErrorCode, McpMethod, ProtocolError } from "@mcpware/protocol";
import type { GatewayContext } from "./gatewayContext.js";
import { timeoutOf, unavailableReason } from "./gatewayContext.js";
import { exposedNames } from "./prefixedNames.js";
import type { PrefixedItem } from "./prefixedNames.js";
import { needsTasks } from "./taskSupport.js";
import type { ToolList } from "./toolCatalog.js";
import { useTool } from "./useTool.js";
import type { UseToolOptions } from "./useTool.js";

/**
 * How long the first aggregate `tools/list` waits for the backends to start and list their tools (ms); the ones
 * ready by then are listed, the others follow with `notifications/tools/list_changed`.
 */
export const AGGREGATE_LIST_BUDGET_MS = 3_000;

/** States after which a backend's tools are gone from the aggregate list (it cannot be started any more). */
const GONE_STATES = new Set(["failed", "circuit-open", "removed"]);

/**
 * Aggregate mode: every available backend's tools listed directly as `<backend>__<tool>` (see `exposedNames`),
 * and `tools/call` routed by that name through the same checks, deadlines, cancellation, progress and error
 * texts as use_tool. Clients are told (`notifications/tools/list_changed`) when a backend becomes ready after
 * the list was answered, when a backend's list changes, and when one becomes unavailable.
 */
export class AggregateTools implements Disposable {
  readonly #context: GatewayContext;
  readonly #connections = new Set<McpConnection>();
  readonly #subscriptions: Disposable[];
  /** Exposed name → backend and tool, as last listed. */
  #names = new Map<string, PrefixedItem>();
  /** Each backend's latest tool list (kept while a changed one is fetched again). */
  readonly #lists = new Map<string, ToolList>();
  #listed = false;
  #notifyScheduled = false;

  constructor(context: GatewayContext) {
    this.#context = context;
    this.#subscriptions = [
      // After the catalog's own listener (it drops the cached list): the new list is fetched, then announced.
      context.pool.onNotification((event) => {
        if (event.method === McpMethod.ToolsListChanged && this.#lists.has(event.backend)) {
          this.#fetch(event.backend).catch(() => {});
        }
      }),
      context.pool.onStateChange((event) => {
        if (GONE_STATES.has(event.state) && this.#lists.delete(event.backend)) this.#changed();
        // Back from an open circuit: its tools are listed again, and announced.
        else if (event.state === "ready" && this.#listed && !this.#lists.has(event.backend)) {
          this.#fetch(event.backend).catch(() => {});
        }
      }),
    ];
  }

  /** A client connection to tell about list changes. */
  attach(connection: McpConnection): void {
    this.#connections.add(connection);
    connection.onClose(() => this.#connections.delete(connection));
  }

  /**
   * Every available backend's tools under their exposed names: the backends are started (each within its own
   * timeout) and those ready within {@link AGGREGATE_LIST_BUDGET_MS} are listed; when a later one is ready, the
   * clients are told the list changed.
   */
  async list(signal: CancelSignal): Promise<{ tools: Tool[] }> {
    const context = this.#context;
    const pending: Promise<unknown>[] = [];
    for (const backend of context.backends.values()) {
      // A backend listed before keeps its list while it is stopped (idle, crashed): listing it again would only
      // start it. A changed list is fetched when the backend says so.
      if (unavailableReason(context, backend) !== undefined || this.#lists.has(backend.name)) continue;
      const cached = context.catalog.peek(backend.name);
      if (cached !== undefined) this.#lists.set(backend.name, cached);
      else pending.push(this.#fetch(backend.name).catch(() => {}));
    }
    // Only the first list waits for the backends; later ones answer with what is known (the rest is announced).
    if (pending.length > 0 && !this.#listed) {
      let timer: NodeJS.Timeout | undefined;
      const budget = new Promise<void>((resolve) => (timer = setTimeout(resolve, AGGREGATE_LIST_BUDGET_MS)));
      await Promise.race([Promise.allSettled(pending), budget]);
      clearTimeout(timer);
    }
    if (signal.aborted) throw signal.reason;
    this.#listed = true;
    return { tools: this.#rebuild() };
  }

  /** `tools/call` of an exposed name: use_tool's path for the backend and tool it names. */
  async call(
    name: string,
    args: unknown,
    options: Omit<UseToolOptions, "audience"> & { progressToken?: ProgressToken | undefined },
  ): Promise<CallToolResult | RawJson> {
    let item = this.#names.get(name);
    // A name not (yet) listed by this gateway, e.g. remembered by the client: the backends are listed first.
    if (item === undefined) {
      await this.list(options.signal);
      item = this.#names.get(name);
    }
    if (item === undefined) {
      throw new ProtocolError(
        ErrorCode.InvalidParams,
        `Unknown tool: ${name}; tools/list has the current names`,
      );
    }
    return useTool(
      this.#context,
      { backend_server: item.backend, server_tool: item.name, tool_arguments: args ?? {} },
      { ...options, audience: "aggregate" },
    );
  }

  dispose(): void {
    for (const subscription of this.#subscriptions.splice(0)) subscription.dispose();
    this.#connections.clear();
  }

  /**
   * The backend's tool list, kept as its latest; once the clients were answered, a list that arrives later (a
   * backend ready after the budget, a changed list) is announced with a list_changed.
   */
  async #fetch(backend: string): Promise<void> {
    const context = this.#context;
    const entry = context.backends.get(backend);
    if (entry === undefined) return;
    try {
      const list = await context.catalog.get(backend, undefined, timeoutOf(entry));
      if (this.#lists.get(backend) === list) return;
      this.#lists.set(backend, list);
      this.#changed();
    } catch (error) {
      context.logger.debug(`aggregate: ${backend} could not list its tools: ${String(error)}`);
      throw error;
    }
  }

  /** The tools of every listed backend, named anew (names are stable: the same tool keeps its name). */
  #rebuild(): Tool[] {
    const context = this.#context;
    const items: PrefixedItem[] = [];
    for (const backend of context.backends.values()) {
      const list = this.#lists.get(backend.name);
      if (list === undefined || unavailableReason(context, backend) !== undefined) continue;
      for (const tool of list.tools) {
        // Not offered: tools that need tasks, and tools blocked by their pins (their changed text stays out).
        if (needsTasks(tool) || list.blockedBecause(tool.name) !== undefined) continue;
        items.push({ backend: backend.name, name: tool.name });
      }
    }
    const names = exposedNames(items);
    const tools: Tool[] = [];
    for (const [exposed, item] of names) {
      const tool = this.#lists.get(item.backend)!.byName.get(item.name)!;
      tools.push({ ...tool, name: exposed });
    }
    this.#names = names;
    return tools;
  }

  /** Tell every client the list changed, once per burst of changes (only after it was answered once). */
  #changed(): void {
    if (!this.#listed || this.#notifyScheduled) return;
    this.#notifyScheduled = true;
    setImmediate(() => {
      this.#notifyScheduled = false;
      for (const connection of this.#connections) {
        connection.sendNotification(McpMethod.ToolsListChanged).catch((error: unknown) => {
          this.#context.logger.debug(`tools/list_changed not delivered: ${String(error)}`);
        });
      }
    });
  }
}
