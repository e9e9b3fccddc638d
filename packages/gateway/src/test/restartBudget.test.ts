import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { backends, textOf, useHarness, useToolRequest } from "./helpers/e2e.js";

describe("the restart budget (end to end)", function () {
  this.timeout(120_000);
  const harness = useHarness();

  it("stops spawning a backend that failed to start 5 times, and says so with the last stderr lines", async () => {
    const dir = await harness.temp();
    const marker = dir.file("marker");
    const session = await harness.start({
      backends: { broken: backends.fixture(["--marker", marker, "--exit-at-start", "3"]) },
    });
    const starts = async (): Promise<number> =>
      (await readFile(marker, "utf8").catch(() => ""))
        .split("\n")
        .filter((line) => line.startsWith("started ")).length;
    // Each call waits out the backoff (1 s, doubling) and tries again: five failed starts, the first of them run
    // twice (it exited on the era probe, so it was run once more without it: one restart, once).
    for (let attempt = 1; attempt <= 5; attempt++) {
      const result = await session.client.callTool(useToolRequest("broken", "echo", { text: "x" }));
      expect(result.isError, `attempt ${attempt}`).to.equal(true);
      expect(textOf(result), `attempt ${attempt}`).to.include("while starting");
    }
    expect(await starts()).to.equal(6);
    const refused = textOf(await session.client.callTool(useToolRequest("broken", "echo", { text: "x" })));
    expect(refused).to.include(
      "failed to start too many times and is not started again until its config changes",
    );
    expect(refused).to.include("The last attempt:").and.include("exited with code 3");
    expect(refused).to.include("Last stderr lines");
    const discovery = textOf(
      await session.client.callTool({
        name: "discover_backend_tools",
        arguments: { backend_name: "broken" },
      }),
    );
    expect(discovery).to.include("failed to start too many times");
    expect(await starts(), "no spawn once the budget is spent").to.equal(6);
  });
});
