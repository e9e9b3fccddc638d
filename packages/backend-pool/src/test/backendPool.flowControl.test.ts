import { expect } from "chai";
import { BackendErrorCode } from "../backendError.js";
import { fixtureSpec } from "./helpers/fixtures.js";
import { rejectionOf, usePoolHarness } from "./helpers/poolHarness.js";

describe("BackendPool flow control", function () {
  this.timeout(30_000);
  const harness = usePoolHarness();

  it("answers requests over maxInFlight at once with ERR_BACKEND_BUSY while the earlier ones go on", async () => {
    const pool = harness.create();
    pool.add(fixtureSpec("echo", { maxInFlight: 2 }));
    await pool.start("echo");
    let settled = 0;
    const slow = [1, 2].map((n) =>
      pool.request("echo", "echo", { n, delayMs: 1_000 }).finally(() => settled++),
    );
    const busy = await rejectionOf(pool.request("echo", "echo", { n: 3 }));
    expect(busy).to.include({ code: BackendErrorCode.Busy, backend: "echo", method: "echo" });
    expect(settled).to.equal(0);
    expect(pool.info("echo").inFlight).to.equal(2);
    expect(await Promise.all(slow)).to.deep.equal([
      { echo: { n: 1, delayMs: 1_000 } },
      { echo: { n: 2, delayMs: 1_000 } },
    ]);
    expect(pool.info("echo").inFlight).to.equal(0);
    expect(await pool.request("echo", "echo", { n: 4 })).to.deep.equal({ echo: { n: 4 } });
  });

  it("counts failed requests out of maxInFlight", async () => {
    const pool = harness.create();
    pool.add(fixtureSpec("hangsOnCall", { maxInFlight: 1 }));
    await pool.start("hangsOnCall");
    for (let attempt = 0; attempt < 3; attempt++) {
      const error = await rejectionOf(pool.request("hangsOnCall", "tools/call", {}, { timeoutMs: 50 }));
      expect(error).to.include({ code: BackendErrorCode.Timeout });
    }
    expect(pool.info("hangsOnCall").inFlight).to.equal(0);
  });

  it("finishes a start while reading is paused, then holds the backend's replies until resumeReading", async () => {
    const pool = harness.create();
    pool.add(fixtureSpec("echo", { startTimeoutMs: 10_000 }));
    pool.pauseReading();
    expect(pool.isReadingPaused).to.equal(true);
    // The handshake is read even while paused: a paused start would end in ERR_BACKEND_START_TIMEOUT.
    const { pid } = await pool.start("echo");
    // Three replies never read: each request times out, and none of them counts towards recycling the process
    // (maxConsecutiveTimeouts is 3), since it was the pool's owner that held the replies back.
    for (let attempt = 0; attempt < 3; attempt++) {
      const error = await rejectionOf(pool.request("echo", "echo", { attempt }, { timeoutMs: 300 }));
      expect(error).to.include({ code: BackendErrorCode.Timeout });
    }
    pool.resumeReading();
    expect(await pool.request("echo", "pid", {})).to.deep.equal({ pid });
    expect(pool.info("echo")).to.include({ state: "ready", pid });
  });

  it("delivers the reply a backend wrote before it exited, while reading was paused", async () => {
    const pool = harness.create();
    pool.add(fixtureSpec("echo"));
    await pool.start("echo");
    pool.pauseReading();
    expect(await pool.request("echo", "replyThenExit", { code: 0 })).to.not.equal(undefined);
    pool.resumeReading();
  });
});
