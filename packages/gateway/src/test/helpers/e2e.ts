import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { ClientCapabilities } from "@modelcontextprotocol/sdk/types.js";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The checkout root, from this file's place in `packages/gateway/dist/test/helpers/`. */
export const REPO_ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));
/** The built gateway binary. */
export const BIN = fileURLToPath(new URL("../../bin.js", import.meta.url));
/** The fixture server (built). */
export const TEST_SERVER = fileURLToPath(new URL("../fixtures/testServer.js", import.meta.url));
/** The SDK-based fixture for what is relayed besides tool calls (built). */
export const RELAY_SERVER = fileURLToPath(new URL("../fixtures/relayServer.js", import.meta.url));
/**
 * A dual-era MCP server on the official SDK v2 (the backend pool's fixture, built): `echo`, `greet` (asks for a
 * name through input_required), `add_tool`. Its first argument is a file it appends every line it reads to.
 */
export const MODERN_SERVER = path.join(
  REPO_ROOT,
  "packages",
  "backend-pool",
  "dist",
  "test",
  "fixtures",
  "modernServer.js",
);
export const EVERYTHING_BIN = path.join(REPO_ROOT, "node_modules", ".bin", "mcp-server-everything");
export const MEMORY_BIN = path.join(REPO_ROOT, "node_modules", ".bin", "mcp-server-memory");
export const FILESYSTEM_BIN = path.join(REPO_ROOT, "node_modules", ".bin", "mcp-server-filesystem");

/**
 * The state folder of every gateway a test starts (pins, process groups): one per test run, removed when the
 * run ends, so tests never write into the user's own state folder.
 */
export const TEST_STATE_DIR = mkdtempSync(path.join(tmpdir(), "mcpware-state-"));
process.once("exit", () => rmSync(TEST_STATE_DIR, { recursive: true, force: true }));

/** The environment given to the gateway: enough to run node and the npm bins, nothing else. */
export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { MCPWARE_STATE_DIR: TEST_STATE_DIR };
  for (const name of ["PATH", "HOME", "LANG", "TMPDIR", "XDG_CACHE_HOME"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

/** Backend entries (keyed form) for the real npm servers and the fixture. */
export const backends = {
  everything: (description = "the MCP test server") => ({
    command: EVERYTHING_BIN,
    args: ["stdio"],
    description,
  }),
  memory: (file: string) => ({
    command: MEMORY_BIN,
    description: "a knowledge graph",
    env: { MEMORY_FILE_PATH: file },
  }),
  filesystem: (folder: string) => ({ command: FILESYSTEM_BIN, args: [folder], description: "files" }),
  relay: (name: string, extra: Record<string, unknown> = {}) => ({
    command: process.execPath,
    args: [RELAY_SERVER, "--name", name],
    description: "the relay fixture",
    ...extra,
  }),
  modern: (recordFile: string) => ({
    command: process.execPath,
    args: [MODERN_SERVER, recordFile],
    description: "a 2026-07-28 server",
  }),
  fixture: (args: string[] = [], extra: Record<string, unknown> = {}) => ({
    command: process.execPath,
    args: [TEST_SERVER, ...args],
    description: "the fixture server",
    ...extra,
  }),
};

export class TempDir {
  private constructor(readonly path: string) {}
  static async create(): Promise<TempDir> {
    return new TempDir(await mkdtemp(path.join(tmpdir(), "mcpware-e2e-")));
  }
  file(name: string): string {
    return path.join(this.path, name);
  }
  async writeJson(name: string, value: unknown): Promise<string> {
    const file = this.file(name);
    await writeFile(file, typeof value === "string" ? value : JSON.stringify(value, null, 2));
    return file;
  }
  async dispose(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }
}

/** A connected SDK client on a gateway child process. */
export interface Session {
  client: Client;
  transport: StdioClientTransport;
  pid: number;
  stderr(): string;
  close(): Promise<void>;
}

/** Starts the built gateway on `configFile` and connects the official SDK client to it over stdio. */
export interface ConnectOptions {
  env?: Record<string, string>;
  args?: string[];
  cwd?: string;
  /** What the client declares in `initialize`; default none. */
  capabilities?: ClientCapabilities;
  /** Registers the client's handlers before it connects. */
  setup?: (client: Client) => void;
}

export async function connect(configFile: string, options: ConnectOptions = {}): Promise<Session> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, "--config", configFile, ...(options.args ?? [])],
    env: baseEnv(options.env),
    stderr: "pipe",
    cwd: options.cwd ?? REPO_ROOT,
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const client = new Client(
    { name: "mcpware-e2e", version: "1.0.0" },
    options.capabilities === undefined ? undefined : { capabilities: options.capabilities },
  );
  options.setup?.(client);
  await client.connect(transport);
  const pid = transport.pid;
  if (pid === null) throw new Error("the gateway has no pid");
  let closed: Promise<void> | undefined;
  return {
    client,
    transport,
    pid,
    stderr: () => stderr,
    close: () => (closed ??= client.close()),
  };
}

/** A finished command line: its exit status and both streams. */
export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

const execFileAsync = promisify(execFile);

/**
 * Runs the built mcpware CLI (or `program`, given its whole argv) and resolves with its status and both streams;
 * never rejects on a non-zero status. `env` is added to {@link baseEnv}; `fullEnv` replaces it.
 */
export async function runCli(
  args: string[],
  options: {
    env?: Record<string, string>;
    fullEnv?: Record<string, string>;
    cwd?: string;
    program?: string;
  } = {},
): Promise<CliOutcome> {
  const program = options.program ?? process.execPath;
  const argv = options.program === undefined ? [BIN, ...args] : args;
  try {
    const { stdout, stderr } = await execFileAsync(program, argv, {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.fullEnv ?? baseEnv(options.env),
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The text of a tool result's text blocks, joined. */
export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((block) => (block.type === "text" ? (block.text ?? "") : "")).join("\n");
}

/** One backend of discover_backend_tools' overview, read back from its text. */
export interface OverviewEntry {
  name: string;
  state: string;
  error?: string;
  /** Tool names, from the `- name: description` lines. */
  tools: string[];
}

/** Reads the backends of a full (not summarised) overview text: `## name (state): …` blocks. */
export function parseOverview(text: string): OverviewEntry[] {
  return text
    .split(/^## /m)
    .slice(1)
    .map((block) => {
      const [heading = "", ...lines] = block.split("\n");
      const match = /^(\S+) \(([^),]*)/.exec(heading);
      if (match === null) throw new Error(`not an overview heading: ${heading}`);
      const entry: OverviewEntry = { name: match[1]!, state: match[2]!, tools: [] };
      for (const line of lines) {
        if (line.startsWith("error: ")) entry.error = line.slice("error: ".length);
        else if (line.startsWith("- ")) entry.tools.push(/^- ([^:\s]+)/.exec(line)![1]!);
      }
      return entry;
    });
}

interface ProcessEntry {
  pid: number;
  ppid: number;
  state: string;
}

async function readProcessTable(): Promise<ProcessEntry[]> {
  const entries: ProcessEntry[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      entries.push({ pid: Number(name), state: fields[0]!, ppid: Number(fields[1]) });
    } catch {
      // exited while we looked
    }
  }
  return entries;
}

/** Every live descendant of `pid` (children, grandchildren, …), from /proc. */
export async function descendantsOf(pid: number): Promise<number[]> {
  const table = await readProcessTable();
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = table
      .filter((entry) => frontier.includes(entry.ppid) && entry.state !== "Z")
      .map((entry) => entry.pid);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/** Whether a process is running (exists and is not a zombie). */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Polls until none of `pids` is alive or the deadline passes; returns those still alive. */
export async function waitForExit(pids: readonly number[], deadlineMs = 10_000): Promise<number[]> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const alive: number[] = [];
    for (const pid of pids) if (await isAlive(pid)) alive.push(pid);
    if (alive.length === 0 || Date.now() > end) return alive;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Lines of the marker file of a fixture backend (`--marker FILE`) that start with `prefix`; none if it is missing. */
export async function markedLines(file: string, prefix: string): Promise<string[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.split("\n").filter((line) => line.startsWith(prefix));
}

/** Polls `check` until it returns true or the deadline passes. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  deadlineMs = 10_000,
): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Kills whatever is left of a test's processes (cleanup after a failed assertion). */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}

/**
 * Owns what one test creates: a temp folder and gateway sessions. `dispose()` closes every session and
 * fails when any gateway, backend or grandchild process outlives it.
 */
export class Harness {
  private readonly sessions: Session[] = [];
  private dir: TempDir | undefined;

  async temp(): Promise<TempDir> {
    this.dir ??= await TempDir.create();
    return this.dir;
  }

  /** Writes `config` to the temp folder and connects a session to a gateway on it. */
  async start(config: unknown, options: Parameters<typeof connect>[1] = {}): Promise<Session> {
    const dir = await this.temp();
    const file = await dir.writeJson(`config-${this.sessions.length}.json`, config);
    const session = await connect(file, options);
    this.sessions.push(session);
    return session;
  }

  /** Connects a session to a gateway on a config file that already exists (e.g. one rewritten between runs). */
  async startFile(file: string, options: Parameters<typeof connect>[1] = {}): Promise<Session> {
    const session = await connect(file, options);
    this.sessions.push(session);
    return session;
  }

  async dispose(): Promise<void> {
    const pids: number[] = [];
    for (const session of this.sessions) pids.push(session.pid, ...(await descendantsOf(session.pid)));
    await Promise.allSettled(this.sessions.map((session) => session.close()));
    this.sessions.length = 0;
    const alive = await waitForExit(pids);
    killAll(alive);
    await this.dir?.dispose();
    this.dir = undefined;
    if (alive.length > 0) throw new Error(`processes outlived the test: ${alive.join(", ")}`);
  }
}

/**
 * One Harness for the tests of the calling `describe`: whatever a test creates with it is disposed after that
 * test (`afterEach`), failing the test when a process outlives it. The Harness is reusable after dispose.
 */
export function useHarness(): Harness {
  const harness = new Harness();
  afterEach(async () => {
    await harness.dispose();
  });
  return harness;
}

/**
 * A temp folder and a pid list for tests that spawn gateways themselves: after each test, the pids still alive
 * once `exitDeadlineMs` has passed are killed, the list is emptied and the folder removed.
 */
export function useScratch(exitDeadlineMs: number): { readonly dir: TempDir; readonly pids: number[] } {
  let dir: TempDir | undefined;
  const pids: number[] = [];
  beforeEach(async () => {
    dir = await TempDir.create();
  });
  afterEach(async () => {
    killAll(await waitForExit(pids.splice(0), exitDeadlineMs));
    await dir?.dispose();
    dir = undefined;
  });
  return {
    get dir(): TempDir {
      if (dir === undefined) throw new Error("useScratch: the folder exists only while a test runs");
      return dir;
    },
    pids,
  };
}

/** The `tools/call` request of `use_tool` for one backend tool. */
export function useToolRequest(backend: string, tool: string, args: unknown = {}) {
  return {
    name: "use_tool",
    arguments: { backend_server: backend, server_tool: tool, tool_arguments: args },
  };
}

/** One JSON-RPC message seen by the client, in wire order. */
export interface WireRecord {
  direction: "in" | "out";
  message: Record<string, unknown>;
}

/**
 * Records every message the session's client sends and receives, in wire order, as the transport sees them
 * (before the SDK's own asynchronous dispatch, which can reorder a notification after a response).
 */
export function recordWire(session: Session): WireRecord[] {
  const records: WireRecord[] = [];
  const transport = session.transport;
  const onmessage = transport.onmessage;
  transport.onmessage = (message) => {
    records.push({ direction: "in", message: message as Record<string, unknown> });
    onmessage?.(message);
  };
  const send = transport.send.bind(transport);
  transport.send = (message) => {
    records.push({ direction: "out", message: message as Record<string, unknown> });
    return send(message);
  };
  return records;
}

/** A gateway process driven with raw JSON lines (to see every byte of its stdout). */
export interface RawGateway {
  child: ChildProcessWithoutNullStreams;
  /** Every stdout line so far. */
  lines: string[];
  stderr(): string;
  send(message: unknown): void;
  sendRaw(line: string): void;
  /** Resolves with the reply to `id` (polls the lines). */
  reply(id: number | string, deadlineMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns the built gateway with pipes on all three streams. */
export function spawnGateway(args: string[], options: { env?: Record<string, string> } = {}): RawGateway {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: baseEnv(options.env) });
  const lines: string[] = [];
  let buffered = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });
  const parsed = (): Record<string, unknown>[] =>
    lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  return {
    child,
    lines,
    stderr: () => stderr,
    send: (message) => child.stdin.write(`${JSON.stringify(message)}\n`),
    sendRaw: (line) => child.stdin.write(`${line}\n`),
    async reply(id, deadlineMs = 30_000) {
      let found: Record<string, unknown> | undefined;
      const ok = await waitFor(() => {
        found = parsed().find((message) => message.id === id && !("method" in message));
        return found !== undefined;
      }, deadlineMs);
      if (!ok || found === undefined) throw new Error(`no reply to ${String(id)}; stderr: ${stderr}`);
      return found;
    },
    exited,
  };
}

/** The initialize request of a raw session. */
export const INITIALIZE = {
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};
