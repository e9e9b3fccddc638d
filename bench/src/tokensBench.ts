import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import type { BenchContext } from "./benchContext.js";
import { REQUEST_TIMEOUT_MS } from "./benchSession.js";
import { BACKEND_TIMEOUT_S } from "./gatewayConfig.js";
import { killLeftovers, listDescendantPids } from "./procfs.js";
import { RawReplies } from "./rawReplies.js";
import { SEARCH_PHRASINGS } from "./searchPhrasings.js";
import { RECORDED_SERVERS, type RecordedToolList, readToolList, toolListPath } from "./toolListFixtures.js";

/** The tokenizer every count uses: `gpt-tokenizer`'s o200k_base (the GPT-4o / o-series encoding). */
export const TOKENIZER = "gpt-tokenizer o200k_base";

/** The fixture MCP server that serves one recorded tool list (`bench/dist/recordedServer.js`). */
const RECORDED_SERVER_SCRIPT = fileURLToPath(new URL("./recordedServer.js", import.meta.url));

/** The tool the scripted path learns to call: its backend is always in the config (the first one). */
export const TARGET = {
  backend: "github",
  tool: "create_issue",
  query: "open a new GitHub issue",
  arguments: { owner: "octo", repo: "demo", title: "Token budget" },
} as const;

/** The config the search phrasings are asked in (backends): every recorded server once. */
const SEARCH_BACKENDS = RECORDED_SERVERS.length;

/** One part of what the model reads, with its tokens. */
export interface TokenPart {
  readonly label: string;
  readonly tokens: number;
}

/** One side of one configuration: the total and its parts. */
export interface TokenSide {
  readonly tokens: number;
  /** This side / direct exposure. */
  readonly ratio: number;
  readonly parts: readonly TokenPart[];
}

/** One configuration (a number of backends) on the three sides. */
export interface TokenConfig {
  readonly backends: number;
  readonly tools: number;
  readonly direct: TokenSide;
  readonly meta: TokenSide | null;
  readonly aggregate: TokenSide | null;
}

/** Item 9: tokens a model reads to learn the tool surface and make its first correct call. */
export interface TokensResult {
  readonly tokenizer: string;
  readonly target: { readonly backend: string; readonly tool: string };
  readonly fixtures: readonly { server: string; package: string; version: string; tools: number }[];
  readonly configs: readonly TokenConfig[];
  /** How well `query` ranks: {@link SEARCH_PHRASINGS} asked through a real gateway; null without one. */
  readonly search: SearchQuality | null;
}

/** Hit rates of discover_backend_tools `query` over the task phrasings. */
export interface SearchQuality {
  readonly backends: number;
  readonly phrasings: number;
  /** Share of phrasings whose tool is the first hit. */
  readonly hitAt1: number;
  /** Share whose tool is among the first three. */
  readonly hitAt3: number;
  /** The phrasings not ranked first: what came first instead. */
  readonly misses: readonly { phrase: string; wanted: string; first: string | null; rank: number | null }[];
}

/** A backend of a token config: a distinct name, the recorded server it serves. */
interface TokenBackend {
  readonly name: string;
  readonly server: string;
  readonly list: RecordedToolList;
}

/**
 * Runs item 9. For each backend count, the backends are the recorded servers in {@link RECORDED_SERVERS} order,
 * reused under distinct names (`github`, …, `github2`, …) past the ninth. Direct exposure is counted from the
 * recorded lists; the meta and aggregate sides from a real gateway serving them through
 * `recordedServer.js`, which the scripted path then calls once to prove the call is correct.
 */
export async function runTokensBench(context: BenchContext): Promise<TokensResult> {
  const lists = new Map<string, RecordedToolList>();
  for (const server of RECORDED_SERVERS) lists.set(server, await readToolList(server));
  const configs: TokenConfig[] = [];
  for (const count of context.plan.tokenBackendCounts) {
    const backends = backendsFor(count, lists);
    const allTools = backends.flatMap((backend) => backend.list.tools);
    const directTokens = countTokens(JSON.stringify(allTools));
    const direct: TokenSide = {
      tokens: directTokens,
      ratio: 1,
      parts: [{ label: "tools/list (every backend's tools)", tokens: directTokens }],
    };
    let meta: TokenSide | null = null;
    let aggregate: TokenSide | null = null;
    if (context.gatewayAvailable) {
      context.log(`tokens: ${count} backends, meta mode`);
      meta = withRatio(await measureMeta(context, backends), directTokens);
      context.log(`tokens: ${count} backends, aggregate mode`);
      aggregate = withRatio(await measureAggregate(context, backends), directTokens);
    }
    configs.push({ backends: count, tools: allTools.length, direct, meta, aggregate });
  }
  let search: SearchQuality | null = null;
  if (context.gatewayAvailable) {
    context.log(`tokens: search quality, ${SEARCH_PHRASINGS.length} phrasings`);
    search = await measureSearch(context, backendsFor(SEARCH_BACKENDS, lists));
  }
  return {
    tokenizer: TOKENIZER,
    target: { backend: TARGET.backend, tool: TARGET.tool },
    fixtures: RECORDED_SERVERS.map((server) => {
      const list = lists.get(server) as RecordedToolList;
      return { server, package: list.package, version: list.version, tools: list.tools.length };
    }),
    configs,
    search,
  };
}

function backendsFor(count: number, lists: ReadonlyMap<string, RecordedToolList>): TokenBackend[] {
  return Array.from({ length: count }, (_, index) => {
    const server = RECORDED_SERVERS[index % RECORDED_SERVERS.length] as string;
    const copy = Math.floor(index / RECORDED_SERVERS.length) + 1;
    return {
      name: copy === 1 ? server : `${server}${copy}`,
      server,
      list: lists.get(server) as RecordedToolList,
    };
  });
}

function withRatio(parts: TokenPart[], directTokens: number): TokenSide {
  const tokens = parts.reduce((sum, part) => sum + part.tokens, 0);
  return { tokens, ratio: tokens / directTokens, parts };
}

/** The text a tool result puts before the model: every text content item and the `structuredContent` JSON. */
function resultText(raw: Record<string, unknown>): string {
  const content = Array.isArray(raw["content"])
    ? (raw["content"] as { type?: unknown; text?: unknown }[])
    : [];
  const texts = content.flatMap((item) => (typeof item.text === "string" ? [item.text] : []));
  if (raw["structuredContent"] !== undefined) texts.push(JSON.stringify(raw["structuredContent"]));
  return texts.join("\n");
}

/**
 * The meta path the instructions teach: tools/list + instructions + a query + the found tool's schema
 * (`backend_name` with `tool_names`); use_tool is called to prove the path works, and its reply not counted.
 */
async function measureMeta(context: BenchContext, backends: readonly TokenBackend[]): Promise<TokenPart[]> {
  return withGateway(context, backends, "meta", async (client, replies) => {
    const parts = await surface(client, replies, "meta");
    const steps = [
      { label: `discover_backend_tools {query: "${TARGET.query}"}`, arguments: { query: TARGET.query } },
      {
        label: `discover_backend_tools {backend_name: "${TARGET.backend}", tool_names: ["${TARGET.tool}"]}`,
        arguments: { backend_name: TARGET.backend, tool_names: [TARGET.tool] },
      },
    ];
    for (const step of steps) {
      const reply = await replies.of(() =>
        client.callTool({ name: "discover_backend_tools", arguments: step.arguments }, undefined, {
          timeout: REQUEST_TIMEOUT_MS,
        }),
      );
      expectSuccess(reply.raw, step.label, TARGET.tool);
      parts.push({ label: step.label, tokens: countTokens(resultText(reply.raw)) });
    }
    const call = await replies.of(() =>
      client.callTool(
        {
          name: "use_tool",
          arguments: {
            backend_server: TARGET.backend,
            server_tool: TARGET.tool,
            tool_arguments: TARGET.arguments,
          },
        },
        undefined,
        { timeout: REQUEST_TIMEOUT_MS },
      ),
    );
    expectSuccess(call.raw, "use_tool", `called ${TARGET.tool}`);
    return parts;
  });
}

/** Asks every phrasing as a query and finds the wanted tool's rank in the answer (`backend: tool(…)` lines). */
async function measureSearch(
  context: BenchContext,
  backends: readonly TokenBackend[],
): Promise<SearchQuality> {
  const serverOf = new Map(backends.map((backend) => [backend.name, backend.server]));
  return withGateway(context, backends, "meta", async (client, replies) => {
    let first = 0;
    let topThree = 0;
    const misses: SearchQuality["misses"][number][] = [];
    for (const { phrase, server, tool } of SEARCH_PHRASINGS) {
      const reply = await replies.of(() =>
        client.callTool({ name: "discover_backend_tools", arguments: { query: phrase } }, undefined, {
          timeout: REQUEST_TIMEOUT_MS,
        }),
      );
      // Each hit is a line `backend: tool(arguments) - description`, best first.
      const hits = resultText(reply.raw)
        .split("\n")
        .flatMap((line) => {
          const match = /^([^\s:]+): ([^\s(]+)\(/.exec(line);
          return match === null ? [] : [`${serverOf.get(match[1]!)}/${match[2]}`];
        });
      const rank = hits.indexOf(`${server}/${tool}`);
      if (rank === 0) first += 1;
      else
        misses.push({
          phrase,
          wanted: `${server}/${tool}`,
          first: hits[0] ?? null,
          rank: rank < 0 ? null : rank + 1,
        });
      if (rank >= 0 && rank < 3) topThree += 1;
    }
    const count = SEARCH_PHRASINGS.length;
    return {
      backends: backends.length,
      phrasings: count,
      hitAt1: first / count,
      hitAt3: topThree / count,
      misses,
    };
  });
}

/** The aggregate path: tools/list + instructions; the call itself is checked but not counted. */
async function measureAggregate(
  context: BenchContext,
  backends: readonly TokenBackend[],
): Promise<TokenPart[]> {
  return withGateway(context, backends, "aggregate", async (client, replies) => {
    const parts = await surface(client, replies, "aggregate");
    const call = await replies.of(() =>
      client.callTool({ name: `${TARGET.backend}__${TARGET.tool}`, arguments: TARGET.arguments }, undefined, {
        timeout: REQUEST_TIMEOUT_MS,
      }),
    );
    expectSuccess(call.raw, `${TARGET.backend}__${TARGET.tool}`, `called ${TARGET.tool}`);
    return parts;
  });
}

/** What the gateway shows before any call: its `tools/list` (every page) and its initialize `instructions`. */
async function surface(client: Client, replies: RawReplies, mode: string): Promise<TokenPart[]> {
  const tools: unknown[] = [];
  let cursor: string | undefined;
  do {
    const params = cursor === undefined ? undefined : { cursor };
    const page = await replies.of(() => client.listTools(params, { timeout: REQUEST_TIMEOUT_MS }));
    const raw = page.raw["tools"];
    if (!Array.isArray(raw)) throw new Error(`${mode}: tools/list reply has no tools array`);
    tools.push(...(raw as unknown[]));
    cursor = page.parsed.nextCursor;
  } while (cursor !== undefined);
  return [
    { label: `tools/list (${tools.length} tools)`, tokens: countTokens(JSON.stringify(tools)) },
    { label: "initialize instructions", tokens: countTokens(client.getInstructions() ?? "") },
  ];
}

function expectSuccess(raw: Record<string, unknown>, what: string, mustContain: string): void {
  const text = JSON.stringify(raw);
  if (raw["isError"] === true || !text.includes(mustContain)) {
    throw new Error(`${what}: unexpected result ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`);
  }
}

/** Spawns the gateway with `"pinning": "off"` in `mode` in front of `backends`, runs `use`, closes it all. */
async function withGateway<T>(
  context: BenchContext,
  backends: readonly TokenBackend[],
  mode: "meta" | "aggregate",
  use: (client: Client, replies: RawReplies) => Promise<T>,
): Promise<T> {
  const { environment } = context;
  const configPath = await writeTokenConfig(environment.workDir, backends, mode);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...environment.gatewayNodeArgs, environment.gatewayBin, "--config", configPath],
    env: getDefaultEnvironment(),
    stderr: "pipe",
  });
  let stderrTail = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString("utf8")).slice(-4000);
  });
  const client = new Client({ name: "mcpware-bench", version: "0.0.0" }, { capabilities: {} });
  let descendants: number[] = [];
  try {
    await client.connect(transport, { timeout: REQUEST_TIMEOUT_MS });
    const replies = RawReplies.attach(transport);
    const result = await use(client, replies);
    return result;
  } catch (error) {
    throw new Error(
      `${mode}, ${backends.length} backends: ${(error as Error).message}; stderr: ${stderrTail.trim()}`,
      {
        cause: error,
      },
    );
  } finally {
    if (transport.pid !== null) descendants = listDescendantPids(transport.pid);
    await client.close().catch(() => undefined);
    const leftovers = await killLeftovers(descendants, 10_000);
    if (leftovers.length > 0) {
      context.warn(
        `tokens (${mode}): ${leftovers.length} backend process(es) left after close (killed by the bench)`,
      );
    }
  }
}

/** Writes the gateway config of a token measurement and returns its path (a temp folder: absolute paths). */
async function writeTokenConfig(
  directory: string,
  backends: readonly TokenBackend[],
  mode: "meta" | "aggregate",
): Promise<string> {
  const entries: Record<string, unknown> = {};
  for (const backend of backends) {
    entries[backend.name] = {
      command: process.execPath,
      args: [RECORDED_SERVER_SCRIPT, toolListPath(backend.server)],
      env: {},
      timeout: BACKEND_TIMEOUT_S,
    };
  }
  const path = join(directory, `gateway-tokens-${backends.length}-${mode}.json`);
  await writeFile(path, `${JSON.stringify({ mode, pinning: "off", backends: entries }, null, 2)}\n`);
  return path;
}
