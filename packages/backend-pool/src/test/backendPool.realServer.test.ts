import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CallToolResult, ListToolsResult, ProgressNotificationParams } from "@mcpware/protocol";
import type { BackendSpec } from "../types.js";
import { isRunning } from "./helpers/processTable.js";
import { usePoolHarness } from "./helpers/poolHarness.js";

/**
 * `@modelcontextprotocol/server-everything` (pinned at the repo root). On POSIX through the
 * `node_modules/.bin` shim, a shell script that execs node, as users configure it; elsewhere its bin file
 * run with this node.
 */
function everythingSpec(overrides: Partial<BackendSpec> = {}): BackendSpec {
  const root = fileURLToPath(new URL("../../../../", import.meta.url));
  const shim = path.join(root, "node_modules", ".bin", "mcp-server-everything");
  if (process.platform !== "win32" && existsSync(shim)) {
    return { name: "everything", command: shim, args: ["stdio"], ...overrides };
  }
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve("@modelcontextprotocol/server-everything/package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { bin: Record<string, string> };
  const bin = path.join(path.dirname(manifestPath), manifest.bin["mcp-server-everything"]!);
  return { name: "everything", command: process.execPath, args: [bin, "stdio"], ...overrides };
}

describe("BackendPool with a real MCP server from npm (server-everything)", () => {
  const harness = usePoolHarness();
  const CANARY = "MCPWARE_TEST_CANARY_SECRET";

  afterEach(() => {
    delete process.env[CANARY];
  });

  it("starts it, lists and calls tools through the pool, and stops it with nothing left", async () => {
    const pool = harness.create();
    pool.add(everythingSpec());
    const tools = await pool.request<ListToolsResult>("everything", "tools/list", {});
    expect(tools.tools.map((tool) => tool.name)).to.include("echo");
    const result = await pool.request<CallToolResult>("everything", "tools/call", {
      name: "echo",
      arguments: { message: "hello through the pool" },
    });
    expect(result.content[0]).to.deep.include({ type: "text" });
    expect(JSON.stringify(result.content)).to.include("hello through the pool");
    const info = pool.info("everything");
    expect(info.state).to.equal("ready");
    expect(info.serverInfo?.name).to.be.a("string");
    expect(info.capabilities?.tools).to.be.an("object");
    const pid = info.pid!;
    // It ignores stdin EOF and handles only SIGINT: the ladder must escalate to SIGTERM.
    await pool.close();
    expect(isRunning(pid)).to.equal(false);
  });

  it("relays its progress notifications to onProgress", async () => {
    const pool = harness.create();
    pool.add(everythingSpec());
    const progress: ProgressNotificationParams[] = [];
    const result = await pool.request<CallToolResult>(
      "everything",
      "tools/call",
      { name: "trigger-long-running-operation", arguments: { duration: 0.3, steps: 3 } },
      { onProgress: (params) => progress.push(params) },
    );
    expect(result.isError ?? false).to.equal(false);
    expect(progress.map((params) => params.progress)).to.deep.equal([1, 2, 3]);
  });

  it("gives it only the allowlisted environment plus its declared env", async () => {
    process.env[CANARY] = "must-not-leak";
    const pool = harness.create();
    pool.add(everythingSpec({ env: { DECLARED_VAR: "declared-value" } }));
    const result = await pool.request<CallToolResult>("everything", "tools/call", {
      name: "get-env",
      arguments: {},
    });
    const text = JSON.stringify(result.content);
    expect(text).to.not.include("must-not-leak");
    expect(text).to.include("declared-value");
    expect(text).to.include("NO_COLOR");
  });
});
