import { expect } from "chai";
import { fixtureSpec } from "./helpers/fixtures.js";
import { usePoolHarness } from "./helpers/poolHarness.js";

/** A small deterministic generator, so a failure can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe("BackendPool under concurrency", () => {
  const harness = usePoolHarness();

  it("resolves 1,000 concurrent requests over 5 backends with random delays, each to its own reply", async () => {
    const pool = harness.create();
    const names = ["b0", "b1", "b2", "b3", "b4"];
    for (const name of names) pool.add(fixtureSpec("echo", { name }));
    const random = seededRandom(20261123);
    const calls = Array.from({ length: 1000 }, (_, index) => {
      const backend = names[Math.floor(random() * names.length)]!;
      // Some ids as numbers, some as strings that look like numbers: replies must not be mixed up.
      const tag = index % 2 === 0 ? index : String(index);
      return { backend, params: { tag, backend, delayMs: Math.floor(random() * 20) } };
    });
    const replies = await Promise.all(calls.map((call) => pool.request(call.backend, "echo", call.params)));
    replies.forEach((reply, index) => expect(reply).to.deep.equal({ echo: calls[index]!.params }));
    expect(harness.pids.size).to.equal(5);
    for (const info of pool.infos()) expect(info).to.include({ state: "ready", inFlight: 0, restarts: 0 });
  });
});
