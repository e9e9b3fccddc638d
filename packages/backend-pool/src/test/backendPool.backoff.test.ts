import { expect } from "chai";
import sinon from "sinon";
import { BackendErrorCode } from "../backendError.js";
import { fixtureSpec } from "./helpers/fixtures.js";
import { nextEvent, rejectionOf, usePoolHarness } from "./helpers/poolHarness.js";
import type { SpawnEvent } from "../types.js";

/** Backoff after the first crash (±20 % jitter): far longer than anything else the test waits for. */
const BACKOFF_MS = 60_000;
const HUGE_TIMEOUT_MS = 600_000;

describe("BackendPool restart backoff", () => {
  const harness = usePoolHarness();
  let clock: sinon.SinonFakeTimers | undefined;
  afterEach(() => {
    clock?.restore();
    clock = undefined;
  });

  const turns = async (count: number): Promise<void> => {
    for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
  };

  it("respawns a crashed backend only once its backoff has passed", async () => {
    const pool = harness.create();
    pool.add(
      fixtureSpec("exitsAtOnce", {
        restart: { initialBackoffMs: BACKOFF_MS, maxBackoffMs: BACKOFF_MS },
        // Not to fire while the fake clock jumps over the backoff.
        startTimeoutMs: HUGE_TIMEOUT_MS,
      }),
    );
    const log: string[] = [];
    pool.onSpawn(() => log.push("spawn"));
    pool.onStateChange(({ state }) => log.push(state));
    const first = await rejectionOf(pool.request("exitsAtOnce", "ping", {}, { timeoutMs: HUGE_TIMEOUT_MS }));
    expect(first).to.include({ code: BackendErrorCode.Exited, backend: "exitsAtOnce" });
    // Only the backoff sleep (and the request's deadline) are faked: the children and their pipes stay real.
    clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const second = rejectionOf(pool.request("exitsAtOnce", "ping", {}, { timeoutMs: HUGE_TIMEOUT_MS }));
    await turns(20);
    await clock.tickAsync(BACKOFF_MS / 2);
    await turns(20);
    // The first start probes the era: the process exits during the probe, so it is started once more, as legacy
    // (remembered: the later start spawns once).
    expect(log, "nothing started during the backoff").to.deep.equal([
      "starting",
      "spawn",
      "spawn",
      "crashed",
    ]);
    log.push("half the backoff passed");
    const respawned = nextEvent<SpawnEvent>(
      (listener) => pool.onSpawn(listener),
      () => true,
    );
    // Up to the longest jittered backoff (+20 %).
    await clock.tickAsync(BACKOFF_MS * 0.7 + 1);
    await respawned;
    expect(await second).to.include({ code: BackendErrorCode.Exited, backend: "exitsAtOnce" });
    expect(log).to.deep.equal([
      "starting",
      "spawn",
      "spawn",
      "crashed",
      "half the backoff passed",
      "starting",
      "spawn",
      "crashed",
    ]);
  });
});
