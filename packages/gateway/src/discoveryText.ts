import { isObject } from "@mcpware/protocol";
import type { Tool } from "@mcpware/protocol";
import { DISCOVER_TOOL_NAME, USE_TOOL_NAME } from "./metaTools.js";
import { countTokens, fitsTokenBudget } from "./tokenBudget.js";
import { argumentNames } from "./toolSearch.js";
import type { ToolHit } from "./toolSearch.js";

/** One tool as discovery reports it. */
export interface DiscoveredTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: Tool["inputSchema"];
  outputSchema?: Tool["outputSchema"];
  annotations?: Tool["annotations"];
  /** Why the tool cannot be called, or what changed in it. */
  note?: string;
}

/** One backend as discovery reports it. */
export interface DiscoveredBackend {
  name: string;
  description?: string;
  /** A pool state, or "unavailable" when the backend cannot run. */
  state: string;
  /** The MCP era its last start found (`modern`: 2026-07-28), with the protocol version it speaks. */
  era?: { era: "modern" | "legacy"; protocolVersion: string | undefined };
  error?: string;
  tools: DiscoveredTool[];
}

/** Tool names shown for each backend once the overview is summarised. */
const SUMMARY_TOOL_NAMES = 5;
/** Arguments shown in a search hit's signature; more are counted. */
const SIGNATURE_ARGUMENTS = 8;
/** Longest one-line description in the overview and in search hits (characters). */
export const MAX_SUMMARY_LENGTH = 160;

/** The cheap path, in the words every discovery answer ends with. */
const NEXT_STEP =
  `Input schemas: ${DISCOVER_TOOL_NAME} {"backend_name": "<backend>", "tool_names": ["<tool>"]}; ` +
  `then ${USE_TOOL_NAME}.`;

/** The first line of a description, cut to {@link MAX_SUMMARY_LENGTH}. */
export function summarize(description: string): string {
  const firstLine = description.trim().split(/\r?\n/, 1)[0] ?? "";
  return firstLine.length > MAX_SUMMARY_LENGTH ? `${firstLine.slice(0, MAX_SUMMARY_LENGTH - 1)}…` : firstLine;
}

/** A schema as one JSON line, without `$schema` (which says nothing to a model). */
export function compactSchema(schema: unknown): string {
  if (!isObject(schema) || !("$schema" in schema)) return JSON.stringify(schema ?? {});
  const { $schema: _dialect, ...rest } = schema;
  return JSON.stringify(rest);
}

/**
 * The no-argument overview, at most `budget` tokens: every backend with its tools' one-line descriptions when
 * that fits; else each backend summarised (description, tool count, its first tool names); else the first
 * summaries that fit and the others only named or counted.
 */
export async function renderOverview(
  backends: readonly DiscoveredBackend[],
  budget: number,
): Promise<string> {
  const toolCount = backends.reduce((sum, backend) => sum + backend.tools.length, 0);
  const head =
    `${plural(backends.length, "backend")}, ${plural(toolCount, "tool")}. Find tools for a task: ` +
    `${DISCOVER_TOOL_NAME} {"query": "<a few words>"}. ${NEXT_STEP}`;
  const full = [head, ...backends.map(fullBlock)].join("\n\n");
  // Counting tokens costs far more than building the text: a text once fitted is remembered.
  const key = `${budget}\n${full}`;
  const known = fittedOverviews.get(key);
  if (known !== undefined) return known;
  const fitted = await fitOverview(backends, budget, head, full);
  if (fittedOverviews.size >= MAX_FITTED_OVERVIEWS) {
    fittedOverviews.delete(fittedOverviews.keys().next().value as string);
  }
  fittedOverviews.set(key, fitted);
  return fitted;
}

/** Overviews already fitted to their budget, by budget and full text; the oldest go first past the cap. */
const fittedOverviews = new Map<string, string>();
const MAX_FITTED_OVERVIEWS = 16;

async function fitOverview(
  backends: readonly DiscoveredBackend[],
  budget: number,
  head: string,
  full: string,
): Promise<string> {
  if (await fitsTokenBudget(full, budget)) return full;
  const summaryHead = `${head}\nSummarised to fit ${budget} tokens: use query or backend_name for the tools.`;
  const blocks = backends.map(summaryBlock);
  const summarised = [summaryHead, ...blocks].join("\n\n");
  if (await fitsTokenBudget(summarised, budget)) return summarised;
  // Each block is counted alone, with room kept for the tail that names the rest; the joined text is checked.
  const tailRoom = Math.min(
    budget / 4,
    16 + (await countTokens(backends.map((backend) => backend.name).join(", "))),
  );
  let used = await countTokens(summaryHead);
  let shown = 0;
  for (const block of blocks) {
    const tokens = (await countTokens(block)) + 2;
    if (used + tokens + tailRoom > budget) break;
    used += tokens;
    shown += 1;
  }
  for (;;) {
    const text = [
      summaryHead,
      ...blocks.slice(0, shown),
      await namedRest(backends.slice(shown), budget - used),
    ].join("\n\n");
    if (shown === 0 || (await fitsTokenBudget(text, budget))) return text;
    shown -= 1;
    used -= (await countTokens(blocks[shown]!)) + 2;
  }
}

/** `N more backends: a, b, and K more.`: as many names as `room` tokens hold. */
async function namedRest(rest: readonly DiscoveredBackend[], room: number): Promise<string> {
  let left = room - 16;
  const named: string[] = [];
  for (const backend of rest) {
    const cost = (await countTokens(backend.name)) + 1;
    if (cost > left) break;
    left -= cost;
    named.push(backend.name);
  }
  const more = plural(rest.length, "more backend");
  if (named.length === 0) return `${more} not shown.`;
  const unnamed = rest.length - named.length;
  return `${more}: ${named.join(", ")}${unnamed > 0 ? `, and ${unnamed} more` : ""}.`;
}

function backendHeading(backend: DiscoveredBackend, extra = ""): string {
  const description = backend.description === undefined ? "" : `: ${backend.description}`;
  return `## ${backend.name} (${backend.state}${extra})${description}`;
}

function fullBlock(backend: DiscoveredBackend): string {
  const lines = [backendHeading(backend)];
  if (backend.error !== undefined) lines.push(`error: ${backend.error}`);
  else if (backend.tools.length === 0) lines.push("no tools");
  for (const tool of backend.tools) {
    const description = tool.description ? `: ${tool.description}` : "";
    lines.push(`- ${tool.name}${description}${tool.note === undefined ? "" : ` (${tool.note})`}`);
  }
  return lines.join("\n");
}

function summaryBlock(backend: DiscoveredBackend): string {
  if (backend.error !== undefined) return `${backendHeading(backend)}\nerror: ${backend.error}`;
  const names = backend.tools.slice(0, SUMMARY_TOOL_NAMES).map((tool) => tool.name);
  const more = backend.tools.length - names.length;
  const heading = backendHeading(backend, `, ${plural(backend.tools.length, "tool")}`);
  return names.length === 0 ? heading : `${heading}\n${names.join(", ")}${more > 0 ? `, … (+${more})` : ""}`;
}

/** One backend's tools with their full definitions; `missing` lists asked-for names it does not have. */
export function renderDetails(
  backend: DiscoveredBackend,
  missing: readonly { name: string; closest: readonly string[] }[] = [],
): string {
  const description = backend.description === undefined ? "" : `: ${backend.description}`;
  const lines = [
    `Backend "${backend.name}" (${backend.state})${description}`,
    `${plural(backend.tools.length, "tool")}. Call ${USE_TOOL_NAME} with backend_server "${backend.name}", ` +
      "server_tool and tool_arguments matching the input schema.",
  ];
  for (const { name, closest } of missing) {
    const hint =
      closest.length > 0 ? ` Did you mean ${closest.map((item) => `"${item}"`).join(" or ")}?` : "";
    lines.push(`No tool "${name}" in "${backend.name}".${hint}`);
  }
  for (const tool of backend.tools) {
    lines.push("", `### ${tool.name}${tool.title === undefined ? "" : ` (${tool.title})`}`);
    if (tool.description !== undefined) lines.push(tool.description);
    if (tool.note !== undefined) lines.push(`note: ${tool.note}`);
    if (tool.note?.startsWith("blocked:") === true) continue;
    lines.push(`input schema: ${compactSchema(tool.inputSchema)}`);
    if (tool.outputSchema !== undefined) lines.push(`output schema: ${compactSchema(tool.outputSchema)}`);
    if (tool.annotations !== undefined) lines.push(`annotations: ${JSON.stringify(tool.annotations)}`);
  }
  return lines.join("\n");
}

/** A tool as a search hit shows it: `name(arg, optional?, …)`. */
export function signature(tool: Tool): string {
  const names = argumentNames(tool);
  const required = new Set(
    isObject(tool.inputSchema) && Array.isArray(tool.inputSchema["required"])
      ? (tool.inputSchema["required"] as unknown[])
      : [],
  );
  const shown = names.slice(0, SIGNATURE_ARGUMENTS).map((name) => (required.has(name) ? name : `${name}?`));
  if (names.length > shown.length) shown.push(`… +${names.length - shown.length}`);
  return `${tool.name}(${shown.join(", ")})`;
}

/**
 * A query's answer: the hits best first as `backend: tool(args) - description`, the backends that could not be
 * searched, and the next step. `describe` gives a hit's one-line text (a blocked tool's is its note).
 */
export function renderHits(
  query: string,
  hits: readonly ToolHit[],
  describe: (hit: ToolHit) => string,
  failures: readonly string[],
): string {
  const lines = [`Best matches for "${query}" (backend: tool):`];
  for (const hit of hits) {
    const text = describe(hit);
    lines.push(`${hit.backend}: ${signature(hit.tool)}${text === "" ? "" : ` - ${text}`}`);
  }
  for (const failure of failures) lines.push(`not searched: ${failure}`);
  lines.push(NEXT_STEP);
  return lines.join("\n");
}

/** `1 backend`, `2 backends`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
