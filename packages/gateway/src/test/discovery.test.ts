import { expect } from "chai";
import { mkdir, readFile } from "node:fs/promises";
import { backends, textOf, useHarness } from "./helpers/e2e.js";

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
    const result = await session.client.callTool({ name: "discover_backend_tools", arguments: {} });
    expect(result.isError).to.not.equal(true);
    expect(result.structuredContent).to.equal(undefined);
    const text = textOf(result);
    const headings = [...text.matchAll(/^## (\S+) \(([^)]*)\)(.*)$/gm)].map((match) => match.slice(1));
    expect(headings.map(([name]) => name)).to.deep.equal([
      "everything",
      "memory",
      "filesystem",
      "paged",
      "broken",
      "locked",
    ]);
    const blocks = new Map(
      text
        .split(/^## /m)
        .slice(1)
        .map((block) => [block.split(" ", 1)[0]!, block]),
    );
    expect(blocks.get("everything")).to.match(/^everything \(ready\): the MCP test server$/m);
    for (const tool of ["echo", "get-tiny-image", "get-structured-content"]) {
      expect(blocks.get("everything")).to.match(new RegExp(`^- ${tool}: `, "m"));
    }
    expect(text).to.not.include("inputSchema").and.not.include("input schema");
    expect(blocks.get("memory")).to.match(/^- create_entities: /m);
    expect(blocks.get("filesystem")).to.match(/^- list_directory: /m);
    // Five tools over three pages: every nextCursor was followed; one line of each description.
    const paged = blocks
      .get("paged")!
      .split("\n")
      .filter((line) => line.startsWith("- "));
    expect(paged.map((line) => line.slice(2).split(":", 1)[0])).to.deep.equal([
      "echo",
      "slow",
      "crash",
      "spawn-child",
      "pair",
    ]);
    expect(paged[0]).to.equal("- echo: Returns the text it is given.");
    const broken = headings.find(([name]) => name === "broken")!;
    expect(broken[1]).to.not.equal("ready");
    expect(blocks.get("broken"))
      .to.match(/\nerror: .*failed to start/)
      .and.not.match(/^- /m);
    expect(headings.find(([name]) => name === "locked")![1]).to.equal("unavailable");
    expect(blocks.get("locked")).to.include("MCPWARE_TEST_UNSET_TOKEN");
  });

  it("gives one backend's tools with full schemas, by backend_name or backend_server", async () => {
    const session = await harness.start({ backends: { everything: backends.everything() } });
    const listed = await session.client.listTools();
    expect(listed.tools.find((tool) => tool.name === "discover_backend_tools")).to.not.have.property(
      "outputSchema",
    );
    for (const key of ["backend_name", "backend_server"]) {
      const result = await session.client.callTool({
        name: "discover_backend_tools",
        arguments: { [key]: "everything" },
      });
      expect(result.structuredContent).to.equal(undefined);
      const block = textOf(result).split("### get-structured-content")[1]!.split("\n### ")[0]!;
      const schema = (label: string) => JSON.parse(new RegExp(`^${label}: (.*)$`, "m").exec(block)![1]!);
      expect(schema("input schema")).to.have.nested.property("properties.location");
      expect(schema("input schema")).to.not.have.property("$schema");
      expect(schema("output schema")).to.have.nested.property("properties.temperature");
      expect(schema("annotations")).to.have.property("readOnlyHint", true);
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
