import { expect } from "chai";
import sinon from "sinon";
import { RestartGovernor } from "../restartGovernor.js";

describe("RestartGovernor", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => clock.restore());

  it("allows the first start at once", () => {
    expect(new RestartGovernor().decide(Date.now())).to.deep.equal({ kind: "start", probe: false });
  });

  it("backs off 1 s doubling to 30 s after consecutive crashes (no jitter at the midpoint)", () => {
    const governor = new RestartGovernor({ maxCrashes: 100 }, () => 0.5);
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      governor.recordCrash(Date.now());
      const decision = governor.decide(Date.now());
      expect(decision.kind).to.equal("wait");
      if (decision.kind === "wait") delays.push(decision.delayMs);
      clock.tick(delays.at(-1)!);
      expect(governor.decide(Date.now())).to.deep.equal({ kind: "start", probe: false });
      governor.recordStart(false);
    }
    expect(delays).to.deep.equal([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it("jitters the backoff by at most 20 % either way", () => {
    const low = new RestartGovernor({}, () => 0);
    low.recordCrash(Date.now());
    expect(low.decide(Date.now())).to.deep.equal({ kind: "wait", delayMs: 800 });
    const high = new RestartGovernor({}, () => 1);
    high.recordCrash(Date.now());
    expect(high.decide(Date.now())).to.deep.equal({ kind: "wait", delayMs: 1200 });
  });

  it("starts the backoff over after the backend stayed up a minute", () => {
    const governor = new RestartGovernor({}, () => 0.5);
    governor.recordCrash(Date.now());
    clock.tick(1000);
    governor.recordCrash(Date.now());
    clock.tick(2000);
    governor.recordReady(Date.now());
    clock.tick(60_000);
    governor.recordCrash(Date.now());
    expect(governor.decide(Date.now())).to.deep.equal({ kind: "wait", delayMs: 1000 });
  });

  it("opens the circuit after maxCrashes within the window, fails fast until the cooldown, then allows one probe", () => {
    const governor = new RestartGovernor({
      maxCrashes: 3,
      windowMs: 60_000,
      cooldownMs: 30_000,
      initialBackoffMs: 10,
    });
    expect(governor.recordCrash(Date.now())).to.equal(false);
    clock.tick(1000);
    expect(governor.recordCrash(Date.now())).to.equal(false);
    clock.tick(1000);
    expect(governor.recordCrash(Date.now())).to.equal(true);
    expect(governor.decide(Date.now()).kind).to.equal("circuit-open");
    clock.tick(29_999);
    expect(governor.decide(Date.now()).kind).to.equal("circuit-open");
    clock.tick(1);
    expect(governor.decide(Date.now())).to.deep.equal({ kind: "start", probe: true });
    governor.recordStart(true);
    // Only one probe at a time.
    expect(governor.decide(Date.now()).kind).to.equal("circuit-open");
    governor.recordReady(Date.now());
    expect(governor.isCircuitOpen).to.equal(false);
    expect(governor.decide(Date.now())).to.deep.equal({ kind: "start", probe: false });
  });

  it("reopens the circuit when the probe fails", () => {
    const governor = new RestartGovernor({ maxCrashes: 1, cooldownMs: 5000 });
    governor.recordCrash(Date.now());
    clock.tick(5000);
    governor.recordStart(true);
    expect(governor.recordCrash(Date.now())).to.equal(true);
    const decision = governor.decide(Date.now());
    expect(decision).to.deep.equal({ kind: "circuit-open", retryAtMs: Date.now() + 5000 });
  });

  it("forgets crashes older than the window", () => {
    const governor = new RestartGovernor({ maxCrashes: 3, windowMs: 10_000, initialBackoffMs: 1 });
    governor.recordCrash(Date.now());
    governor.recordCrash(Date.now());
    clock.tick(10_000);
    expect(governor.recordCrash(Date.now())).to.equal(false);
  });

  it("does not back off after a deliberate stop", () => {
    const governor = new RestartGovernor();
    governor.recordCrash(Date.now());
    governor.recordStop();
    expect(governor.decide(Date.now()).kind).to.equal("start");
  });
});
