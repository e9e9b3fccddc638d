import { expect } from "chai";
import { PassThrough } from "node:stream";
import { DEFAULT_MAX_INBOUND_BYTES, DEFAULT_MAX_INBOUND_REQUESTS } from "../connectionOptions.js";
import { createMcpConnection } from "../mcpConnection.js";
import type { McpConnection, McpConnectionOptions } from "../mcpConnectionTypes.js";
import { DEFAULT_WRITE_HIGH_WATER_BYTES } from "../ndjsonMessageWriter.js";
import { createRawPeerConnection, nextTurn, useCleanups } from "./fixtures/connectionPair.js";
import type { RawPeer } from "./fixtures/connectionPair.js";
import { heldSink } from "./fixtures/heldSink.js";

const request = (id: number, method = "work"): string =>
  `{"jsonrpc":"2.0","id":${id},"method":"${method}"}\n`;

describe("flow control of a connection", () => {
  const cleanups = useCleanups();

  function start(options: McpConnectionOptions = {}): { connection: McpConnection; peer: RawPeer } {
    const made = createRawPeerConnection(options);
    cleanups.push(made.dispose);
    return made;
  }

  /** A "work" handler that waits until the test releases it; `called` lists the ids in call order. */
  function holdWork(connection: McpConnection): {
    called: unknown[];
    inFlight: () => number;
    release: (id: number) => void;
  } {
    const called: unknown[] = [];
    const releases = new Map<unknown, () => void>();
    connection.onRequest("work", (_params, context) => {
      called.push(context.id);
      return new Promise((resolve) => releases.set(context.id, () => resolve({ id: context.id })));
    });
    return {
      called,
      inFlight: () => releases.size,
      release: (id) => {
        const release = releases.get(id);
        if (release === undefined) throw new Error(`request ${id} was not called or already released`);
        releases.delete(id);
        release();
      },
    };
  }

  describe("maxInboundRequests", () => {
    it("dispatches nothing more while that many requests of the peer are unanswered, then goes on in order", async () => {
      const { connection, peer } = start({ maxInboundRequests: 2 });
      const work = holdWork(connection);
      const notified: string[] = [];
      connection.onNotification("n", () => notified.push(`after ${work.called.length} calls`));
      connection.listen();
      peer.send(request(1) + request(2) + request(3) + '{"jsonrpc":"2.0","method":"n"}\n' + request(4));
      await nextTurn();
      expect(work.called).to.deep.equal([1, 2]);
      expect(notified).to.deep.equal([]);

      work.release(1);
      expect(await peer.nextLine()).to.equal('{"jsonrpc":"2.0","id":1,"result":{"id":1}}');
      // One answered: the next request is read, and the notification behind it waits with the rest.
      expect(work.called).to.deep.equal([1, 2, 3]);
      expect(notified).to.deep.equal([]);

      work.release(2);
      expect(await peer.nextLine()).to.equal('{"jsonrpc":"2.0","id":2,"result":{"id":2}}');
      expect(work.called).to.deep.equal([1, 2, 3, 4]);
      expect(notified).to.deep.equal(["after 3 calls"]);

      work.release(4);
      work.release(3);
      expect([await peer.nextLine(), await peer.nextLine()]).to.deep.equal([
        '{"jsonrpc":"2.0","id":4,"result":{"id":4}}',
        '{"jsonrpc":"2.0","id":3,"result":{"id":3}}',
      ]);
    });

    it("never has more requests in flight than the limit, over many chunks, and loses none", async () => {
      const { connection, peer } = start({ maxInboundRequests: 3 });
      const work = holdWork(connection);
      connection.listen();
      const count = 30;
      for (let id = 1; id <= count; id += 1) peer.send(request(id));
      const answered: string[] = [];
      let mostInFlight = 0;
      for (let next = 1; next <= count; next += 1) {
        while (work.called.length < Math.min(count, next + 2)) await nextTurn();
        mostInFlight = Math.max(mostInFlight, work.inFlight());
        work.release(next);
        answered.push(await peer.nextLine());
      }
      expect(mostInFlight).to.equal(3);
      expect(work.called).to.deep.equal(Array.from({ length: count }, (_, index) => index + 1));
      expect(answered).to.deep.equal(
        Array.from(
          { length: count },
          (_, index) => `{"jsonrpc":"2.0","id":${index + 1},"result":{"id":${index + 1}}}`,
        ),
      );
    });

    it("keeps reading past requests that are answered synchronously, even with a limit of one", async () => {
      const { connection, peer } = start({ maxInboundRequests: 1 });
      connection.onRequest("ping", () => ({}));
      connection.listen();
      peer.send(Array.from({ length: 20 }, (_, index) => request(index, "ping")).join(""));
      for (let id = 0; id < 20; id += 1) {
        expect(await peer.nextLine()).to.equal(`{"jsonrpc":"2.0","id":${id},"result":{}}`);
      }
    });

    it("also stops reading while the lines of unanswered requests pass maxInboundBytes, yet serves one over it", async () => {
      const { connection, peer } = start({ maxInboundBytes: 100 });
      const work = holdWork(connection);
      connection.listen();
      const padded = (id: number, pad: number): string =>
        `{"jsonrpc":"2.0","id":${id},"method":"work","params":{"pad":"${"p".repeat(pad)}"}}\n`;
      // Each of the first three lines is about 70 characters: with 1 and 2 unanswered the limit is passed, 3 waits.
      peer.send(padded(1, 10) + padded(2, 10) + padded(3, 10) + padded(4, 500));
      await nextTurn();
      expect(work.called).to.deep.equal([1, 2]);
      work.release(1);
      await peer.nextLine();
      expect(work.called).to.deep.equal([1, 2, 3]);
      work.release(2);
      work.release(3);
      await peer.nextLine();
      await peer.nextLine();
      // A request over the limit on its own is still read and served.
      expect(work.called).to.deep.equal([1, 2, 3, 4]);
      work.release(4);
      expect(JSON.parse(await peer.nextLine())).to.deep.include({ id: 4 });
    });

    it("defaults to DEFAULT_MAX_INBOUND_REQUESTS and DEFAULT_MAX_INBOUND_BYTES and refuses limits that are not positive integers", () => {
      expect(DEFAULT_MAX_INBOUND_REQUESTS).to.equal(1024);
      expect(DEFAULT_MAX_INBOUND_BYTES).to.equal(4 * 1024 * 1024);
      for (const name of ["maxInboundRequests", "maxInboundBytes"]) {
        for (const value of [0, -1, 1.5, Number.NaN, Infinity]) {
          expect(() => createMcpConnection(new PassThrough(), new PassThrough(), { [name]: value }))
            .to.throw(TypeError)
            .with.property("message")
            .that.includes(name);
        }
      }
    });
  });

  describe("pause() and resume()", () => {
    it("dispatches nothing while paused and everything, in order, once resumed", async () => {
      const { connection, peer } = start();
      const seen: string[] = [];
      connection.onRequest("ping", (_params, context) => {
        seen.push(`request ${String(context.id)}`);
        return {};
      });
      connection.onNotification("n", () => seen.push("notification"));
      connection.listen();
      peer.send(request(1, "ping"));
      expect(await peer.nextLine()).to.equal('{"jsonrpc":"2.0","id":1,"result":{}}');
      connection.pause();
      peer.send(request(2, "ping") + '{"jsonrpc":"2.0","method":"n"}\n');
      peer.send(request(3, "ping"));
      await nextTurn();
      expect(seen).to.deep.equal(["request 1"]);
      connection.resume();
      for (const id of [2, 3])
        expect(await peer.nextLine()).to.equal(`{"jsonrpc":"2.0","id":${id},"result":{}}`);
      expect(seen).to.deep.equal(["request 1", "request 2", "notification", "request 3"]);
    });

    it("stays paused by its owner when answering requests lifts the inbound limit, and the other way round", async () => {
      const { connection, peer } = start({ maxInboundRequests: 1 });
      const work = holdWork(connection);
      connection.listen();
      peer.send(request(1) + request(2) + request(3));
      await nextTurn();
      expect(work.called).to.deep.equal([1]);
      connection.pause();
      work.release(1);
      await peer.nextLine();
      await nextTurn();
      expect(work.called).to.deep.equal([1]);
      connection.resume();
      expect(work.called).to.deep.equal([1, 2]);
      // At the limit again: the owner's resume() must not lift it.
      connection.pause();
      connection.resume();
      await nextTurn();
      expect(work.called).to.deep.equal([1, 2]);
      work.release(2);
      await peer.nextLine();
      expect(work.called).to.deep.equal([1, 2, 3]);
    });

    it("settles a request whose reply was read before a pause, though the peer's stream closed meanwhile", async () => {
      const { connection, peer } = start();
      const errors: Error[] = [];
      connection.onError((error) => errors.push(error));
      connection.listen();
      const first = connection.sendRequest("first");
      const second = connection.sendRequest("second");
      const ids = [(await peer.nextMessage()).id, (await peer.nextMessage()).id];
      let closed = false;
      connection.onClose(() => (closed = true));
      connection.onNotification("pause", () => connection.pause());
      // The notification pauses the connection in the middle of the chunk: the second reply is held back.
      peer.send(
        `{"jsonrpc":"2.0","id":${String(ids[0])},"result":{"n":1}}\n` +
          '{"jsonrpc":"2.0","method":"pause"}\n' +
          `{"jsonrpc":"2.0","id":${String(ids[1])},"result":{"n":2}}\n`,
      );
      expect(await first).to.deep.equal({ n: 1 });
      const streamClosed = new Promise((resolve) => peer.toConnection.once("close", resolve));
      peer.toConnection.destroy();
      await streamClosed;
      await nextTurn();
      expect(closed).to.equal(false);
      connection.resume();
      expect(await second).to.deep.equal({ n: 2 });
      await nextTurn();
      expect(closed).to.equal(true);
      expect(errors).to.deep.equal([]);
    });

    it("reads once listening when paused and resumed before listen()", async () => {
      const { connection, peer } = start();
      connection.onRequest("ping", () => ({}));
      connection.pause();
      connection.resume();
      connection.listen();
      peer.send(request(1, "ping"));
      expect(await peer.nextLine()).to.equal('{"jsonrpc":"2.0","id":1,"result":{}}');
    });

    it("sends requests before listen() and settles them with the replies read once listening", async () => {
      const { connection, peer } = start();
      const pending = connection.sendRequest("early");
      const sent = await peer.nextMessage();
      expect(sent.method).to.equal("early");
      peer.send(`{"jsonrpc":"2.0","id":${String(sent.id)},"result":{"early":true}}\n`);
      await nextTurn();
      connection.listen();
      expect(await pending).to.deep.equal({ early: true });
    });
  });

  describe("the writer's high-water mark", () => {
    it("reports needsDrain past writeHighWaterMark and fires onDrain once the peer has read it", async () => {
      const { sink, received, releaseAll } = heldSink(64);
      const readable = new PassThrough();
      const connection = createMcpConnection(readable, sink, { writeHighWaterMark: 200 });
      cleanups.push(() => connection.dispose());
      connection.listen();
      const events: string[] = [];
      connection.onNeedsDrain(() => events.push("needsDrain"));
      connection.onDrain(() => events.push("drain"));
      expect(connection.needsDrain).to.equal(false);
      await connection.sendNotification("notifications/message", { data: "x".repeat(300) });
      expect(connection.needsDrain).to.equal(true);
      expect(connection.queuedBytes).to.be.above(200);
      expect(events).to.deep.equal(["needsDrain"]);
      releaseAll();
      await nextTurn();
      expect(events).to.deep.equal(["needsDrain", "drain"]);
      expect(connection.needsDrain).to.equal(false);
      expect(connection.queuedBytes).to.equal(0);
      expect(received.join("")).to.have.length.above(300);
    });

    it("defaults to DEFAULT_WRITE_HIGH_WATER_BYTES and refuses a mark that is not a positive integer", () => {
      expect(DEFAULT_WRITE_HIGH_WATER_BYTES).to.equal(1024 * 1024);
      expect(() =>
        createMcpConnection(new PassThrough(), new PassThrough(), { writeHighWaterMark: 0 }),
      ).to.throw(TypeError);
    });
  });
});
