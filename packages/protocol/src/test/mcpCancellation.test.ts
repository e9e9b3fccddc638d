import { expect } from "chai";
import type { McpConnection } from "../mcpConnectionTypes.js";
import { RequestError, RequestErrorCode } from "../requestError.js";
import {
  createConnectionPair,
  createRawPeerConnection,
  deferred,
  nextTurn,
  useCleanups,
  whenAborted,
  whenClosed,
} from "./fixtures/connectionPair.js";
import type { RawPeer } from "./fixtures/connectionPair.js";
import { rejectionOf } from "./fixtures/rejectionOf.js";

describe("MCP cancellation", () => {
  const cleanups = useCleanups();

  function rawPeer(options: Parameters<typeof createRawPeerConnection>[0] = {}): {
    connection: McpConnection;
    peer: RawPeer;
  } {
    const made = createRawPeerConnection(options);
    cleanups.push(made.dispose);
    made.connection.listen();
    return made;
  }

  describe("of outgoing requests", () => {
    it("sends notifications/cancelled with the request's id and rejects at once when the caller aborts", async () => {
      const { connection, peer } = rawPeer();
      const controller = new AbortController();
      const pending = connection.sendRequest("tools/call", { name: "slow" }, { signal: controller.signal });
      const request = await peer.nextMessage();
      const reason = new Error("the user pressed stop");
      controller.abort(reason);
      // The peer never replies: the request must settle on its own.
      const error = (await rejectionOf(pending)) as RequestError;
      expect(error).to.be.instanceOf(RequestError);
      expect(error).to.include({
        code: RequestErrorCode.Aborted,
        method: "tools/call",
        timeoutMs: undefined,
      });
      expect(error.elapsedMs).to.be.a("number");
      expect(error.cause).to.equal(reason);
      expect(await peer.nextMessage()).to.deep.equal({
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: request.id, reason: "the user pressed stop" },
      });
    });

    it("drops a late reply to a cancelled request silently and keeps serving", async () => {
      const { connection, peer } = rawPeer();
      const errors: Error[] = [];
      connection.onError((error) => errors.push(error));
      const controller = new AbortController();
      const pending = connection.sendRequest("slow", undefined, { signal: controller.signal });
      const request = await peer.nextMessage();
      controller.abort();
      await rejectionOf(pending);
      await peer.nextMessage(); // notifications/cancelled
      peer.sendMessage({ jsonrpc: "2.0", id: request.id, result: { late: true } });
      const next = connection.sendRequest("ping");
      const ping = await peer.nextMessage();
      expect(ping.method).to.equal("ping");
      expect(ping.id).to.not.equal(request.id);
      peer.sendMessage({ jsonrpc: "2.0", id: ping.id, result: { pong: true } });
      expect(await next).to.deep.equal({ pong: true });
      expect(errors).to.deep.equal([]);
    });

    it("times out with ERR_REQUEST_TIMEOUT and cancels at the peer", async () => {
      const { connection, peer } = rawPeer();
      const pending = connection.sendRequest("tools/call", {}, { timeoutMs: 20 });
      const request = await peer.nextMessage();
      const error = (await rejectionOf(pending)) as RequestError;
      expect(error).to.be.instanceOf(RequestError);
      expect(error).to.include({ code: RequestErrorCode.Timeout, method: "tools/call", timeoutMs: 20 });
      expect(error.elapsedMs).to.be.a("number");
      const cancelled = await peer.nextMessage();
      expect(cancelled.method).to.equal("notifications/cancelled");
      expect((cancelled.params as { requestId: unknown }).requestId).to.equal(request.id);
      expect((cancelled.params as { reason: unknown }).reason).to.be.a("string");
    });

    it("applies defaultRequestTimeoutMs to requests that set no deadline", async () => {
      const { connection, peer } = rawPeer({ defaultRequestTimeoutMs: 20 });
      const pending = connection.sendRequest("tools/list");
      await peer.nextMessage();
      const error = (await rejectionOf(pending)) as RequestError;
      expect(error).to.include({ code: RequestErrorCode.Timeout, timeoutMs: 20 });
    });

    it("never sends notifications/cancelled for initialize, yet rejects it on timeout", async () => {
      const { connection, peer } = rawPeer();
      const pending = connection.sendRequest(
        "initialize",
        { protocolVersion: "2025-11-25" },
        { timeoutMs: 20 },
      );
      expect((await peer.nextMessage()).method).to.equal("initialize");
      const error = (await rejectionOf(pending)) as RequestError;
      expect(error.code).to.equal(RequestErrorCode.Timeout);
      void connection.sendRequest("ping").catch(() => {});
      // The next line is the ping: nothing was written for the initialize timeout.
      expect((await peer.nextMessage()).method).to.equal("ping");
    });

    it("rejects without sending anything when the signal is already aborted", async () => {
      const { connection, peer } = rawPeer();
      const reason = new Error("gave up early");
      const error = (await rejectionOf(
        connection.sendRequest("tools/call", {}, { signal: AbortSignal.abort(reason) }),
      )) as RequestError;
      expect(error).to.be.instanceOf(RequestError);
      expect(error).to.include({ code: RequestErrorCode.Aborted, method: "tools/call" });
      expect(error.cause).to.equal(reason);
      void connection.sendRequest("ping").catch(() => {});
      expect((await peer.nextMessage()).method).to.equal("ping");
    });

    it("resolves normally and leaves the signal's listeners alone when the reply comes first", async () => {
      const { connection, peer } = rawPeer();
      const controller = new AbortController();
      const pending = connection.sendRequest("ping", undefined, {
        signal: controller.signal,
        timeoutMs: 60_000,
      });
      const request = await peer.nextMessage();
      peer.sendMessage({ jsonrpc: "2.0", id: request.id, result: {} });
      expect(await pending).to.deep.equal({});
      controller.abort();
      void connection.sendRequest("next").catch(() => {});
      // No cancellation for a request that already completed.
      expect((await peer.nextMessage()).method).to.equal("next");
    });
  });

  describe("of incoming requests", () => {
    it("aborts the handler's signal and writes no response when the peer cancels", async () => {
      const { connection, peer } = rawPeer();
      const handlerDone = deferred<unknown>();
      connection.onRequest("slow", async (_params, context) => {
        const reason = await whenAborted(context.signal);
        handlerDone.resolve(reason);
        return { tooLate: true };
      });
      connection.onRequest("ping", () => ({}));
      peer.sendMessage({ jsonrpc: "2.0", id: "req-1", method: "slow", params: {} });
      peer.sendMessage({
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: "req-1", reason: "user gave up" },
      });
      const reason = (await handlerDone.promise) as RequestError;
      expect(reason).to.be.instanceOf(RequestError);
      expect(reason).to.include({
        code: RequestErrorCode.Cancelled,
        method: "slow",
        peerReason: "user gave up",
      });
      peer.sendMessage({ jsonrpc: "2.0", id: 2, method: "ping" });
      expect(await peer.nextLine()).to.equal('{"jsonrpc":"2.0","id":2,"result":{}}');
      // The cancelled handler's result settled in the meantime: nothing was written for it.
      await nextTurn();
      expect(peer.unreadLines).to.deep.equal([]);
    });

    it("cancels a request whose cancellation arrives in the same chunk, writing no response for it", async () => {
      const { connection, peer } = rawPeer();
      const seen = deferred<{ signal: AbortSignal; abortedWhenCalled: boolean }>();
      connection.onRequest("slow", async (_params, context) => {
        seen.resolve({ signal: context.signal, abortedWhenCalled: context.signal.aborted });
        // Settles after the rest of the chunk was read: the answer is then dropped.
        await Promise.resolve();
        return { tooLate: true };
      });
      connection.onRequest("ping", () => ({}));
      peer.send(
        '{"jsonrpc":"2.0","id":7,"method":"slow"}\n' +
          '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}\n',
      );
      const { signal, abortedWhenCalled } = await seen.promise;
      // Handlers run as each line is read, so the cancellation reaches the request while its handler works.
      expect(abortedWhenCalled).to.equal(false);
      expect(signal.aborted).to.equal(true);
      expect((signal.reason as RequestError).code).to.equal(RequestErrorCode.Cancelled);
      peer.sendMessage({ jsonrpc: "2.0", id: 8, method: "ping" });
      // The first line written is the ping's reply: nothing was written for request 7.
      expect(await peer.nextMessage()).to.deep.equal({ jsonrpc: "2.0", id: 8, result: {} });
    });

    it('matches requestId by type: cancelling 1 leaves the request with id "1" alone', async () => {
      const { connection, peer } = rawPeer();
      const numeric = deferred<AbortSignal>();
      const textual = deferred<AbortSignal>();
      connection.onRequest("hold", (params, context) => {
        ((params as { kind: string }).kind === "n" ? numeric : textual).resolve(context.signal);
        return whenAborted(context.signal).then(() => ({ ended: true }));
      });
      peer.sendMessage({ jsonrpc: "2.0", id: 1, method: "hold", params: { kind: "n" } });
      peer.sendMessage({ jsonrpc: "2.0", id: "1", method: "hold", params: { kind: "s" } });
      const [numericSignal, textualSignal] = [await numeric.promise, await textual.promise];
      peer.sendMessage({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } });
      await whenAborted(numericSignal);
      expect(textualSignal.aborted).to.equal(false);
      connection.dispose();
    });

    it("ignores malformed cancellations and cancellations of unknown ids", async () => {
      const { connection, peer } = rawPeer();
      const errors: Error[] = [];
      connection.onError((error) => errors.push(error));
      connection.onRequest("ping", () => ({}));
      peer.sendMessage({ jsonrpc: "2.0", method: "notifications/cancelled" });
      peer.sendMessage({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: null } });
      peer.sendMessage({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 99 } });
      peer.sendMessage({ jsonrpc: "2.0", id: 1, method: "ping" });
      expect(await peer.nextMessage()).to.deep.equal({ jsonrpc: "2.0", id: 1, result: {} });
      expect(errors).to.deep.equal([]);
    });

    it("cancels a request whose id is beyond 2^53 and forgets it, so the connection can close at once", async () => {
      const { connection, peer } = rawPeer({ endGraceMs: Infinity });
      const seen = deferred<unknown>();
      const handlerDone = deferred();
      connection.onRequest("slow", async (_params, context) => {
        seen.resolve(context.id);
        await whenAborted(context.signal);
        handlerDone.resolve();
        return {};
      });
      connection.onRequest("ping", () => ({}));
      peer.send('{"jsonrpc":"2.0","id":9007199254740993,"method":"slow"}\n');
      expect(await seen.promise).to.equal(9007199254740993n);
      peer.send(
        '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":9007199254740993}}\n',
      );
      await handlerDone.promise;
      peer.sendMessage({ jsonrpc: "2.0", id: 1, method: "ping" });
      expect(await peer.nextMessage()).to.deep.equal({ jsonrpc: "2.0", id: 1, result: {} });
      // With no grace deadline, the connection closes on the end of the stream only once no request of the peer
      // is left in flight: the cancelled one must be gone.
      const closed = whenClosed(connection);
      peer.toConnection.end();
      await closed;
      // Nothing was written for the cancelled request.
      expect(peer.unreadLines).to.deep.equal([]);
    });
  });

  describe("between two connections", () => {
    it("aborts the server handler's signal when the client aborts, and the client rejects at once", async () => {
      const pair = createConnectionPair();
      cleanups.push(() => pair.dispose());
      pair.client.listen();
      pair.server.listen();
      const handlerSignal = deferred<AbortSignal>();
      pair.server.onRequest("tools/call", (_params, context) => {
        handlerSignal.resolve(context.signal);
        return new Promise(() => {});
      });
      const controller = new AbortController();
      const pending = pair.client.sendRequest("tools/call", { name: "x" }, { signal: controller.signal });
      const signal = await handlerSignal.promise;
      controller.abort("stop");
      const error = (await rejectionOf(pending)) as RequestError;
      expect(error).to.be.instanceOf(RequestError);
      expect(error).to.include({ code: RequestErrorCode.Aborted, cause: "stop" });
      const reason = (await whenAborted(signal)) as RequestError;
      expect(reason).to.be.instanceOf(RequestError);
      expect(reason).to.include({
        code: RequestErrorCode.Cancelled,
        method: "tools/call",
        peerReason: "stop",
      });
    });

    it("cancels a relayed request made with the handler's cancellation when the first peer cancels", async () => {
      // client → relay → backend: the relay sends its own request with `signal: context.cancellation`.
      const front = createConnectionPair();
      const back = createConnectionPair();
      cleanups.push(
        () => front.dispose(),
        () => back.dispose(),
      );
      for (const connection of [front.client, front.server, back.client, back.server]) connection.listen();
      const backendSignal = deferred<AbortSignal>();
      back.server.onRequest("tools/call", (_params, context) => {
        backendSignal.resolve(context.signal);
        return new Promise(() => {});
      });
      let forwarded: Promise<unknown> | undefined;
      front.server.onRequest("tools/call", (params, context) => {
        expect(context.cancellation.aborted).to.equal(false);
        forwarded = back.client.sendRequest("tools/call", params, { signal: context.cancellation });
        return forwarded;
      });
      const controller = new AbortController();
      const pending = front.client.sendRequest("tools/call", { name: "x" }, { signal: controller.signal });
      const signal = await backendSignal.promise;
      controller.abort("stop");
      expect(await rejectionOf(pending)).to.include({ code: RequestErrorCode.Aborted });
      const forwardedError = (await rejectionOf(forwarded!)) as RequestError;
      expect(forwardedError).to.include({ code: RequestErrorCode.Aborted });
      expect(forwardedError.cause).to.include({ code: RequestErrorCode.Cancelled, peerReason: "stop" });
      expect(await whenAborted(signal)).to.include({ code: RequestErrorCode.Cancelled });
    });
  });
});
