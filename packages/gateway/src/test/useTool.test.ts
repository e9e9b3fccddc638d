import { expect } from "chai";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { useHarness, useToolRequest, backends, textOf } from "./helpers/e2e.js";

describe("use_tool (end to end)", function () {
  this.timeout(60_000);
  const harness = useHarness();

  const use = useToolRequest;

  it("forwards calls to several real backends and returns their results unchanged", async () => {
    const dir = await harness.temp();
    const folder = dir.file("files");
    await mkdir(folder);
    await writeFile(`${folder}/hello.txt`, "hello from mcpware\n");
    const session = await harness.start({
      mcpServers: {
        everything: backends.everything(),
        memory: backends.memory(dir.file("memory.jsonl")),
        filesystem: backends.filesystem(folder),
      },
    });
    expect(textOf(await session.client.callTool(use("everything", "echo", { message: "hi" })))).to.equal(
      "Echo: hi",
    );
    expect(textOf(await session.client.callTool(use("everything", "get-sum", { a: 2, b: 3 })))).to.include(
      "5",
    );
    await session.client.callTool(
      use("memory", "create_entities", {
        entities: [{ name: "mcpware", entityType: "project", observations: ["a gateway"] }],
      }),
    );
    const graph = await session.client.callTool(use("memory", "read_graph"));
    expect(textOf(graph)).to.include("a gateway");
    const file = await session.client.callTool(
      use("filesystem", "read_text_file", { path: `${folder}/hello.txt` }),
    );
    expect(textOf(file)).to.include("hello from mcpware");
  });

  it("returns image content unchanged", async () => {
    const session = await harness.start({ backends: { everything: backends.everything() } });
    const result = await session.client.callTool(use("everything", "get-tiny-image"));
    const image = (result.content as { type: string; mimeType?: string; data?: string }[]).find(
      (block) => block.type === "image",
    );
    expect(image).to.include({ mimeType: "image/png" });
    expect(Buffer.from(image!.data!, "base64").subarray(1, 4).toString("latin1")).to.equal("PNG");
  });

  it("returns structuredContent unchanged", async () => {
    const session = await harness.start({ backends: { everything: backends.everything() } });
    const result = await session.client.callTool(
      use("everything", "get-structured-content", { location: "Chicago" }),
    );
    expect(result.structuredContent).to.have.keys("temperature", "conditions", "humidity");
    expect(JSON.parse(textOf(result))).to.deep.equal(result.structuredContent);
  });

  it("answers an unknown backend with the valid names", async () => {
    const session = await harness.start({
      backends: { alpha: backends.fixture(), beta: backends.fixture() },
    });
    const result = await session.client.callTool(use("gamma", "echo"));
    expect(result.isError).to.equal(true);
    expect(textOf(result)).to.include("Valid backend names: alpha, beta");
  });

  it("answers an unknown tool with the closest names", async () => {
    const session = await harness.start({ backends: { everything: backends.everything() } });
    const result = await session.client.callTool(use("everything", "get_sum"));
    expect(result.isError).to.equal(true);
    expect(textOf(result)).to.include('Did you mean "get-sum"');
  });

  it("checks tool_arguments against the tool's schema before calling the backend", async () => {
    const dir = await harness.temp();
    const marker = dir.file("marker");
    const session = await harness.start({ backends: { f: backends.fixture(["--marker", marker]) } });
    const result = await session.client.callTool(use("f", "echo", { text: 5, extra: true }));
    expect(result.isError).to.equal(true);
    expect(textOf(result)).to.include("tool_arguments.text: must be string");
    expect(textOf(result)).to.include("tool_arguments.extra: is not a known property");
    const missing = await session.client.callTool(use("f", "echo", {}));
    expect(textOf(missing)).to.include("tool_arguments.text: is required but missing");
    expect(await readFile(marker, "utf8")).to.not.include("call echo");
    expect(textOf(await session.client.callTool(use("f", "echo", { text: "ok" })))).to.equal("ok");
    expect(await readFile(marker, "utf8")).to.include("call echo");
  });

  it("checks draft-07 schemas with draft-07 semantics", async () => {
    const session = await harness.start({ backends: { f: backends.fixture() } });
    expect(textOf(await session.client.callTool(use("f", "pair", { pair: [1, "a"] })))).to.equal('[1,"a"]');
    const wrong = await session.client.callTool(use("f", "pair", { pair: ["a", 1] }));
    expect(wrong.isError).to.equal(true);
    expect(textOf(wrong)).to.include("tool_arguments.pair[0]: must be number");
  });

  it("reports a timeout in seconds", async () => {
    const session = await harness.start({ backends: { f: backends.fixture([], { timeout: 1 }) } });
    const result = await session.client.callTool(use("f", "slow", { ms: 30_000 }));
    expect(result.isError).to.equal(true);
    expect(textOf(result)).to.include("timed out after 1 s");
  });

  it("reports a backend that fails to start with its exit code and last stderr lines", async () => {
    const session = await harness.start({ backends: { f: backends.fixture(["--exit-at-start", "9"]) } });
    const result = await session.client.callTool(use("f", "echo", { text: "x" }));
    expect(result.isError).to.equal(true);
    expect(textOf(result))
      .to.include("code 9")
      .and.to.include("fixture: cannot start: missing configuration");
  });

  it("reports a backend whose variable is missing, naming the variable", async () => {
    const session = await harness.start({
      backends: { gh: { command: "docker", args: ["${MCPWARE_TEST_UNSET_VAR}"] } },
    });
    const result = await session.client.callTool(use("gh", "anything"));
    expect(result.isError).to.equal(true);
    expect(textOf(result)).to.include("MCPWARE_TEST_UNSET_VAR");
  });

  it("answers a crash mid-call at once while the other backends keep serving", async () => {
    const session = await harness.start({
      backends: { victim: backends.fixture(), other: backends.fixture() },
    });
    const order: string[] = [];
    const slow = session.client.callTool(use("other", "slow", { ms: 5000 })).then((result) => {
      order.push("slow call on the other backend");
      return result;
    });
    const crashed = await session.client.callTool(use("victim", "crash", { code: 3 }));
    order.push("crashed call");
    expect(crashed.isError).to.equal(true);
    expect(textOf(crashed)).to.include("exited with code 3").and.to.include("fixture: crashing on purpose");
    expect(textOf(await slow)).to.equal("slept 5000 ms");
    expect(order).to.deep.equal(["crashed call", "slow call on the other backend"]);
    expect(textOf(await session.client.callTool(use("other", "echo", { text: "still here" })))).to.equal(
      "still here",
    );
  });

  it("never lets a backend's secret reach an error message", async () => {
    const secret = "canary-secret-value-42";
    const session = await harness.start(
      { backends: { f: backends.fixture(["--exit-at-start", "1", "--token", "${CANARY}"]) } },
      { env: { CANARY: secret }, args: ["--log-level", "debug"] },
    );
    const result = await session.client.callTool(use("f", "echo", { text: "x" }));
    // The fixture prints its argv (with the secret) to stderr; the quoted stderr lines are masked.
    expect(textOf(result)).to.include("--token ***");
    expect(textOf(result)).to.not.include(secret);
    expect(session.stderr()).to.not.include(secret);
  });

  it("keeps env secrets out of its logs, even at debug level, while the result stays unchanged", async () => {
    const secret = "canary-env-secret-8c1f";
    const session = await harness.start(
      { backends: { everything: { ...backends.everything(), env: { API_KEY: "${CANARY}" } } } },
      { env: { CANARY: secret }, args: ["--log-level", "debug"] },
    );
    const result = await session.client.callTool(use("everything", "get-env"));
    expect(textOf(result)).to.include(secret);
    expect(session.stderr()).to.include("get-env");
    expect(session.stderr()).to.not.include(secret);
  });
});
