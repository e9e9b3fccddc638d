import { BackendErrorCode, isBackendError } from "@mcpware/backend-pool";
import { isObject } from "@mcpware/protocol";
import type { CallToolResult, Tool } from "@mcpware/protocol";
import { closestNames } from "./closestNames.js";
import { describeFailure, errorResult, formatSeconds } from "./describeFailure.js";
import type { GatewayContext } from "./gatewayContext.js";
import { findBackend, timeoutOf, unavailableReason } from "./gatewayContext.js";
import { DISCOVER_TOOL_NAME, USE_TOOL_NAME } from "./metaTools.js";
import type { ResolvedBackend } from "./resolveConfig.js";
import { NEEDS_TASKS_NOTE, needsTasks } from "./taskSupport.js";
import { pinNote } from "./toolPins.js";
import type { ToolList } from "./toolCatalog.js";

/** Longest tool description in the overview (characters); the full text comes with a backend's details. */
const MAX_SUMMARY_LENGTH = 200;

/** One tool as discovery reports it. */
export interface DiscoveredTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: Tool["inputSchema"];
  outputSchema?: Tool["outputSchema"];
  annotations?: Tool["annotations"];
  /** Why the tool cannot be called, when it cannot (it runs only as a task). */
  note?: string;
}

/** One backend as discovery reports it (the `structuredContent` items of discover_backend_tools). */
export interface DiscoveredBackend {
  name: string;
  description?: string;
  /** A pool state, or "unavailable" when the backend cannot run. */
  state: string;
  error?: string;
  tools: DiscoveredTool[];
}

/**
 * discover_backend_tools: without a name, every backend queried in parallel (each bounded by its own
 * timeout; a failure is reported in that backend's entry); with a name, that backend's tools with full
 * schemas, or an `isError` result saying what went wrong. Arguments the model can fix give `isError` results.
 *
 * @throws the signal's reason when the client cancels.
 */
export async function discoverBackendTools(
  context: GatewayContext,
  args: unknown,
  signal: AbortSignal,
): Promise<CallToolResult> {
  const parsed = parseArguments(args);
  if (typeof parsed === "object") return parsed;
  if (parsed === undefined) {
    const backends = await Promise.all(
      [...context.backends.values()].map((backend) => discoverOne(context, backend, false, signal)),
    );
    return { content: [{ type: "text", text: renderOverview(backends) }], structuredContent: { backends } };
  }
  const backend = findBackend(context, parsed);
  if (backend === undefined) return errorResult(unknownBackendMessage(context, parsed));
  const discovered = await discoverOne(context, backend, true, signal);
  if (discovered.error !== undefined) return errorResult(discovered.error);
  return {
    content: [{ type: "text", text: renderDetails(discovered) }],
    structuredContent: { backends: [discovered] },
  };
}

/** The backend name asked for, `undefined` for all, or an error result. */
function parseArguments(args: unknown): string | undefined | CallToolResult {
  if (args === undefined || args === null) return undefined;
  if (typeof args !== "object" || Array.isArray(args)) {
    return errorResult(`${DISCOVER_TOOL_NAME} takes an object: {} or {"backend_name": "<name>"}.`);
  }
  const { backend_name: name, backend_server: alias } = args as Record<string, unknown>;
  for (const [key, value] of [
    ["backend_name", name],
    ["backend_server", alias],
  ] as const) {
    if (value !== undefined && value !== null && typeof value !== "string") {
      return errorResult(`${key} must be a string (a backend name), got ${typeof value}.`);
    }
  }
  const wanted = (name ?? alias ?? "") as string;
  if (typeof name === "string" && typeof alias === "string" && name !== alias) {
    return errorResult(`backend_name "${name}" and backend_server "${alias}" differ: give one of them.`);
  }
  return wanted === "" ? undefined : wanted;
}

/** The text for an unknown backend name: the valid names and the closest ones. */
export function unknownBackendMessage(context: GatewayContext, name: string): string {
  const names = [...context.backends.keys()];
  if (names.length === 0) return `there is no backend "${name}": no backends are configured.`;
  const closest = closestNames(name, names);
  const hint = closest.length > 0 ? ` Did you mean ${closest.map((item) => `"${item}"`).join(" or ")}?` : "";
  return `there is no backend "${name}".${hint} Valid backend names: ${names.join(", ")}.`;
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
  const reason = unavailableReason(context, backend);
  if (reason !== undefined) return { ...base, state: "unavailable", error: reason, tools: [] };
  const cached = context.catalog.peek(backend.name);
  if (cached !== undefined) {
    // Warm: no timer and no linked signal per backend for a list already here.
    if (signal.aborted) throw signal.reason;
    return { ...base, state: stateOf(context, backend.name), tools: describeTools(cached, full) };
  }
  const deadline = timeoutOf(backend);
  try {
    const list = await context.catalog.get(backend.name, signal, deadline);
    return {
      ...base,
      state: stateOf(context, backend.name),
      tools: describeTools(list, full),
    };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const state = stateOf(context, backend.name);
    // The catalog's wait and the listing request share the deadline: whichever noticed it first, it is this.
    const message = isBackendError(error, BackendErrorCode.Timeout)
      ? `backend "${backend.name}" did not list its tools within ${formatSeconds(deadline)} s (state: ${state}); ask again later.`
      : describeFailure(error, {
          backend: backend.name,
          timeoutMs: deadline,
          action: "listing its tools",
          purpose: "list its tools",
          redactor: context.redactor,
        });
    context.logger.warn(message);
    return { ...base, state, error: message, tools: [] };
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

function summarize(description: string): string {
  const firstLine = description.trim().split(/\r?\n/, 1)[0] ?? "";
  return firstLine.length > MAX_SUMMARY_LENGTH ? `${firstLine.slice(0, MAX_SUMMARY_LENGTH - 1)}…` : firstLine;
}

function renderOverview(backends: readonly DiscoveredBackend[]): string {
  const lines = [
    `${backends.length} backend${backends.length === 1 ? "" : "s"}. Call ${DISCOVER_TOOL_NAME} with backend_name ` +
      `for a backend's full tool schemas, then ${USE_TOOL_NAME} to call a tool.`,
  ];
  for (const backend of backends) {
    lines.push(
      "",
      `## ${backend.name} (${backend.state})${backend.description === undefined ? "" : `: ${backend.description}`}`,
    );
    if (backend.error !== undefined) lines.push(`error: ${backend.error}`);
    else if (backend.tools.length === 0) lines.push("no tools");
    for (const tool of backend.tools)
      lines.push(
        `- ${tool.name}${tool.description ? `: ${tool.description}` : ""}${tool.note === undefined ? "" : ` (${tool.note})`}`,
      );
  }
  return lines.join("\n");
}

function renderDetails(backend: DiscoveredBackend): string {
  const lines = [
    `Backend "${backend.name}" (${backend.state})${backend.description === undefined ? "" : `: ${backend.description}`}`,
    `${backend.tools.length} tool${backend.tools.length === 1 ? "" : "s"}. Call ${USE_TOOL_NAME} with ` +
      `backend_server "${backend.name}", server_tool set to a name below and tool_arguments matching its input schema.`,
  ];
  for (const tool of backend.tools) {
    lines.push("", `### ${tool.name}${tool.title === undefined ? "" : ` (${tool.title})`}`);
    if (tool.description !== undefined) lines.push(tool.description);
    if (tool.note !== undefined) lines.push(`note: ${tool.note}`);
    lines.push(`input schema: ${JSON.stringify(tool.inputSchema ?? {})}`);
    if (tool.outputSchema !== undefined) lines.push(`output schema: ${JSON.stringify(tool.outputSchema)}`);
    if (tool.annotations !== undefined) lines.push(`annotations: ${JSON.stringify(tool.annotations)}`);
  }
  return lines.join("\n");
}
