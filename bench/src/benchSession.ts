import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { backendNames, writeGatewayConfig } from "./gatewayConfig.js";
import { killLeftovers, killQuietly, listDescendantPids } from "./procfs.js";
import type { Side } from "./stats.js";
import { TimedTransport } from "./timedTransport.js";

export type { Side } from "./stats.js";

/** Per-request deadline of the SDK client; large so 5 MiB echoes and 128-way concurrency never trip it. */
export const REQUEST_TIMEOUT_MS = 120_000;
/** How long a closed gateway's backends may take to disappear before the bench kills them itself. */
export const LEFTOVER_GRACE_MS = 10_000;
const STDERR_TAIL_BYTES = 8 * 1024;

/** What every session needs to spawn its server. */
export interface SessionEnvironment {
  readonly everythingEntry: string;
  readonly gatewayBin: string;
  /** `bench/dist/floorRelay.js`: the floor side's relay. */
  readonly floorRelayScript: string;
  /** A temp folder for generated gateway configs. */
  readonly workDir: string;
  /** Node options put before the gateway's script (e.g. `--cpu-prof`); never given to backends. */
  readonly gatewayNodeArgs: readonly string[];
}

/** What `close()` found. */
export interface CloseReport {
  /** Descendants of the gateway still alive {@link LEFTOVER_GRACE_MS} after it closed (killed by the bench). */
  readonly leftoverPids: readonly number[];
}

/**
 * The processes of one side whose CPU time is measured: the spawned middle process (none on the direct side)
 * and the server-everything process(es) behind it.
 */
export interface SideProcesses {
  readonly middle: number | undefined;
  readonly backends: readonly number[];
}

/**
 * One SDK client connected over stdio straight to server-everything (direct), to the floor relay in front of
 * one server-everything (floor), or to the mcpware gateway fronting `backendCount` server-everything backends.
 * `echo` is the same operation on every side (`tools/call echo` direct, `use_tool` through floor and mcpware)
 * and so is `discover` (`tools/list` direct and through the floor, `discover_backend_tools` through mcpware);
 * both throw when the answer is not the expected one, so a broken path can never be timed as a fast one.
 */
export class BenchSession {
  private constructor(
    readonly side: Side,
    readonly backendNames: readonly string[],
    private readonly client: Client,
    private readonly transport: TimedTransport,
    /** The spawned process: server-everything (direct), the floor relay or the gateway. */
    readonly pid: number,
    private readonly stderr: { tail: string },
  ) {}

  /** `performance.now()` when the process was spawned. */
  get spawnedAt(): number {
    return this.transport.startCalledAt;
  }

  /** Milliseconds from spawn to the `initialize` reply. */
  get initializeReplyMs(): number {
    return this.transport.firstResponseAt - this.transport.startCalledAt;
  }

  /** Spawns the server and completes the MCP handshake. */
  static async open(environment: SessionEnvironment, side: Side, backendCount = 1): Promise<BenchSession> {
    const command = process.execPath;
    const args = await commandArguments(environment, side, backendCount);
    const stdio = new StdioClientTransport({ command, args, env: getDefaultEnvironment(), stderr: "pipe" });
    const transport = new TimedTransport(stdio);
    const client = new Client({ name: "mcpware-bench", version: "0.0.0" }, { capabilities: {} });
    const stderr = { tail: "" };
    stdio.stderr?.on("data", (chunk: Buffer) => {
      stderr.tail = (stderr.tail + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    });
    try {
      await client.connect(transport, { timeout: REQUEST_TIMEOUT_MS });
    } catch (error) {
      await client.close().catch(() => undefined);
      throw new Error(`${side}: connect failed; stderr tail: ${stderr.tail.trim()}`, { cause: error });
    }
    const names = side === "gateway" ? backendNames(backendCount) : ["everything"];
    return new BenchSession(side, names, client, transport, transport.pid ?? -1, stderr);
  }

  /** Echoes `message` through backend number `backendIndex` (gateway) or the single server (direct, floor). */
  async echo(message: string, backendIndex = 0): Promise<void> {
    const params =
      this.side === "direct"
        ? { name: "echo", arguments: { message } }
        : {
            name: "use_tool",
            arguments: {
              backend_server: this.backendNames[backendIndex % this.backendNames.length],
              server_tool: "echo",
              tool_arguments: { message },
            },
          };
    const result = await this.client.callTool(params, undefined, { timeout: REQUEST_TIMEOUT_MS });
    const first = Array.isArray(result.content)
      ? (result.content[0] as { text?: unknown } | undefined)
      : undefined;
    if (result.isError === true || first?.text !== `Echo: ${message}`) {
      throw new Error(
        `${this.side}: unexpected echo result ${describe(result)}; stderr tail: ${this.tail()}`,
      );
    }
  }

  /**
   * Lists the tools: `tools/list` on the server (direct), or `discover_backend_tools` without a name across
   * every backend (gateway; the result must name every backend).
   */
  async discover(): Promise<void> {
    if (this.side !== "gateway") {
      const { tools } = await this.client.listTools(undefined, { timeout: REQUEST_TIMEOUT_MS });
      if (!tools.some((tool) => tool.name === "echo"))
        throw new Error(`${this.side}: tools/list has no echo tool`);
      return;
    }
    const result = await this.client.callTool({ name: "discover_backend_tools", arguments: {} }, undefined, {
      timeout: REQUEST_TIMEOUT_MS,
    });
    const text = JSON.stringify(result);
    const missing = this.backendNames.filter((name) => !text.includes(name));
    if (result.isError === true || missing.length > 0 || !text.includes("echo")) {
      throw new Error(
        `gateway: discover_backend_tools failed (missing ${missing.join(", ") || "nothing"}): ${describe(result)}`,
      );
    }
  }

  /** Pids of the processes the spawned process started (the backends of the gateway or the floor relay). */
  descendantPids(): number[] {
    return listDescendantPids(this.pid);
  }

  /** The middle process and the backends, for CPU time per call. */
  processes(): SideProcesses {
    return this.side === "direct"
      ? { middle: undefined, backends: [this.pid] }
      : { middle: this.pid, backends: this.descendantPids() };
  }

  /** The last lines the process wrote to stderr. */
  tail(): string {
    return this.stderr.tail.trim().split("\n").slice(-10).join("\n");
  }

  /**
   * Closes the client and waits for the process and everything it started to be gone. A direct
   * server-everything gets SIGTERM right after the SDK ends its stdin (it does not have to exit on EOF); the
   * gateway and the floor relay are left to their own shutdown (stdin EOF, then the SDK's SIGTERM after 2 s).
   * Backends they leave behind are killed and reported.
   */
  async close(): Promise<CloseReport> {
    const descendants = this.side === "direct" ? [] : this.descendantPids();
    const closing = this.client.close();
    if (this.side === "direct") killQuietly(this.pid, "SIGTERM");
    await closing;
    return { leftoverPids: await killLeftovers(descendants, LEFTOVER_GRACE_MS) };
  }
}

/** What the client spawns for each side (after `node`). */
async function commandArguments(
  environment: SessionEnvironment,
  side: Side,
  backendCount: number,
): Promise<string[]> {
  switch (side) {
    case "direct":
      return [environment.everythingEntry, "stdio"];
    case "floor":
      return [environment.floorRelayScript, process.execPath, environment.everythingEntry, "stdio"];
    case "gateway":
      return [
        ...environment.gatewayNodeArgs,
        environment.gatewayBin,
        "--config",
        await writeGatewayConfig(environment.workDir, environment.everythingEntry, backendCount),
      ];
  }
}

function describe(result: unknown): string {
  const text = JSON.stringify(result);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
