import { expect } from "chai";
import { mkdir, readFile } from "node:fs/promises";
import type { DiscoveredBackend } from "../discoverBackendTools.js";
import { backends, textOf, useHarness } from "./helpers/e2e.js";

interface Discovery {
  backends: DiscoveredBackend[];
}

describe("discover_backend_tools (end to end)", function () {
  this.timeout(60_000);
  const harness = useHarness();

  async function startMixed() {
    const dir = await harness.temp();
    const folder = dir.file("files");
    await mkdir(folder);
    return harness.start({
      backends: {
        everything: backends.everything(),
        memory: backends.memory(dir.file("memory.jsonl")),
        filesystem: backends.filesystem(folder),
        paged: backends.fixture(["--page-size", "2"]),
        broken: { command: "./no-such-mcp-server-binary", description: "cannot start" },
        locked: { command: "docker", env: { TOKEN: "${MCPWARE_TEST_UNSET_TOKEN}" } },
      },
    });
  }

  it("lists every backend in parallel, reporting the failing ones with state and error", async () => {
    const session = await startMixed();
    await session.client.listTools(); // lets the client validate structuredContent against the outputSchema
    const result = await session.client.callTool({ name: "discover_backend_tools", arguments: {} });
    expect(result.isError).to.not.equal(true);
    const { backends: found } = result.structuredContent as unknown as Discovery;
    expect(found.map((backend) => backend.name)).to.deep.equal([
      "everything",
      "memory",
      "filesystem",
      "paged",
      "broken",
      "locked",
    ]);
    const byName = new Map(found.map((backend) => [backend.name, backend]));
    const everything = byName.get("everything")!;
    expect(everything.state).to.equal("ready");
    expect(everything.tools.map((tool) => tool.name)).to.include.members([
      "echo",
      "get-tiny-image",
      "get-structured-content",
    ]);
    expect(everything.tools[0]).to.not.have.property("inputSchema");
    expect(byName.get("memory")!.tools.map((tool) => tool.name)).to.include("create_entities");
    expect(byName.get("filesystem")!.tools.map((tool) => tool.name)).to.include("list_directory");
    // Five tools over three pages: every nextCursor was followed.
    expect(byName.get("paged")!.tools.map((tool) => tool.name)).to.deep.equal([
      "echo",
      "slow",
      "crash",
      "spawn-child",
      "pair",
    ]);
    expect(byName.get("paged")!.tools[0]!.description).to.equal("Returns the text it is given.");
    const broken = byName.get("broken")!;
    expect(broken.tools).to.deep.equal([]);
    expect(broken.error).to.match(/failed to start/);
    expect(broken.state).to.not.equal("ready");
    const locked = byName.get("locked")!;
    expect(locked.state).to.equal("unavailable");
    expect(locked.error).to.include("MCPWARE_TEST_UNSET_TOKEN");
    const text = textOf(result);
    for (const name of byName.keys()) expect(text).to.include(`## ${name}`);
  });

  it("gives one backend's tools with full schemas, by backend_name or backend_server", async () => {
    const session = await harness.start({ backends: { everything: backends.everything() } });
    await session.client.listTools();
    for (const key of ["backend_name", "backend_server"]) {
      const result = await session.client.callTool({
        name: "discover_backend_tools",
        arguments: { [key]: "everything" },
      });
      const [backend] = (result.structuredContent as unknown as Discovery).backends;
      const structured = backend!.tools.find((tool) => tool.name === "get-structured-content")!;
      expect(structured.inputSchema).to.have.nested.property("properties.location");
      expect(structured.outputSchema).to.have.nested.property("properties.temperature");
      expect(structured.annotations).to.have.property("readOnlyHint", true);
      expect(textOf(result)).to.include("get-structured-content").and.to.include("input schema:");
    }
  });

  it("answers an unknown backend name with the valid names", async () => {
    const session = await harness.start({
      backends: { everything: backends.everything(), fixture: backends.fixture() },
    });
    const result = await session.client.callTool({
      name: "discover_backend_tools",
      arguments: { backend_name: "everythin" },
    });
    expect(result.isError).to.equal(true);
    expect(textOf(result))
      .to.include('Did you mean "everything"')
      .and.to.include("Valid backend names: everything, fixture");
  });

  it("reports a backend that cannot start as an error naming its exit code and stderr", async () => {
    const session = await harness.start({
      backends: { failing: backends.fixture(["--exit-at-start", "7"]) },
    });
    const result = await session.client.callTool({
      name: "discover_backend_tools",
      arguments: { backend_name: "failing" },
    });
    expect(result.isError).to.equal(true);
    expect(textOf(result)).to.include("code 7").and.to.include("cannot start: missing configuration");
  });

  it("caches a backend's tool list and asks again after the backend restarts", async () => {
    const dir = await harness.temp();
    const marker = dir.file("marker");
    const session = await harness.start({ backends: { f: backends.fixture(["--marker", marker]) } });
    const lists = async () =>
      (await readFile(marker, "utf8")).split("\n").filter((line) => line === "list").length;
    const discover = () =>
      session.client.callTool({ name: "discover_backend_tools", arguments: { backend_name: "f" } });
    await discover();
    await discover();
    await session.client.callTool({
      name: "use_tool",
      arguments: { backend_server: "f", server_tool: "echo", tool_arguments: { text: "x" } },
    });
    expect(await lists()).to.equal(1);
    const crash = await session.client.callTool({
      name: "use_tool",
      arguments: { backend_server: "f", server_tool: "crash", tool_arguments: { code: 5 } },
    });
    expect(crash.isError).to.equal(true);
    // The next request restarts the backend (after its backoff) and the tool list is fetched anew.
    const after = await discover();
    expect(after.isError).to.not.equal(true);
    expect(await lists()).to.equal(2);
  });
});
