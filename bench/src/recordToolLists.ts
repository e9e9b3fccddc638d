/**
 * Records the `tools` array of real MCP servers' `tools/list` replies into `bench/fixtures/tool-lists/<server>.json`
 * (run once, by hand, after a build: `node bench/dist/recordToolLists.js [server …]`). Servers installed at the
 * checkout root are run from there; the others are installed at an exact version into a temp folder with
 * `npm install --no-save --prefix <tmp>`. Each is started over stdio with the official SDK client (dummy
 * credentials in its environment, nothing reached over the network to list tools), and the reply's `tools` is
 * stored exactly as the server sent it (taken from the raw JSON-RPC message, before the SDK parses it).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as prettier from "prettier";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { readPackageVersion, REPO_ROOT } from "./benchPaths.js";
import { RawReplies } from "./rawReplies.js";
import { type RecordedToolList, TOOL_LISTS_DIR } from "./toolListFixtures.js";

/** One server to record. `version` undefined: the one installed at the checkout root. */
interface ServerToRecord {
  /** The fixture's file name (without `.json`) and the backend name the bench gives it. */
  readonly server: string;
  readonly packageName: string;
  readonly version: string | undefined;
  /** Arguments after the entry script; `{dir}` is a temp folder. */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

const SERVERS: readonly ServerToRecord[] = [
  {
    server: "everything",
    packageName: "@modelcontextprotocol/server-everything",
    version: undefined,
    args: ["stdio"],
    env: {},
  },
  {
    server: "memory",
    packageName: "@modelcontextprotocol/server-memory",
    version: undefined,
    args: [],
    env: { MEMORY_FILE_PATH: "{dir}/memory.jsonl" },
  },
  {
    server: "filesystem",
    packageName: "@modelcontextprotocol/server-filesystem",
    version: undefined,
    args: ["{dir}"],
    env: {},
  },
  {
    server: "github",
    packageName: "@modelcontextprotocol/server-github",
    version: "2025.4.8",
    args: [],
    env: { GITHUB_PERSONAL_ACCESS_TOKEN: "x" },
  },
  {
    server: "postgres",
    packageName: "@modelcontextprotocol/server-postgres",
    version: "0.6.2",
    args: ["postgresql://user:password@127.0.0.1:1/none"],
    env: {},
  },
  {
    server: "brave-search",
    packageName: "@modelcontextprotocol/server-brave-search",
    version: "0.6.2",
    args: [],
    env: { BRAVE_API_KEY: "x" },
  },
  {
    server: "slack",
    packageName: "@modelcontextprotocol/server-slack",
    version: "2025.4.25",
    args: [],
    env: { SLACK_BOT_TOKEN: "x", SLACK_TEAM_ID: "x" },
  },
  {
    server: "gdrive",
    packageName: "@modelcontextprotocol/server-gdrive",
    version: "2025.1.14",
    args: [],
    env: {
      GDRIVE_CREDENTIALS_PATH: "{dir}/credentials.json",
      GDRIVE_OAUTH_PATH: "{dir}/oauth.json",
    },
  },
  {
    server: "sequential-thinking",
    packageName: "@modelcontextprotocol/server-sequential-thinking",
    version: "2026.8.31",
    args: [],
    env: {},
  },
];

const LIST_TIMEOUT_MS = 30_000;

async function main(argv: readonly string[]): Promise<number> {
  const wanted = argv.length === 0 ? SERVERS : SERVERS.filter((entry) => argv.includes(entry.server));
  await mkdir(TOOL_LISTS_DIR, { recursive: true });
  let failures = 0;
  for (const entry of wanted) {
    const dir = await mkdtemp(join(tmpdir(), `mcpware-record-${entry.server}-`));
    try {
      const recorded = await record(entry, dir);
      const path = join(TOOL_LISTS_DIR, `${entry.server}.json`);
      // Formatted as the checkout's prettier would (the data is the reply's, key order and all).
      const options = (await prettier.resolveConfig(path)) ?? {};
      await writeFile(path, await prettier.format(JSON.stringify(recorded), { ...options, parser: "json" }));
      process.stderr.write(
        `${entry.server}: ${recorded.tools.length} tools (${recorded.package}@${recorded.version})\n`,
      );
    } catch (error) {
      failures++;
      process.stderr.write(`${entry.server}: skipped: ${(error as Error).message}\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return failures === 0 ? 0 : 1;
}

async function record(entry: ServerToRecord, dir: string): Promise<RecordedToolList> {
  const { entryScript, version } = installed(entry, dir);
  // gdrive reads an OAuth token from this file before it serves; a dummy one lets it list its tools.
  await writeFile(join(dir, "credentials.json"), JSON.stringify({ access_token: "x", token_type: "Bearer" }));
  const fill = (value: string): string => value.replaceAll("{dir}", dir);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [entryScript, ...entry.args.map(fill)],
    env: {
      ...getDefaultEnvironment(),
      ...Object.fromEntries(Object.entries(entry.env).map(([k, v]) => [k, fill(v)])),
    },
    cwd: dir,
    stderr: "pipe",
  });
  let stderrTail = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString("utf8")).slice(-2000);
  });
  const client = new Client({ name: "mcpware-bench-recorder", version: "0.0.0" }, { capabilities: {} });
  try {
    await client.connect(transport, { timeout: LIST_TIMEOUT_MS });
    const replies = RawReplies.attach(transport);
    const tools: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    do {
      const params = cursor === undefined ? undefined : { cursor };
      const page = await replies.of(() => client.listTools(params, { timeout: LIST_TIMEOUT_MS }));
      const raw = page.raw["tools"];
      if (!Array.isArray(raw)) throw new Error("the tools/list reply has no tools array");
      tools.push(...(raw as Record<string, unknown>[]));
      cursor = page.parsed.nextCursor;
    } while (cursor !== undefined);
    return { package: entry.packageName, version, tools };
  } catch (error) {
    throw new Error(`${(error as Error).message}; stderr: ${stderrTail.trim().slice(-500)}`, {
      cause: error,
    });
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Where the package's entry script is and its exact version; installs it into `dir` when not at the root. */
function installed(entry: ServerToRecord, dir: string): { entryScript: string; version: string } {
  let manifestPath: string;
  if (entry.version === undefined) {
    const version = readPackageVersion(entry.packageName);
    if (version === undefined) throw new Error(`${entry.packageName} is not installed at the checkout root`);
    manifestPath = join(REPO_ROOT, "node_modules", ...entry.packageName.split("/"), "package.json");
  } else {
    execFileSync(
      "npm",
      [
        "install",
        "--no-save",
        "--no-audit",
        "--no-fund",
        "--prefix",
        dir,
        `${entry.packageName}@${entry.version}`,
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    manifestPath = join(dir, "node_modules", ...entry.packageName.split("/"), "package.json");
  }
  if (!existsSync(manifestPath)) throw new Error(`no ${manifestPath}`);
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
    version: string;
    bin?: string | Record<string, string>;
  };
  const bin = typeof manifest.bin === "string" ? manifest.bin : Object.values(manifest.bin ?? {})[0];
  if (bin === undefined) throw new Error(`${entry.packageName} has no bin`);
  if (entry.version !== undefined && manifest.version !== entry.version) {
    throw new Error(`installed ${manifest.version}, expected ${entry.version}`);
  }
  const entryScript =
    entry.server === "everything"
      ? join(dirname(manifestPath), "dist", "index.js")
      : join(dirname(manifestPath), bin);
  return { entryScript, version: manifest.version };
}

process.exitCode = await main(process.argv.slice(2));
