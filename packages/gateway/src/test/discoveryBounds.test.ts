import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { backends, parseOverview, textOf, useHarness } from "./helpers/e2e.js";

/** Generous per-backend deadline (seconds) where nothing should come near it, so load never decides a test. */
const GENEROUS_TIMEOUT_S = 20;
/** The short deadline (seconds) of the backend that never lists its tools. */
const SHORT_TIMEOUT_S = 1;

const FIXTURE_TOOLS = ["echo", "slow", "crash", "spawn-child", "pair"];

describe("discover_backend_tools without a name (end to end)", function () {
  // A sequential discovery would wait out every barrier backend's deadline before failing: room for that.
  this.timeout(120_000);
  const harness = useHarness();

  it("starts and queries every backend at the same time", async () => {
    const dir = await harness.temp();
    const barrier = dir.file("barrier");
    const names = ["a", "b", "c"];
    // Each fixture answers initialize, then tools/list, only once all three were asked that same method: a
    // discovery that started or listed one backend after another could not complete before a deadline.
    const sibling = () =>
      backends.fixture(
        [
          "--barrier",
          barrier,
          "--barrier-count",
          String(names.length),
          "--barrier-on",
          "initialize,tools/list",
        ],
        { timeout: GENEROUS_TIMEOUT_S },
      );
    const session = await harness.start({
      backends: Object.fromEntries(names.map((name) => [name, sibling()])),
    });
    const result = await session.client.callTool({ name: "discover_backend_tools", arguments: {} });
    expect(result.isError, textOf(result)).to.not.equal(true);
    const found = parseOverview(textOf(result));
    expect(found.map((backend) => backend.name)).to.deep.equal(names);
    for (const backend of found) {
      expect(backend.error, backend.name).to.equal(undefined);
      expect(backend.state, backend.name).to.equal("ready");
      expect(backend.tools).to.deep.equal(FIXTURE_TOOLS);
    }
    // Every start was under way before any list was asked for, and each backend was asked once per step.
    const events = (await readFile(barrier, "utf8")).split("\n").filter((line) => line !== "");
    const methods = events.map((line) => line.split(" ")[0]);
    expect(methods).to.deep.equal([
      "initialize",
      "initialize",
      "initialize",
      "tools/list",
      "tools/list",
      "tools/list",
    ]);
  });

  it("returns the healthy backends' tools while one never answers tools/list, naming its state and deadline", async () => {
    const session = await harness.start({
      backends: {
        first: backends.fixture([], { timeout: GENEROUS_TIMEOUT_S }),
        hanging: backends.fixture(["--hang-on", "tools/list"], { timeout: SHORT_TIMEOUT_S }),
        last: backends.fixture(),
      },
    });
    const result = await session.client.callTool({ name: "discover_backend_tools", arguments: {} });
    expect(result.isError, textOf(result)).to.not.equal(true);
    const found = parseOverview(textOf(result));
    expect(found.map((backend) => backend.name)).to.deep.equal(["first", "hanging", "last"]);
    const [first, hanging, last] = found;
    for (const healthy of [first!, last!]) {
      expect(healthy.state, healthy.name).to.equal("ready");
      expect(healthy.error, healthy.name).to.equal(undefined);
      expect(healthy.tools).to.deep.equal(FIXTURE_TOOLS);
    }
    expect(hanging!.tools).to.deep.equal([]);
    expect(hanging!.state).to.be.a("string").and.not.equal("unavailable");
    expect(hanging!.error).to.equal(
      `backend "hanging" did not list its tools within ${SHORT_TIMEOUT_S} s (state: ${hanging!.state}); ask again later.`,
    );
    const text = textOf(result);
    expect(text)
      .to.include(`## hanging (${hanging!.state})`)
      .and.to.include("did not list its tools within 1 s");
    expect(text).to.include("## first (ready)").and.to.include("- echo: Returns the text it is given.");

    // The gateway still serves the hanging backend's siblings afterwards.
    const echo = await session.client.callTool({
      name: "use_tool",
      arguments: { backend_server: "last", server_tool: "echo", tool_arguments: { text: "still here" } },
    });
    expect(textOf(echo)).to.equal("still here");
  });
});
