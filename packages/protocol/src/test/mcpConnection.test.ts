import { expect } from "chai";
import { PassThrough } from "node:stream";
import { ErrorCode, ProtocolError } from "../errors.js";
import { createMcpConnection } from "../mcpConnection.js";
import type { IncomingRequestContext, McpConnection, RequestId } from "../mcpConnectionTypes.js";
import { RequestError, RequestErrorCode } from "../requestError.js";
import { createConnectionPair, createRawPeerConnection, deferred } from "./fixtures/connectionPair.js";
import type { ConnectionPair } from "./fixtures/connectionPair.js";
import { rejectionOf } from "./fixtures/rejectionOf.js";

describe("createMcpConnection", () => {
  let pair: ConnectionPair;
  let cleanups: (() => void)[];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };

  before(() => process.on("unhandledRejection", onUnhandled));

  after(() => {
    process.off("unhandledRejection", onUnhandled);
    expect(unhandled, "unhandled rejections during the suite").to.deep.equal([]);
  });

  beforeEach(() => {
    pair = createConnectionPair();
    cleanups = [];
    pair.client.listen();
    pair.server.listen();
  });

  afterEach(() => {
    pair.dispose();
    for (const cleanup of cleanups) cleanup();
  });

  describe("requests", () => {
    it("resolves a request with the handler's result and gives the handler id, method and signal", async () => {
      let seen: { params: unknown; context: IncomingRequestContext } | undefined;
      pair.server.onRequest("tools/call", (params, context) => {
        seen = { params, context };
        return { content: [{ type: "text", text: "hi" }] };
      });
      const result = await pair.client.sendRequest("tools/call", { name: "echo", arguments: { a: 1 } });
      expect(result).to.deep.equal({ content: [{ type: "text", text: "hi" }] });
      expect(seen!.params).to.deep.equal({ name: "echo", arguments: { a: 1 } });
      expect(seen!.context.method).to.equal("tools/call");
      expect(seen!.context.id).to.be.a("number");
      expect(seen!.context.signal.aborted).to.equal(false);
    });

    it("awaits an async handler", async () => {
      pair.server.onRequest("slow", async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return { done: true };
      });
      expect(await pair.client.sendRequest("slow")).to.deep.equal({ done: true });
    });

    it("answers {} when the handler returns undefined or null", async () => {
      pair.server.onRequest("ping", () => undefined);
      pair.server.onRequest("nothing", () => null);
      expect(await pair.client.sendRequest("ping")).to.deep.equal({});
      expect(await pair.client.sendRequest("nothing")).to.deep.equal({});
    });

    it("rejects with the code, message and data of a ProtocolError the handler throws", async () => {
      pair.server.onRequest("tools/call", () => {
        throw new ProtocolError(ErrorCode.InvalidParams, "Unknown tool: nope", { name: "nope" });
      });
      const error = await rejectionOf(pair.client.sendRequest("tools/call", { name: "nope" }));
      expect(error).to.be.instanceOf(ProtocolError);
      expect(error).to.include({ code: ErrorCode.InvalidParams, message: "Unknown tool: nope" });
      expect((error as ProtocolError).data).to.deep.equal({ name: "nope" });
    });

    it("answers -32603 when the handler throws anything else", async () => {
      pair.server.onRequest("boom", () => {
        throw new Error("kaput");
      });
      pair.server.onRequest("boomAsync", () => Promise.reject(new Error("async kaput")));
      const sync = (await rejectionOf(pair.client.sendRequest("boom"))) as ProtocolError;
      const async = (await rejectionOf(pair.client.sendRequest("boomAsync"))) as ProtocolError;
      expect(sync.code).to.equal(ErrorCode.InternalError);
      expect(async.code).to.equal(ErrorCode.InternalError);
    });

    it("answers -32603 for the same request when the handler's result cannot be serialized", async () => {
      pair.server.onRequest("bigint", () => ({ value: 10n }));
      const error = (await rejectionOf(pair.client.sendRequest("bigint"))) as ProtocolError;
      expect(error.code).to.equal(ErrorCode.InternalError);
      pair.server.onRequest("ping", () => ({}));
      expect(await pair.client.sendRequest("ping")).to.deep.equal({});
    });

    it("answers -32601 for a method without a handler", async () => {
      const error = (await rejectionOf(pair.client.sendRequest("unknown/method"))) as ProtocolError;
      expect(error).to.be.instanceOf(ProtocolError);
      expect(error.code).to.equal(ErrorCode.MethodNotFound);
    });

    it("routes unknown methods to the fallback handler with method, params and context", async () => {
      const seen: [string, unknown, RequestId][] = [];
      pair.server.onRequest("known", () => ({ from: "known" }));
      pair.server.onRequest((method, params, context) => {
        seen.push([method, params, context.id]);
        return { from: "fallback", method };
      });
      expect(await pair.client.sendRequest("known")).to.deep.equal({ from: "known" });
      expect(await pair.client.sendRequest("x/relay", { _meta: { progressToken: 7 } })).to.deep.equal({
        from: "fallback",
        method: "x/relay",
      });
      expect(seen).to.have.length(1);
      expect(seen[0]![0]).to.equal("x/relay");
      expect(seen[0]![1]).to.deep.equal({ _meta: { progressToken: 7 } });
      expect(seen[0]![2]).to.be.a("number");
    });

    it("stops routing to a handler once its registration is disposed", async () => {
      const registration = pair.server.onRequest("temp", () => ({}));
      await pair.client.sendRequest("temp");
      registration.dispose();
      const error = (await rejectionOf(pair.client.sendRequest("temp"))) as ProtocolError;
      expect(error.code).to.equal(ErrorCode.MethodNotFound);
    });

    it("resolves concurrent requests each with its own reply when replies come out of order", async () => {
      const releases = new Map<number, (value: unknown) => void>();
      pair.server.onRequest("work", (params) => {
        const n = (params as { n: number }).n;
        return new Promise((resolve) => releases.set(n, resolve));
      });
      const count = 20;
      const requests = Array.from({ length: count }, (_, n) => pair.client.sendRequest("work", { n }));
      while (releases.size < count) await new Promise((resolve) => setImmediate(resolve));
      // Reply in a scrambled order: odd ones from the end, then even ones.
      const order = [
        ...Array.from({ length: count }, (_, n) => n)
          .filter((n) => n % 2 === 1)
          .reverse(),
      ];
      order.push(...Array.from({ length: count }, (_, n) => n).filter((n) => n % 2 === 0));
      for (const n of order) releases.get(n)!({ n });
      const results = await Promise.all(requests);
      expect(results).to.deep.equal(Array.from({ length: count }, (_, n) => ({ n })));
    });

    it("preserves _meta, progressToken and every params field untouched both ways", async () => {
      const params = {
        name: "t",
        arguments: { nested: { deep: [1, "two", null, { three: true }] }, empty: {} },
        _meta: { progressToken: "tok-1", "vendor.example/key": { any: "thing" } },
        extra: "kept",
      };
      const result = {
        content: [],
        _meta: { "io.example/x": 1 },
        structuredContent: { a: [] },
        isError: false,
      };
      let received: unknown;
      pair.server.onRequest("tools/call", (p) => {
        received = p;
        return result;
      });
      expect(await pair.client.sendRequest("tools/call", params)).to.deep.equal(result);
      expect(received).to.deep.equal(params);
    });
  });

  describe("notifications", () => {
    it("delivers a notification with its params to the method's handler", async () => {
      const got = deferred<unknown>();
      pair.server.onNotification("notifications/initialized", (params) => got.resolve(params));
      await pair.client.sendNotification("notifications/initialized");
      expect(await got.promise).to.equal(undefined);
    });

    it("delivers notifications/progress as a plain MCP notification", async () => {
      const got = deferred<unknown>();
      pair.client.onNotification("notifications/progress", (params) => got.resolve(params));
      const params = { progressToken: 3, progress: 1, total: 10, message: "one", _meta: { k: "v" } };
      await pair.server.sendNotification("notifications/progress", params);
      expect(await got.promise).to.deep.equal(params);
    });

    it("routes notifications without a handler to the fallback handler, including LSP-reserved names", async () => {
      const seen: [string, unknown][] = [];
      const done = deferred();
      pair.server.onNotification((method, params) => {
        seen.push([method, params]);
        if (method === "last") done.resolve();
      });
      await pair.client.sendNotification("notifications/tools/list_changed");
      await pair.client.sendNotification("$/cancelRequest", { id: 1 });
      await pair.client.sendNotification("$/progress", { token: 1, value: 2 });
      await pair.client.sendNotification("$/cancelRequest");
      await pair.client.sendNotification("last", { n: 1 });
      await done.promise;
      expect(seen).to.deep.equal([
        ["notifications/tools/list_changed", undefined],
        ["$/cancelRequest", { id: 1 }],
        ["$/progress", { token: 1, value: 2 }],
        ["$/cancelRequest", undefined],
        ["last", { n: 1 }],
      ]);
    });

    it("reports a failing notification handler through onError and keeps serving", async () => {
      const errors: Error[] = [];
      pair.server.onError((error) => errors.push(error));
      pair.server.onNotification("bad", () => {
        throw new Error("handler bug");
      });
      pair.server.onRequest("ping", () => ({}));
      await pair.client.sendNotification("bad");
      expect(await pair.client.sendRequest("ping")).to.deep.equal({});
      expect(errors).to.have.length(1);
      expect((errors[0]!.cause as Error).message).to.equal("handler bug");
    });
  });

  describe("close", () => {
    it("rejects pending requests with ERR_CONNECTION_CLOSED when the peer's stream ends", async () => {
      const started = deferred();
      pair.server.onRequest("hang", () => {
        started.resolve();
        return new Promise(() => {});
      });
      const pending = pair.client.sendRequest("hang");
      await started.promise;
      pair.serverToClient.end();
      const error = (await rejectionOf(pending)) as RequestError;
      expect(error).to.be.instanceOf(RequestError);
      expect(error).to.include({ code: RequestErrorCode.ConnectionClosed, method: "hang" });
      expect(pair.client.isClosed).to.equal(true);
    });

    it("rejects pending requests with ERR_CONNECTION_CLOSED on dispose and fires onClose once", async () => {
      let closes = 0;
      pair.client.onClose(() => (closes += 1));
      pair.server.onRequest("hang", () => new Promise(() => {}));
      const pending = pair.client.sendRequest("hang");
      pair.client.dispose();
      pair.client.dispose();
      const error = (await rejectionOf(pending)) as RequestError;
      expect(error).to.be.instanceOf(RequestError);
      expect(error.code).to.equal(RequestErrorCode.ConnectionClosed);
      expect(closes).to.equal(1);
    });

    it("rejects requests and notifications sent after close with ERR_CONNECTION_CLOSED", async () => {
      pair.client.dispose();
      const request = (await rejectionOf(pair.client.sendRequest("ping"))) as RequestError;
      const notification = (await rejectionOf(pair.client.sendNotification("x"))) as RequestError;
      expect(request).to.be.instanceOf(RequestError);
      expect(request.code).to.equal(RequestErrorCode.ConnectionClosed);
      expect(notification).to.be.instanceOf(RequestError);
      expect(notification.code).to.equal(RequestErrorCode.ConnectionClosed);
    });

    it("aborts the signal of requests in flight when the connection closes", async () => {
      const signal = deferred<AbortSignal>();
      pair.server.onRequest("hang", (_params, context) => {
        signal.resolve(context.signal);
        return new Promise(() => {});
      });
      void pair.client.sendRequest("hang").catch(() => {});
      const handlerSignal = await signal.promise;
      pair.server.dispose();
      expect(handlerSignal.aborted).to.equal(true);
      expect(handlerSignal.reason).to.be.instanceOf(RequestError);
      expect((handlerSignal.reason as RequestError).code).to.equal(RequestErrorCode.ConnectionClosed);
    });

    it("reports a failing readable stream through onError, closes and rejects pending requests", async () => {
      const errors: Error[] = [];
      pair.client.onError((error) => errors.push(error));
      pair.server.onRequest("hang", () => new Promise(() => {}));
      const pending = pair.client.sendRequest("hang");
      const failure = new Error("read ECONNRESET");
      pair.serverToClient.destroy(failure);
      const error = (await rejectionOf(pending)) as RequestError;
      expect(error).to.be.instanceOf(RequestError);
      expect(error.code).to.equal(RequestErrorCode.ConnectionClosed);
      expect(errors).to.include(failure);
      expect(pair.client.isClosed).to.equal(true);
    });

    it("leaves no stream able to raise an unhandled 'error' after dispose", async () => {
      const readable = new PassThrough();
      const writable = new PassThrough();
      for (let i = 0; i < 3; i += 1) {
        const connection = createMcpConnection(readable, writable);
        connection.listen();
        connection.dispose();
      }
      expect(readable.listenerCount("error")).to.equal(1);
      const closed = new Promise((resolve) => readable.once("close", resolve));
      readable.destroy(new Error("late read error"));
      writable.destroy(new Error("late write error"));
      await closed;
    });

    it("does not crash when writing to a destroyed stream (EPIPE) and reports it through onError", async () => {
      const readable = new PassThrough();
      const writable = new PassThrough();
      const connection: McpConnection = createMcpConnection(readable, writable);
      cleanups.push(() => connection.dispose());
      const errors: Error[] = [];
      connection.onError((error) => errors.push(error));
      connection.listen();
      writable.destroy(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
      const notification = await rejectionOf(connection.sendNotification("x"));
      expect(notification).to.be.instanceOf(RequestError);
      const request = await rejectionOf(connection.sendRequest("ping"));
      expect(request).to.be.instanceOf(RequestError);
      expect([RequestErrorCode.ConnectionClosed, RequestErrorCode.WriteFailed]).to.include(
        (request as RequestError).code,
      );
      expect(errors.length).to.be.greaterThan(0);
      expect(connection.isClosed).to.equal(true);
    });
  });

  describe("on the wire", () => {
    it("sends no params member for sendRequest(m, undefined) and sendNotification(m, undefined)", async () => {
      const { connection, peer, dispose } = createRawPeerConnection();
      cleanups.push(dispose);
      connection.listen();
      void connection.sendRequest("ping", undefined).catch(() => {});
      void connection.sendNotification("notifications/initialized", undefined);
      const request = await peer.nextMessage();
      const notification = await peer.nextMessage();
      expect(request).to.not.have.property("params");
      expect(request).to.include({ jsonrpc: "2.0", method: "ping" });
      expect(notification).to.deep.equal({ jsonrpc: "2.0", method: "notifications/initialized" });
    });

    it("sends null, array and object params exactly as given", async () => {
      const { connection, peer, dispose } = createRawPeerConnection();
      cleanups.push(dispose);
      connection.listen();
      void connection.sendRequest("a", null).catch(() => {});
      void connection.sendRequest("b", [1, { two: 2 }]).catch(() => {});
      void connection.sendRequest("c", { x: [null] }).catch(() => {});
      void connection.sendNotification("d", [null]);
      expect((await peer.nextMessage()).params).to.equal(null);
      expect((await peer.nextMessage()).params).to.deep.equal([1, { two: 2 }]);
      expect((await peer.nextMessage()).params).to.deep.equal({ x: [null] });
      expect((await peer.nextMessage()).params).to.deep.equal([null]);
    });

    it("hands positional params to a handler as one array (never spread)", async () => {
      let received: unknown;
      pair.server.onRequest("positional", (params) => {
        received = params;
        return {};
      });
      await pair.client.sendRequest("positional", ["a", "b"]);
      expect(received).to.deep.equal(["a", "b"]);
    });

    it("hands a peer's error code on as it is, and a code that is not an integer as -32603", async () => {
      const { connection, peer, dispose } = createRawPeerConnection();
      cleanups.push(dispose);
      connection.listen();
      const first = connection.sendRequest("a");
      const second = connection.sendRequest("b");
      const third = connection.sendRequest("c");
      const ids = [
        (await peer.nextMessage()).id,
        (await peer.nextMessage()).id,
        (await peer.nextMessage()).id,
      ];
      peer.sendMessage({ jsonrpc: "2.0", id: ids[0], error: { code: -32099, message: "write failed" } });
      peer.sendMessage({ jsonrpc: "2.0", id: ids[1], error: { code: "oops", message: "bad code" } });
      peer.sendMessage({ jsonrpc: "2.0", id: ids[2], error: { code: -32001, message: "peer timeout" } });
      const errors = [await rejectionOf(first), await rejectionOf(second), await rejectionOf(third)];
      for (const error of errors) expect(error).to.be.instanceOf(ProtocolError);
      expect(errors.map((error) => (error as ProtocolError).code)).to.deep.equal([
        -32099,
        ErrorCode.InternalError,
        -32001,
      ]);
      expect(errors.map((error) => (error as ProtocolError).message)).to.deep.equal([
        "write failed",
        "bad code",
        "peer timeout",
      ]);
    });

    it("rejects with a TypeError for a bad timeout option", async () => {
      expect(() =>
        createMcpConnection(new PassThrough(), new PassThrough(), { defaultRequestTimeoutMs: -1 }),
      ).to.throw(TypeError, /defaultRequestTimeoutMs/);
      const error = await rejectionOf(pair.client.sendRequest("ping", undefined, { timeoutMs: Number.NaN }));
      expect(error).to.be.instanceOf(TypeError);
    });
  });

  describe("large messages", () => {
    it("round-trips a 20 MiB request and a 20 MiB result", async function () {
      this.timeout(60_000);
      const big = "x".repeat(20 * 1024 * 1024);
      pair.server.onRequest("echo", (params) => ({ echoed: (params as { text: string }).text }));
      const result = (await pair.client.sendRequest("echo", { text: big })) as { echoed: string };
      expect(result.echoed.length).to.equal(big.length);
      expect(result.echoed === big).to.equal(true);
    });
  });
});
