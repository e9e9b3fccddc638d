import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import { ErrorCode, LATEST_PROTOCOL_VERSION } from "@mcpware/protocol";
import { EmptyResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { INITIALIZE, backends, spawnGateway, textOf, useHarness } from "./helpers/e2e.js";

describe("gateway server (end to end over stdio)", function () {
  this.timeout(60_000);
  const harness = useHarness();

  it("answers initialize before any backend is started", async () => {
    const dir = await harness.temp();
    const marker = dir.file("slow.marker");
    const session = await harness.start({
      backends: { slow: backends.fixture(["--marker", marker, "--start-delay", "2000"]) },
    });
    // connect() resolved: initialize was answered. The backend was never spawned for it.
    expect(existsSync(marker)).to.equal(false);
    expect(session.client.getServerVersion()).to.deep.include({ name: "mcpware" });
    const result = await session.client.callTool({ name: "discover_backend_tools", arguments: {} });
    expect(existsSync(marker)).to.equal(true);
    expect(textOf(result)).to.include("echo");
  });

  it("reports its name, version, tools capability and every backend in the instructions", async () => {
    const session = await harness.start({
      backends: {
        everything: backends.everything("the reference server"),
        gh: { command: "docker", env: { TOKEN: "${MCPWARE_TEST_UNSET_TOKEN}" }, description: "GitHub" },
      },
    });
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(session.client.getServerVersion()).to.deep.equal({ name: "mcpware", version });
    expect(session.client.getServerCapabilities()).to.have.property("tools");
    const instructions = session.client.getInstructions() ?? "";
    expect(instructions).to.include("everything: the reference server");
    expect(instructions).to.include("gh: GitHub").and.to.include("MCPWARE_TEST_UNSET_TOKEN");
  });

  it("lists exactly the two meta-tools with their schemas", async () => {
    const session = await harness.start({ backends: { a: backends.fixture(), b: backends.fixture() } });
    const { tools } = await session.client.listTools();
    expect(tools.map((tool) => tool.name)).to.deep.equal(["discover_backend_tools", "use_tool"]);
    const [discover, use] = tools;
    expect(discover!.inputSchema.properties).to.have.keys("query", "backend_name", "tool_names");
    // Its answers are text only: no outputSchema, so no structuredContent copy of them.
    expect(discover).to.not.have.property("outputSchema");
    expect(use!.inputSchema.required).to.deep.equal(["backend_server", "server_tool"]);
    expect(use!.inputSchema.properties)
      .to.have.nested.property("backend_server.enum")
      .that.deep.equals(["a", "b"]);
  });

  it("answers ping while a long call is in flight", async () => {
    const session = await harness.start({ backends: { f: backends.fixture() } });
    const controller = new AbortController();
    let callSettled = false;
    const call = session.client
      .callTool(
        {
          name: "use_tool",
          arguments: { backend_server: "f", server_tool: "slow", tool_arguments: { ms: 60_000 } },
        },
        undefined,
        { signal: controller.signal },
      )
      .finally(() => {
        callSettled = true;
      });
    call.catch(() => {});
    // Another call to the same backend: it is running, and the slow call is in flight behind us.
    const echo = await session.client.callTool({
      name: "use_tool",
      arguments: { backend_server: "f", server_tool: "echo", tool_arguments: { text: "x" } },
    });
    expect(textOf(echo)).to.equal("x");
    await session.client.ping();
    expect(callSettled).to.equal(false);
    controller.abort();
  });

  it("answers unknown methods with -32601", async () => {
    const session = await harness.start({ backends: { f: backends.fixture() } });
    for (const method of ["tasks/list", "no/such/method"]) {
      const error = await session.client.request({ method, params: {} }, EmptyResultSchema).then(
        () => undefined,
        (caught: unknown) => caught as { code: number },
      );
      expect(error, method).to.have.property("code", ErrorCode.MethodNotFound);
    }
  });

  it("echoes a supported protocol version and offers its latest for an unknown one", async () => {
    const dir = await harness.temp();
    const config = await dir.writeJson("config.json", { backends: { f: backends.fixture() } });
    for (const [requested, expected] of [
      ["2024-11-05", "2024-11-05"],
      ["2025-06-18", "2025-06-18"],
      ["2099-01-01", LATEST_PROTOCOL_VERSION],
    ]) {
      const gateway = spawnGateway(["--config", config]);
      gateway.send({ ...INITIALIZE, params: { ...INITIALIZE.params, protocolVersion: requested } });
      const reply = (await gateway.reply(0)) as { result: { protocolVersion: string } };
      expect(reply.result.protocolVersion, requested).to.equal(expected);
      gateway.child.stdin.end();
      expect(await gateway.exited).to.deep.equal({ code: 0, signal: null });
    }
  });

  it("answers a call of a tool it does not have with -32602", async () => {
    const session = await harness.start({ backends: { f: backends.fixture() } });
    const error = await session.client.callTool({ name: "echo", arguments: {} }).then(
      () => undefined,
      (caught: unknown) => caught as { code: number },
    );
    expect(error).to.have.property("code", ErrorCode.InvalidParams);
  });
});
