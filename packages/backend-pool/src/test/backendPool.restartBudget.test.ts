import { expect } from "chai";
import sinon from "sinon";
import { BackendError, BackendErrorCode } from "../backendError.js";
import { RestartGovernor } from "../restartGovernor.js";
import { fixtureSpec } from "./helpers/fixtures.js";
import { rejectionOf, usePoolHarness } from "./helpers/poolHarness.js";

describe("the restart budget", () => {
  describe("RestartGovernor", () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = sinon.useFakeTimers({ now: 1_000_000 });
    });
    afterEach(() => clock.restore());

    it("fails the backend for good after maxFailedStarts failed starts within the window", () => {
      const governor = new RestartGovernor({ initialBackoffMs: 0, maxCrashes: 100, maxFailedStarts: 3 });
      for (let i = 0; i < 2; i++) {
        governor.recordCrash(Date.now());
        expect(governor.recordFailedStart(Date.now())).to.equal(false);
        clock.tick(1_000);
      }
      governor.recordCrash(Date.now());
      expect(governor.recordFailedStart(Date.now())).to.equal(true);
      expect(governor.isFailed).to.equal(true);
      clock.tick(24 * 3_600_000);
      expect(governor.decide(Date.now())).to.deep.equal({ kind: "failed" });
    });

    it("counts only the failed starts inside the window (5 in 5 minutes by default)", () => {
      const governor = new RestartGovernor({ initialBackoffMs: 0, maxCrashes: 100 });
      for (let i = 0; i < 10; i++) {
        governor.recordCrash(Date.now());
        expect(governor.recordFailedStart(Date.now()), `failure ${i + 1}`).to.equal(false);
        clock.tick(76_000); // five of them span 304 s: never 5 within 5 minutes
      }
      expect(governor.decide(Date.now()).kind).to.equal("start");
    });
  });

  describe("BackendPool", () => {
    const harness = usePoolHarness();

    it("stops spawning a backend that failed to start maxFailedStarts times, says why, and starts it again once replaced", async () => {
      const pool = harness.create();
      const spec = fixtureSpec("exitsAtOnce", {
        restart: { initialBackoffMs: 0, maxCrashes: 100, maxFailedStarts: 3 },
      });
      pool.add(spec);
      for (let i = 0; i < 3; i++) {
        expect(await rejectionOf(pool.request("exitsAtOnce", "tools/list"))).to.include({
          code: BackendErrorCode.Exited,
        });
      }
      expect(pool.info("exitsAtOnce").state).to.equal("failed");
      const spawned = harness.pids.size;
      const error = (await rejectionOf(pool.request("exitsAtOnce", "tools/list"))) as BackendError;
      expect(error).to.be.instanceOf(BackendError);
      expect(error).to.include({ code: BackendErrorCode.Failed, backend: "exitsAtOnce" });
      expect(error.message).to.include("failed to start 3 times within 300 s");
      expect(error.message).to.include("exited with code 1");
      expect(error.stderrTail).to.include("fatal: missing configuration");
      expect((error.cause as BackendError).code).to.equal(BackendErrorCode.Exited);
      expect(harness.pids.size, "no spawn once failed").to.equal(spawned);
      expect(pool.info("exitsAtOnce").lastError?.code).to.equal(BackendErrorCode.Exited);

      await pool.replace(spec);
      expect(pool.info("exitsAtOnce").state).to.equal("idle");
      expect(await rejectionOf(pool.request("exitsAtOnce", "tools/list"))).to.include({
        code: BackendErrorCode.Exited,
      });
      expect(harness.pids.size, "spawned again after replace").to.equal(spawned + 1);
    });
  });
});
