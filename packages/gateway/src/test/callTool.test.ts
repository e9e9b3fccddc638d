import { expect } from "chai";
import type { ProgressNotificationParams } from "@mcpware/protocol";
import type { Gateway } from "../createGateway.js";
import { createGateway } from "../createGateway.js";
import { parseConfig } from "../loadConfig.js";
import { createSilentLogger } from "../logger.js";
import { backends, waitForExit } from "./helpers/e2e.js";

describe("Gateway.callTool", function () {
  this.timeout(60_000);
  let gateway: Gateway | undefined;
  let pids: number[] = [];
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    expect(await waitForExit(pids), "processes left behind").to.deep.equal([]);
    pids = [];
  });

  it("delivers each concurrent call's progress to its own onProgress", async () => {
    const config = parseConfig({ backends: { everything: backends.everything() } });
    gateway = createGateway(config, { logger: createSilentLogger() });
    gateway.pool.onSpawn(({ pid }) => pids.push(pid));
    const totals = (steps: number) => {
      const seen: ProgressNotificationParams[] = [];
      const call = gateway!.callTool(
        "everything",
        "trigger-long-running-operation",
        { duration: 1, steps },
        { onProgress: (progress) => seen.push(progress) },
      );
      return call.then((result) => ({ isError: result.isError ?? false, totals: seen.map((p) => p.total) }));
    };
    const [two, three] = await Promise.all([totals(2), totals(3)]);
    expect(two).to.deep.equal({ isError: false, totals: [2, 2] });
    expect(three).to.deep.equal({ isError: false, totals: [3, 3, 3] });
  });
});
