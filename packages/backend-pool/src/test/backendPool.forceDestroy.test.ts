import { expect } from "chai";
import sinon from "sinon";
import { BackendErrorCode } from "../backendError.js";
import type { BackendPool } from "../backendPool.js";
import { fixtureSpec } from "./helpers/fixtures.js";
import { nextEvent, rejectionOf, usePoolHarness } from "./helpers/poolHarness.js";
import { isRunning, survivors } from "./helpers/processTable.js";
import type { StateChangeEvent } from "../types.js";

/**
 * The stop ladder's waits are timers; with them faked (and never advanced) a graceful stop of a backend that
 * ignores stdin EOF and SIGTERM cannot finish, so only a forced destroy can end it.
 */
describe("BackendPool destroy with force", () => {
  const harness = usePoolHarness();
  let clock: sinon.SinonFakeTimers | undefined;
  afterEach(() => {
    clock?.restore();
    clock = undefined;
  });

  async function runningGrandchildPool(): Promise<{ pool: BackendPool; pid: number; grandchildPid: number }> {
    const pool = harness.create();
    pool.add(fixtureSpec("spawnsGrandchild", { argv: ["--ignore-stdin-close"] }));
    const { pid, grandchildPid } = await pool.request<{ pid: number; grandchildPid: number }>(
      "spawnsGrandchild",
      "pids",
    );
    expect(isRunning(grandchildPid)).to.equal(true);
    return { pool, pid, grandchildPid };
  }

  const stopping = (pool: BackendPool): Promise<StateChangeEvent> =>
    nextEvent<StateChangeEvent>(
      (listener) => pool.onStateChange(listener),
      (event) => event.state === "stopping",
    );

  it("kills a backend stuck in the stop ladder of close(), grandchild included, and close() resolves too", async () => {
    const { pool, pid, grandchildPid } = await runningGrandchildPool();
    clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const isStopping = stopping(pool);
    let closed = false;
    const closing = pool.close().then(() => (closed = true));
    await isStopping;
    // The backend no longer reports a pid while it is stopping: killing by info().pid would miss it.
    expect(pool.info("spawnsGrandchild").pid).to.equal(undefined);
    await pool.destroy(undefined, { force: true });
    expect(isRunning(pid)).to.equal(false);
    await closing;
    expect(closed).to.equal(true);
    clock.restore();
    clock = undefined;
    expect(await survivors([pid, grandchildPid])).to.deep.equal([]);
    expect(pool.info("spawnsGrandchild").state).to.equal("idle");
  });

  it("reaches a removed backend whose stop is still running", async () => {
    const { pool, pid, grandchildPid } = await runningGrandchildPool();
    clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const isStopping = stopping(pool);
    const removing = pool.remove("spawnsGrandchild");
    await isStopping;
    await pool.destroy(undefined, { force: true });
    await removing;
    expect(isRunning(pid)).to.equal(false);
    clock.restore();
    clock = undefined;
    expect(await survivors([pid, grandchildPid])).to.deep.equal([]);
  });

  it("fails requests in flight with the given error and refuses new ones", async () => {
    const pool = harness.create();
    pool.add(fixtureSpec("ignoresSigterm"));
    await pool.start("ignoresSigterm");
    const pending = rejectionOf(pool.request("ignoresSigterm", "echo", { delayMs: 60_000 }));
    const reason = new Error("gateway exiting");
    await pool.destroy(reason, { force: true });
    expect(await pending).to.equal(reason);
    const refused = await rejectionOf(pool.request("ignoresSigterm", "echo", {}));
    expect(refused).to.include({ code: BackendErrorCode.PoolClosed });
    expect(pool.info("ignoresSigterm").stderrTail).to.not.include("ignoring SIGTERM");
  });
});
