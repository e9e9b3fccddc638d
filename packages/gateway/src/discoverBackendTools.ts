import { BackendErrorCode, isBackendError } from "@mcpware/backend-pool";
import { isObject } from "@mcpware/protocol";
import type { CallToolResult, Tool } from "@mcpware/protocol";
import { closestNames } from "./closestNames.js";
import { describeFailure, errorResult, formatSeconds } from "./describeFailure.js";
import type { GatewayContext } from "./gatewayContext.js";
import { findBackend, timeoutOf, unavailableReason } from "./gatewayContext.js";
import type { DiscoveredBackend, DiscoveredTool } from "./discoveryText.js";
import { plural, renderDetails, renderHits, renderOverview, summarize } from "./discoveryText.js";
import { DISCOVER_TOOL_NAME } from "./metaTools.js";
import type { ResolvedBackend } from "./resolveConfig.js";
import { NEEDS_TASKS_NOTE, needsTasks } from "./taskSupport.js";
import { OVERVIEW_TOKEN_BUDGET } from "./tokenBudget.js";
import { pinNote } from "./toolPins.js";
import type { ToolList } from "./toolCatalog.js";
import type { SearchedBackend, ToolHit } from "./toolSearch.js";
import { ToolSearch } from "./toolSearch.js";

export type { DiscoveredBackend, DiscoveredTool } from "./discoveryText.js";

/** Longest query accepted (characters): a few words are meant, not a document. */
const MAX_QUERY_LENGTH = 500;

/** What the model asked discover_backend_tools for. */
interface DiscoveryArguments {
  query?: string;
  backend?: string;
  toolNames?: string[];
}

/** The search index over every backend's tools, one per gateway. */
const searches = new WeakMap<GatewayContext, ToolSearch>();

/**
 * discover_backend_tools. With `query`: the best-matching tools of every backend (or of `backend_name`'s), as
 * ranked by {@link ToolSearch}. With `backend_name`: that backend's tools with full definitions (only
 * `tool_names` when given). Without arguments: an overview of every backend within
 * {@link OVERVIEW_TOKEN_BUDGET}. Every backend needed is queried in parallel, each bounded by its own timeout; a
 * failure is reported in that backend's entry. Arguments the model can fix give `isError` results. The answer
 * is one text, sent once (no `structuredContent`).
 *
 * @throws the signal's reason when the client cancels.
 */
export async function discoverBackendTools(
  context: GatewayContext,
  args: unknown,
  signal: AbortSignal,
): Promise<CallToolResult> {
  const parsed = parseArguments(args);
  if (isCallToolResult(parsed)) return parsed;
  let scope = [...context.backends.values()];
  if (parsed.backend !== undefined) {
    const backend = findBackend(context, parsed.backend);
    if (backend === undefined) return errorResult(unknownBackendMessage(context, parsed.backend));
    scope = [backend];
  }
  const query = parsed.query?.trim();
  if (query !== undefined && query !== "") return answerQuery(context, scope, query, signal);
  const emptyNote =
    query === undefined ? "" : "The query was empty: give a few words about the task. Meanwhile:\n\n";
  if (parsed.backend === undefined) {
    const backends = await describeBackends(context, undefined, signal);
    return textResult(emptyNote + (await renderOverview(backends, OVERVIEW_TOKEN_BUDGET)));
  }
  const [discovered] = await describeBackends(context, scope[0]!.name, signal);
  if (discovered!.error !== undefined) return errorResult(discovered!.error);
  if (parsed.toolNames === undefined) return textResult(emptyNote + renderDetails(discovered!));
  return pickTools(discovered!, parsed.toolNames);
}

/**
 * Every backend (or the one called `name`) as discovery sees it: with its tools' one-line descriptions, or,
 * for one backend, their full definitions. A backend that failed has its error and no tools.
 *
 * @throws an Error naming the valid backends when there is no backend `name`.
 */
export async function describeBackends(
  context: GatewayContext,
  name: string | undefined,
  signal: AbortSignal,
): Promise<DiscoveredBackend[]> {
  if (name === undefined) {
    return Promise.all(
      [...context.backends.values()].map((backend) => discoverOne(context, backend, false, signal)),
    );
  }
  const backend = findBackend(context, name);
  if (backend === undefined) throw new Error(unknownBackendMessage(context, name));
  return [await discoverOne(context, backend, true, signal)];
}

/** The asked-for tools of a backend described in full, and the names it does not have (with the closest). */
function pickTools(backend: DiscoveredBackend, names: readonly string[]): CallToolResult {
  const byName = new Map(backend.tools.map((tool) => [tool.name, tool]));
  const missing = names
    .filter((name) => !byName.has(name))
    .map((name) => ({ name, closest: closestNames(name, byName.keys()) }));
  const tools = [...new Set(names)].flatMap((name) => byName.get(name) ?? []);
  const text = renderDetails({ ...backend, tools }, missing);
  return tools.length === 0 ? errorResult(text) : textResult(text);
}

async function answerQuery(
  context: GatewayContext,
  scope: readonly ResolvedBackend[],
  query: string,
  signal: AbortSignal,
): Promise<CallToolResult> {
  const listed = await Promise.all(scope.map((backend) => listTools(context, backend, signal)));
  const searched: SearchedBackend[] = [];
  const failures: string[] = [];
  for (const [at, outcome] of listed.entries()) {
    const backend = scope[at]!;
    if (outcome.list === undefined) failures.push(outcome.error);
    else searched.push({ name: backend.name, description: backend.description, list: outcome.list });
  }
  let search = searches.get(context);
  if (search === undefined) searches.set(context, (search = new ToolSearch()));
  const hits = search.search(searched, query);
  if (hits.length === 0) {
    // The overview of where it searched: no backend outside `backend_name` is started for it.
    const backends = await Promise.all(scope.map((backend) => discoverOne(context, backend, false, signal)));
    const within = scope.length === 1 ? `"${scope[0]!.name}"` : plural(searched.length, "backend");
    const head =
      `No tool in ${within} matches "${query}". Try other words (what the tool does, or an argument's ` +
      "name), or read a backend's tools with backend_name.";
    return textResult(
      [head, ...failures.map((failure) => `not searched: ${failure}`), ""].join("\n") +
        (await renderOverview(backends, OVERVIEW_TOKEN_BUDGET)),
    );
  }
  const lists = new Map(searched.map((backend) => [backend.name, backend.list]));
  const oneLine = (hit: ToolHit): string => {
    const tool = describeTool(hit.tool, false, lists.get(hit.backend)!);
    return [tool.description, tool.note === undefined ? undefined : `(${tool.note})`]
      .filter((part) => part !== undefined && part !== "")
      .join(" ");
  };
  return textResult(renderHits(query, hits, oneLine, failures));
}

function textResult(text: string): CallToolResult {
  return { content: [{ type: "text", text }] };
}

function isCallToolResult(value: DiscoveryArguments | CallToolResult): value is CallToolResult {
  return "content" in value;
}

const USAGE =
  `${DISCOVER_TOOL_NAME} takes an object: {}, {"query": "<a few words>"}, {"backend_name": "<name>"} or ` +
  `{"backend_name": "<name>", "tool_names": ["<tool>", …]}.`;

/** What was asked for, or an error result saying what is wrong with the arguments. */
function parseArguments(args: unknown): DiscoveryArguments | CallToolResult {
  if (args === undefined || args === null) return {};
  if (typeof args !== "object" || Array.isArray(args)) return errorResult(USAGE);
  const {
    backend_name: name,
    backend_server: alias,
    query,
    tool_names: toolNames,
  } = args as Record<string, unknown>;
  for (const [key, value] of [
    ["backend_name", name],
    ["backend_server", alias],
    ["query", query],
  ] as const) {
    if (value !== undefined && value !== null && typeof value !== "string") {
      return errorResult(`${key} must be a string, got ${typeof value}. ${USAGE}`);
    }
  }
  if (typeof name === "string" && typeof alias === "string" && name !== alias) {
    return errorResult(`backend_name "${name}" and backend_server "${alias}" differ: give one of them.`);
  }
  const parsed: DiscoveryArguments = {};
  const backend = (name ?? alias ?? "") as string;
  if (backend !== "") parsed.backend = backend;
  if (typeof query === "string") {
    if (query.length > MAX_QUERY_LENGTH) {
      return errorResult(
        `query is ${query.length} characters long; give a few words (at most ${MAX_QUERY_LENGTH}).`,
      );
    }
    parsed.query = query;
  }
  if (toolNames !== undefined && toolNames !== null) {
    const names = typeof toolNames === "string" ? [toolNames] : toolNames;
    if (
      !Array.isArray(names) ||
      names.length === 0 ||
      names.some((item) => typeof item !== "string" || item === "")
    ) {
      return errorResult(`tool_names must be a list of tool names, like ["create_issue"]. ${USAGE}`);
    }
    if (parsed.backend === undefined) {
      return errorResult(
        `tool_names needs backend_name: the backend that has those tools (a query's answer names it). ${USAGE}`,
      );
    }
    if (parsed.query !== undefined && parsed.query.trim() !== "") {
      return errorResult(`give query or tool_names, not both. ${USAGE}`);
    }
    parsed.toolNames = names as string[];
  }
  return parsed;
}

/** The text for an unknown backend name: the valid names and the closest ones. */
export function unknownBackendMessage(context: GatewayContext, name: string): string {
  const names = [...context.backends.keys()];
  if (names.length === 0) return `there is no backend "${name}": no backends are configured.`;
  const closest = closestNames(name, names);
  const hint = closest.length > 0 ? ` Did you mean ${closest.map((item) => `"${item}"`).join(" or ")}?` : "";
  return `there is no backend "${name}".${hint} Valid backend names: ${names.join(", ")}.`;
}

/** A backend's tool list, or why it could not be had (reported to the model, and logged). */
async function listTools(
  context: GatewayContext,
  backend: ResolvedBackend,
  signal: AbortSignal,
): Promise<{ list: ToolList; error?: undefined } | { list?: undefined; error: string }> {
  const reason = unavailableReason(context, backend);
  if (reason !== undefined) return { error: reason };
  const cached = context.catalog.peek(backend.name);
  if (cached !== undefined) {
    // Warm: no timer and no linked signal per backend for a list already here.
    if (signal.aborted) throw signal.reason;
    return { list: cached };
  }
  const deadline = timeoutOf(backend);
  try {
    return { list: await context.catalog.get(backend.name, signal, deadline) };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    // The catalog's wait and the listing request share the deadline: whichever noticed it first, it is this.
    const message = isBackendError(error, BackendErrorCode.Timeout)
      ? `backend "${backend.name}" did not list its tools within ${formatSeconds(deadline)} s (state: ${stateOf(context, backend.name)}); ask again later.`
      : describeFailure(error, {
          backend: backend.name,
          timeoutMs: deadline,
          action: "listing its tools",
          purpose: "list its tools",
          redactor: context.redactor,
        });
    context.logger.warn(message);
    return { error: message };
  }
}

async function discoverOne(
  context: GatewayContext,
  backend: ResolvedBackend,
  full: boolean,
  signal: AbortSignal,
): Promise<DiscoveredBackend> {
  const base =
    backend.description === undefined
      ? { name: backend.name }
      : { name: backend.name, description: backend.description };
  const outcome = await listTools(context, backend, signal);
  const state =
    unavailableReason(context, backend) === undefined ? stateOf(context, backend.name) : "unavailable";
  const era = eraOf(context, backend.name);
  const known = era === undefined ? base : { ...base, era };
  if (outcome.list === undefined) return { ...known, state, error: outcome.error, tools: [] };
  return { ...known, state, tools: describeTools(outcome.list, full) };
}

function eraOf(context: GatewayContext, name: string): DiscoveredBackend["era"] {
  try {
    const info = context.pool.info(name);
    return info.era === undefined ? undefined : { era: info.era, protocolVersion: info.protocolVersion };
  } catch {
    return undefined;
  }
}

function stateOf(context: GatewayContext, name: string): string {
  try {
    return context.pool.info(name).state;
  } catch {
    return "unknown";
  }
}

/** The overview form of each cached list, built once per list (a list is replaced, never changed). */
const overviewTools = new WeakMap<ToolList, readonly DiscoveredTool[]>();

function describeTools(list: ToolList, full: boolean): DiscoveredTool[] {
  if (full) return list.tools.map((tool) => describeTool(tool, true, list));
  let tools = overviewTools.get(list);
  if (tools === undefined) {
    tools = list.tools.map((tool) => describeTool(tool, false, list));
    overviewTools.set(list, tools);
  }
  // A fresh array each time: the result is the caller's; the described tools are shared, never modified.
  return [...tools];
}

function describeTool(tool: Tool, full: boolean, list: ToolList): DiscoveredTool {
  // A blocked tool's changed text never reaches the model: its name and why it is blocked, nothing else.
  const blocked = list.blockedBecause(tool.name);
  if (blocked !== undefined) return { name: tool.name, note: `blocked: ${blocked}` };
  const described: DiscoveredTool = { name: tool.name };
  if (typeof tool.title === "string") described.title = tool.title;
  if (typeof tool.description === "string") {
    described.description = full ? tool.description : summarize(tool.description);
  }
  if (full) {
    if (isObject(tool.inputSchema)) described.inputSchema = tool.inputSchema;
    if (isObject(tool.outputSchema)) described.outputSchema = tool.outputSchema;
    if (isObject(tool.annotations)) described.annotations = tool.annotations;
  }
  if (needsTasks(tool)) described.note = NEEDS_TASKS_NOTE;
  const change = list.pinChanges.get(tool.name);
  if (change !== undefined) described.note = pinNote(change);
  return described;
}
