import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { expect } from "chai";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ErrorCode } from "../errors.js";
import { LATEST_PROTOCOL_VERSION } from "../protocolVersion.js";
import { MUST_HAPPEN_WITHIN_MS } from "./fixtures/connectionPair.js";

const TINY_SERVER = fileURLToPath(new URL("./fixtures/tinyServer.js", import.meta.url));
/** Only what a Node child needs: the SDK adds its own safe defaults, and nothing else leaks in. */
const CHILD_ENV = { PATH: process.env.PATH ?? "", NODE_OPTIONS: "" };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

async function waitUntilGone(pid: number): Promise<boolean> {
  const deadline = Date.now() + MUST_HAPPEN_WITHIN_MS;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return !isAlive(pid);
}

describe("interop with the official MCP SDK client over real stdio", function () {
  this.timeout(30_000);
  let client: Client | undefined;
  let transport: StdioClientTransport | undefined;
  let child: ChildProcess | undefined;
  const pids: number[] = [];

  afterEach(async () => {
    await client?.close().catch(() => {});
    await transport?.close().catch(() => {});
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    for (const pid of pids.splice(0)) {
      expect(await waitUntilGone(pid), `process ${pid} is gone`).to.equal(true);
    }
    client = undefined;
    transport = undefined;
    child = undefined;
  });

  it("initializes, lists and calls tools and pings a server built on this package", async () => {
    transport = new StdioClientTransport({
      command: process.execPath,
      args: [TINY_SERVER],
      env: CHILD_ENV,
      stderr: "pipe",
    });
    // Watch what the client receives (the SDK does not expose the negotiated version on stdio); the SDK
    // keeps a handler set before connect() and calls it first.
    const received: JSONRPCMessage[] = [];
    transport.onmessage = (message) => received.push(message);
    client = new Client({ name: "interop-test", version: "1.0.0" });
    const clientErrors: Error[] = [];
    client.onerror = (error) => clientErrors.push(error);
    await client.connect(transport);
    pids.push(transport.pid!);

    expect(client.getServerVersion()).to.deep.include({ name: "tiny-server", version: "1.0.0" });
    expect(client.getServerCapabilities()).to.deep.equal({ tools: {} });
    const initialize = received.find((message) => "result" in message && "protocolVersion" in message.result);
    expect(initialize, "the initialize result").to.not.equal(undefined);
    // The server echoes the version the client offered (the SDK offers its latest, which we support).
    expect(
      (initialize as unknown as { result: { protocolVersion: string } }).result.protocolVersion,
    ).to.equal(LATEST_PROTOCOL_VERSION);
    expect(client.getInstructions()).to.equal(`requested ${LATEST_PROTOCOL_VERSION}`);

    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).to.deep.equal(["echo", "add", "fail"]);

    expect(await client.callTool({ name: "add", arguments: { a: 2, b: 40 } })).to.deep.equal({
      content: [{ type: "text", text: "42" }],
    });
    expect(await client.callTool({ name: "echo", arguments: { text: "héllo ✓" } })).to.deep.equal({
      content: [{ type: "text", text: "héllo ✓" }],
    });
    const failed = await client.callTool({ name: "fail", arguments: {} });
    expect(failed.isError).to.equal(true);

    const unknown = await client.callTool({ name: "nope", arguments: {} }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(unknown).to.be.instanceOf(McpError);
    expect((unknown as McpError).code).to.equal(ErrorCode.InvalidParams);

    expect(await client.ping()).to.deep.equal({});
    expect(clientErrors).to.deep.equal([]);
  });

  it("exits with status 0 on stdin EOF", async () => {
    child = spawn(process.execPath, [TINY_SERVER], { env: CHILD_ENV, stdio: ["pipe", "pipe", "pipe"] });
    pids.push(child.pid!);
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child!.once("exit", (code, signal) => resolve([code, signal])),
    );
    const firstLine = new Promise<string>((resolve) => {
      let text = "";
      child!.stdout!.setEncoding("utf8");
      child!.stdout!.on("data", (chunk: string) => {
        text += chunk;
        if (text.includes("\n")) resolve(text.slice(0, text.indexOf("\n")));
      });
    });
    child.stdin!.write('{"jsonrpc":"2.0","id":1,"method":"ping"}\n');
    expect(await firstLine).to.equal('{"jsonrpc":"2.0","id":1,"result":{}}');
    child.stdin!.end();
    const timer = setTimeout(() => child?.kill("SIGKILL"), MUST_HAPPEN_WITHIN_MS);
    const [code, signal] = await exited;
    clearTimeout(timer);
    expect({ code, signal }).to.deep.equal({ code: 0, signal: null });
  });
});
