import { expect } from "chai";
import sinon from "sinon";
import { RequestError, RequestErrorCode } from "../requestError.js";
import { createRawPeerConnection, useCleanups } from "./fixtures/connectionPair.js";
import type { RawPeer } from "./fixtures/connectionPair.js";
import { rejectionOf } from "./fixtures/rejectionOf.js";

/** Settles to "pending" when `promise` has not settled by the end of the current microtask queue. */
async function stateOf(promise: Promise<unknown>): Promise<"pending" | "resolved" | "rejected"> {
  const marker = Symbol("pending");
  const winner = await Promise.race([
    promise.then(
      () => "resolved" as const,
      () => "rejected" as const,
    ),
    new Promise<symbol>((resolve) => setImmediate(resolve, marker)),
  ]);
  return winner === marker ? "pending" : (winner as "resolved" | "rejected");
}

describe("MCP deadline suspension", () => {
  const cleanups = useCleanups();
  let clock: sinon.SinonFakeTimers;

  beforeEach(() => {
    // Only the deadline timers and their clock are faked; the streams run on the real event loop.
    clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    cleanups.push(() => clock.restore());
  });

  function rawPeer(): ReturnType<typeof createRawPeerConnection> {
    const made = createRawPeerConnection();
    cleanups.push(made.dispose);
    made.connection.listen();
    return made;
  }

  async function nextMethod(peer: RawPeer): Promise<string> {
    return String((await peer.nextMessage()).method);
  }

  it("holds the deadline of a pending request while suspended and runs on with the time it had left", async () => {
    const { connection, peer } = rawPeer();
    const pending = connection.sendRequest("tools/call", {}, { timeoutMs: 100 });
    await peer.nextMessage();
    clock.tick(40);
    const suspension = connection.suspendDeadlines();
    expect(suspension.size).to.equal(1);
    clock.tick(10_000);
    expect(await stateOf(pending)).to.equal("pending");
    suspension.dispose();
    clock.tick(59);
    expect(await stateOf(pending)).to.equal("pending");
    clock.tick(1);
    const error = (await rejectionOf(pending)) as RequestError;
    expect(error).to.be.instanceOf(RequestError);
    expect(error).to.include({ code: RequestErrorCode.Timeout, timeoutMs: 100, waitedMs: 10_000 });
    expect(error.maxTotalMs).to.equal(undefined);
    expect(error.elapsedMs).to.equal(10_100);
    expect(error.message).to.contain("not counting 10000 ms");
    expect(await nextMethod(peer)).to.equal("notifications/cancelled");
  });

  it("keeps a request's maxTotalMs running while its deadline is suspended", async () => {
    const { connection, peer } = rawPeer();
    const pending = connection.sendRequest("tools/call", {}, { timeoutMs: 100, maxTotalMs: 1_000 });
    await peer.nextMessage();
    const suspension = connection.suspendDeadlines();
    cleanups.push(() => suspension.dispose());
    clock.tick(999);
    expect(await stateOf(pending)).to.equal("pending");
    clock.tick(1);
    const error = (await rejectionOf(pending)) as RequestError;
    expect(error).to.include({ code: RequestErrorCode.Timeout, maxTotalMs: 1_000, waitedMs: 1_000 });
    expect(error.message).to.contain("maximum total time, 1000 ms");
    const cancelled = await peer.nextMessage();
    expect(cancelled.method).to.equal("notifications/cancelled");
  });

  it("applies a maxTotalMs shorter than the deadline without any suspension", async () => {
    const { connection, peer } = rawPeer();
    const pending = connection.sendRequest("tools/call", {}, { timeoutMs: 5_000, maxTotalMs: 300 });
    await peer.nextMessage();
    clock.tick(300);
    const error = (await rejectionOf(pending)) as RequestError;
    expect(error).to.include({ code: RequestErrorCode.Timeout, maxTotalMs: 300 });
  });

  it("does not cover requests sent after it was made", async () => {
    const { connection, peer } = rawPeer();
    const suspension = connection.suspendDeadlines();
    cleanups.push(() => suspension.dispose());
    expect(suspension.size).to.equal(0);
    const later = connection.sendRequest("tools/call", {}, { timeoutMs: 50 });
    await peer.nextMessage();
    clock.tick(50);
    expect(((await rejectionOf(later)) as RequestError).code).to.equal(RequestErrorCode.Timeout);
  });

  it("stays suspended until the last of two suspensions is disposed", async () => {
    const { connection, peer } = rawPeer();
    const pending = connection.sendRequest("tools/call", {}, { timeoutMs: 100 });
    await peer.nextMessage();
    const first = connection.suspendDeadlines();
    const second = connection.suspendDeadlines();
    first.dispose();
    clock.tick(5_000);
    expect(await stateOf(pending)).to.equal("pending");
    second.dispose();
    second.dispose();
    clock.tick(100);
    expect(((await rejectionOf(pending)) as RequestError).waitedMs).to.equal(5_000);
  });

  it("aborts `abandoned` once every covered request failed without a reply", async () => {
    const { connection, peer } = rawPeer();
    const first = new AbortController();
    const a = connection.sendRequest("tools/call", { n: 1 }, { signal: first.signal });
    const b = connection.sendRequest("tools/call", { n: 2 }, { timeoutMs: 100, maxTotalMs: 200 });
    await peer.nextMessage();
    await peer.nextMessage();
    const suspension = connection.suspendDeadlines();
    cleanups.push(() => suspension.dispose());
    first.abort();
    await rejectionOf(a);
    expect(suspension.abandoned.aborted).to.equal(false);
    clock.tick(200);
    await rejectionOf(b);
    expect(suspension.abandoned.aborted).to.equal(true);
    const reason = suspension.abandoned.reason as RequestError;
    expect(reason).to.be.instanceOf(RequestError);
    expect(reason.code).to.equal(RequestErrorCode.Aborted);
  });

  it("is not abandoned when one covered request was answered", async () => {
    const { connection, peer } = rawPeer();
    const controller = new AbortController();
    const a = connection.sendRequest("tools/call", { n: 1 }, { signal: controller.signal });
    const b = connection.sendRequest("tools/call", { n: 2 });
    await peer.nextMessage();
    const second = await peer.nextMessage();
    const suspension = connection.suspendDeadlines();
    cleanups.push(() => suspension.dispose());
    peer.sendMessage({ jsonrpc: "2.0", id: second.id, result: { content: [] } });
    expect(await b).to.deep.equal({ content: [] });
    controller.abort();
    await rejectionOf(a);
    expect(suspension.size).to.equal(0);
    expect(suspension.abandoned.aborted).to.equal(false);
  });

  it("is abandoned when the connection closes under the covered requests", async () => {
    const { connection, peer } = rawPeer();
    const pending = connection.sendRequest("tools/call", {});
    await peer.nextMessage();
    const suspension = connection.suspendDeadlines();
    connection.dispose();
    expect(((await rejectionOf(pending)) as RequestError).code).to.equal(RequestErrorCode.ConnectionClosed);
    expect(suspension.abandoned.aborted).to.equal(true);
  });

  it("refuses a bad maxTotalMs with a TypeError naming it", async () => {
    const { connection } = rawPeer();
    const error = await rejectionOf(connection.sendRequest("ping", undefined, { maxTotalMs: -1 }));
    expect(error).to.be.instanceOf(TypeError);
    expect((error as Error).message).to.contain("maxTotalMs");
  });
});
