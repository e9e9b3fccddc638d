import { expect } from "chai";
import { ErrorCode } from "@mcpware/protocol";
import { INITIALIZE, useScratch, backends, descendantsOf, spawnGateway } from "./helpers/e2e.js";

/** Whether a parsed line is one JSON-RPC 2.0 message: a request, a notification or a response. */
function isJsonRpcMessage(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const message = value as Record<string, unknown>;
  if (message.jsonrpc !== "2.0") return false;
  if (typeof message.method === "string") return true;
  const hasResult = "result" in message;
  const hasError = "error" in message;
  return hasResult !== hasError && ("id" in message || hasError);
}

describe("stdout of the gateway", function () {
  this.timeout(60_000);
  const scratch = useScratch(5_000);
  const { pids } = scratch;

  it("carries nothing but JSON-RPC messages, even with debug logging and bad input", async () => {
    const config = await scratch.dir.writeJson("config.json", {
      backends: { everything: backends.everything(), f: backends.fixture() },
    });
    const gateway = spawnGateway(["--config", config, "--log-level", "debug"]);
    pids.push(gateway.child.pid!);
    gateway.send(INITIALIZE);
    await gateway.reply(0);
    gateway.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    gateway.sendRaw("{this is not json");
    gateway.sendRaw('[{"jsonrpc":"2.0","id":90,"method":"ping"}]');
    gateway.sendRaw("");
    const requests = [
      { method: "tools/list" },
      { method: "ping" },
      { method: "tools/call", params: { name: "discover_backend_tools", arguments: {} } },
      {
        method: "tools/call",
        params: {
          name: "use_tool",
          arguments: { backend_server: "everything", server_tool: "get-tiny-image" },
        },
      },
      {
        method: "tools/call",
        params: {
          name: "use_tool",
          arguments: { backend_server: "everything", server_tool: "echo", tool_arguments: { message: "x" } },
        },
      },
      {
        method: "tools/call",
        params: {
          name: "use_tool",
          arguments: { backend_server: "f", server_tool: "crash", tool_arguments: {} },
        },
      },
      { method: "tasks/list" },
    ];
    requests.forEach((request, index) => gateway.send({ jsonrpc: "2.0", id: index + 1, ...request }));
    for (let id = 1; id <= requests.length; id += 1) await gateway.reply(id);
    pids.push(...(await descendantsOf(gateway.child.pid!)));
    gateway.child.stdin.end();
    expect(await gateway.exited).to.deep.equal({ code: 0, signal: null });

    expect(gateway.lines.length).to.be.greaterThan(requests.length);
    for (const line of gateway.lines) expect(isJsonRpcMessage(JSON.parse(line)), line).to.equal(true);
    const messages = gateway.lines.map(
      (line) => JSON.parse(line) as { id?: unknown; error?: { code: number } },
    );
    expect(messages.some((message) => message.error?.code === ErrorCode.ParseError)).to.equal(true);
    expect(messages.some((message) => message.error?.code === ErrorCode.InvalidRequest)).to.equal(true);
    expect(messages.find((message) => message.id === 7)?.error?.code).to.equal(ErrorCode.MethodNotFound);
    expect(gateway.stderr()).to.include("mcpware:");
  });
});
