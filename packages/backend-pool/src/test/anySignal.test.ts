import { expect } from "chai";
import { getEventListeners } from "node:events";
import { anySignal } from "../anySignal.js";

describe("anySignal", () => {
  it("aborts with the reason of the first source that aborts", () => {
    const a = new AbortController();
    const b = new AbortController();
    const linked = anySignal([a.signal, undefined, b.signal]);
    expect(linked.signal.aborted).to.equal(false);
    b.abort("b went first");
    a.abort("a later");
    expect(linked.signal.aborted).to.equal(true);
    expect(linked.signal.reason).to.equal("b went first");
  });

  it("is aborted at once when a source already is", () => {
    const a = new AbortController();
    a.abort("early");
    expect(anySignal([new AbortController().signal, a.signal]).signal.reason).to.equal("early");
  });

  it("no longer follows its sources once disposed", () => {
    const a = new AbortController();
    const linked = anySignal([a.signal]);
    linked.dispose();
    a.abort("ignored");
    expect(linked.signal.aborted).to.equal(false);
  });

  it("leaves nothing attached to a long-lived source after dispose", () => {
    const lifetime = new AbortController();
    for (let i = 0; i < 1000; i++) anySignal([lifetime.signal]).dispose();
    expect(getEventListeners(lifetime.signal, "abort")).to.have.length(0);
  });
});
