import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { MAX_EXPOSED_NAME_LENGTH } from "../prefixedNames.js";
import { backends, textOf, useHarness, useToolRequest, waitFor } from "./helpers/e2e.js";

const NAME_RULE = /^[A-Za-z0-9_-]{1,64}$/;

describe("aggregate mode (end to end)", function () {
  this.timeout(120_000);
  const harness = useHarness();

  it("lists every backend's tools as <backend>__<tool> with their schemas, and calls them with progress and cancellation", async () => {
    const dir = await harness.temp();
    const session = await harness.start({
      mode: "aggregate",
      backends: {
        everything: backends.everything(),
        memory: backends.memory(dir.file("memory.json")),
        files: backends.filesystem(dir.path),
      },
    });
    expect(session.client.getServerCapabilities()?.tools).to.deep.equal({ listChanged: true });
    const { tools } = await session.client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).to.include.members(["everything__echo", "everything__get-sum", "memory__create_entities"]);
    expect(names.some((name) => name.startsWith("files__"))).to.equal(true);
    expect(names).to.not.include("use_tool");
    for (const name of names) expect(name).to.match(NAME_RULE);
    const echo = tools.find((tool) => tool.name === "everything__echo")!;
    expect(echo.inputSchema.properties).to.have.property("message");

    expect(
      textOf(await session.client.callTool({ name: "everything__echo", arguments: { message: "hi" } })),
    ).to.equal("Echo: hi");
    const wrong = await session.client.callTool({ name: "everything__get-sum", arguments: { a: "x", b: 2 } });
    expect(wrong.isError).to.equal(true);
    expect(textOf(wrong))
      .to.include("arguments do not match the input schema")
      .and.include("call the tool again");

    const progress: number[] = [];
    const done = await session.client.callTool(
      { name: "everything__trigger-long-running-operation", arguments: { duration: 1, steps: 4 } },
      undefined,
      { onprogress: (update) => progress.push(update.progress) },
    );
    expect(textOf(done)).to.include("Long running operation completed");
    expect(progress.length).to.be.greaterThan(0);

    const controller = new AbortController();
    const cancelled = session.client
      .callTool(
        { name: "everything__trigger-long-running-operation", arguments: { duration: 60, steps: 60 } },
        undefined,
        { signal: controller.signal },
      )
      .then(
        () => "resolved",
        () => "rejected",
      );
    controller.abort();
    expect(await cancelled).to.equal("rejected");
    expect(
      textOf(await session.client.callTool({ name: "everything__echo", arguments: { message: "on" } })),
    ).to.equal("Echo: on");
  });

  it("gives long and colliding names short, stable, distinct hashed names", async () => {
    const long = `t${"x".repeat(80)}`;
    const config = {
      mode: "aggregate",
      backends: {
        a: backends.relay("a", { args: [...backends.relay("a").args, "--tool", "b__c", "--tool", long] }),
        a__b: backends.relay("ab", { args: [...backends.relay("ab").args, "--tool", "c"] }),
      },
    };
    const first = await harness.start(config);
    const names = (await first.client.listTools()).tools.map((tool) => tool.name);
    await first.close();
    const hashed = names.filter((name) => /^a__b__c_[0-9a-f]{8}$/.test(name));
    expect(hashed, names.join(", ")).to.have.length(2);
    expect(new Set(hashed).size).to.equal(2);
    expect(names).to.not.include("a__b__c");
    const longName = names.find((name) => name.startsWith("a__txxx"))!;
    expect(longName.length).to.be.at.most(MAX_EXPOSED_NAME_LENGTH);
    for (const name of names) expect(name).to.match(NAME_RULE);
    // Stable: the same names on another run, and each reaches its own tool.
    const second = await harness.start(config);
    expect((await second.client.listTools()).tools.map((tool) => tool.name)).to.deep.equal(names);
    const answers = await Promise.all(
      hashed.map(async (name) => textOf(await second.client.callTool({ name }))),
    );
    expect(answers.sort()).to.deep.equal(["a: b__c answered", "ab: c answered"]);
    expect(textOf(await second.client.callTool({ name: longName }))).to.equal(`a: ${long} answered`);
  });

  it("sends tools/list_changed when a slow backend becomes ready after the first list", async () => {
    let changed = 0;
    const session = await harness.start(
      {
        mode: "aggregate",
        backends: { fast: backends.relay("fast"), slow: backends.fixture(["--start-delay", "5000"]) },
      },
      {
        setup: (client) =>
          client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
            changed++;
          }),
      },
    );
    const before = (await session.client.listTools()).tools.map((tool) => tool.name);
    expect(before).to.include("fast__ask");
    expect(before.some((name) => name.startsWith("slow__"))).to.equal(false);
    expect(await waitFor(() => changed > 0, 20_000)).to.equal(true);
    const after = (await session.client.listTools()).tools.map((tool) => tool.name);
    expect(after).to.include("slow__echo");
  });

  it("sends tools/list_changed when a backend's own list changes, and lists the new tool", async () => {
    let changed = 0;
    const session = await harness.start(
      { mode: "aggregate", backends: { a: backends.relay("a") } },
      {
        setup: (client) =>
          client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
            changed++;
          }),
      },
    );
    expect((await session.client.listTools()).tools.map((tool) => tool.name)).to.not.include("a__late");
    await session.client.callTool({ name: "a__add-tool", arguments: { name: "late" } });
    expect(await waitFor(() => changed > 0, 20_000)).to.equal(true);
    expect((await session.client.listTools()).tools.map((tool) => tool.name)).to.include("a__late");
    expect(textOf(await session.client.callTool({ name: "a__late" }))).to.equal("a: late answered");
  });

  it("starts eager backends right after initialized, without a call", async () => {
    const dir = await harness.temp();
    const eager = dir.file("eager");
    const lazy = dir.file("lazy");
    await harness.start({
      start: "eager",
      backends: {
        eager: backends.fixture(["--marker", eager]),
        lazy: backends.fixture(["--marker", lazy], { start: "lazy" }),
      },
    });
    const started = async (file: string): Promise<boolean> =>
      (await readFile(file, "utf8").catch(() => "")).includes("started");
    expect(await waitFor(() => started(eager), 20_000)).to.equal(true);
    expect(await started(lazy)).to.equal(false);
  });

  describe("tool filters", () => {
    const filtered = { backends: { everything: { ...backends.everything(), tools: { deny: ["get-*"] } } } };

    it("hide and block tools in meta mode", async () => {
      const session = await harness.start(filtered);
      const discovery = textOf(
        await session.client.callTool({
          name: "discover_backend_tools",
          arguments: { backend_name: "everything" },
        }),
      );
      expect(discovery).to.include("### echo").and.not.include("### get-sum");
      const blocked = await session.client.callTool(useToolRequest("everything", "get-sum", { a: 1, b: 2 }));
      expect(blocked.isError).to.equal(true);
      expect(textOf(blocked))
        .to.include('tool "get-sum" of backend "everything" cannot be called')
        .and.include("tools.deny (get-*)");
    });

    it("hide and block tools in aggregate mode, and allow only what allow names", async () => {
      const session = await harness.start({ ...filtered, mode: "aggregate" });
      const names = (await session.client.listTools()).tools.map((tool) => tool.name);
      expect(names).to.include("everything__echo").and.not.include("everything__get-sum");
      const call = await session.client
        .callTool({ name: "everything__get-sum", arguments: { a: 1, b: 2 } })
        .then(
          () => "called",
          (error: Error) => error.message,
        );
      expect(call).to.include("Unknown tool: everything__get-sum");
      const only = await harness.start({
        mode: "aggregate",
        backends: {
          everything: { ...backends.everything(), tools: { allow: ["echo", "get-s{um,tructured-content}"] } },
        },
      });
      expect((await only.client.listTools()).tools.map((tool) => tool.name).sort()).to.deep.equal([
        "everything__echo",
        "everything__get-structured-content",
        "everything__get-sum",
      ]);
    });
  });

  it("--mode overrides the config's mode", async () => {
    const session = await harness.start(
      { backends: { a: backends.relay("a") } },
      { args: ["--mode", "aggregate"] },
    );
    const names = (await session.client.listTools()).tools.map((tool) => tool.name);
    expect(names).to.include("a__ask").and.not.include("use_tool");
  });
});
