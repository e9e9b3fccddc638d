import { expect } from "chai";
import { PassThrough } from "node:stream";
import { ErrorCode } from "../errors.js";
import { createMcpConnection } from "../mcpConnection.js";
import type { McpConnection, McpConnectionOptions } from "../mcpConnectionTypes.js";
import { RequestError, RequestErrorCode } from "../requestError.js";
import { createRawPeerConnection, deferred, whenAborted, whenClosed } from "./fixtures/connectionPair.js";
import type { RawPeer } from "./fixtures/connectionPair.js";
import { heldSink } from "./fixtures/heldSink.js";
import { rejectionOf } from "./fixtures/rejectionOf.js";

describe("the readable ending", () => {
  let made: { connection: McpConnection; peer: RawPeer; dispose(): void } | undefined;
  let events: string[];

  function start(options: McpConnectionOptions = {}): { connection: McpConnection; peer: RawPeer } {
    made = createRawPeerConnection(options);
    events = [];
    made.peer.fromConnection.on("data", (chunk: Buffer | string) => {
      for (const line of String(chunk).split("\n")) if (line !== "") events.push(`line ${line}`);
    });
    made.connection.onClose(() => events.push("close"));
    made.connection.onRequest("ping", () => ({}));
    return made;
  }

  afterEach(() => {
    made?.dispose();
    made = undefined;
  });

  it("answers every request already read, then closes", async () => {
    const { connection, peer } = start();
    const release = deferred();
    connection.onRequest("slow", async () => {
      await release.promise;
      return { slow: true };
    });
    connection.listen();
    peer.send('{"jsonrpc":"2.0","id":1,"method":"ping"}\n{"jsonrpc":"2.0","id":2,"method":"slow"}\n');
    peer.toConnection.end('{"jsonrpc":"2.0","id":3,"method":"ping"}\n');
    expect(await peer.nextMessage()).to.deep.include({ id: 1 });
    expect(await peer.nextMessage()).to.deep.include({ id: 3 });
    expect(connection.isClosed).to.equal(false);
    release.resolve();
    await whenClosed(connection);
    expect(events).to.deep.equal([
      'line {"jsonrpc":"2.0","id":1,"result":{}}',
      'line {"jsonrpc":"2.0","id":3,"result":{}}',
      'line {"jsonrpc":"2.0","id":2,"result":{"slow":true}}',
      "close",
    ]);
  });

  it("answers requests that arrive in the same chunk as the end of the stream", async () => {
    const { connection, peer } = start();
    connection.listen();
    peer.toConnection.end(
      '{"jsonrpc":"2.0","id":1,"method":"ping"}\n{"jsonrpc":"2.0","id":2,"method":"nope"}',
    );
    await whenClosed(connection);
    expect(events).to.have.length(3);
    expect(events[0]).to.equal('line {"jsonrpc":"2.0","id":1,"result":{}}');
    expect(JSON.parse(events[1]!.slice("line ".length))).to.deep.include({ id: 2 });
    expect(JSON.parse(events[1]!.slice("line ".length)).error.code).to.equal(ErrorCode.MethodNotFound);
    expect(events[2]).to.equal("close");
  });

  it("closes at once when nothing was read", async () => {
    const { connection, peer } = start();
    connection.listen();
    peer.toConnection.end();
    await whenClosed(connection);
    expect(events).to.deep.equal(["close"]);
  });

  it("rejects its own pending requests with ERR_CONNECTION_CLOSED while it answers the peer's", async () => {
    const { connection, peer } = start();
    const release = deferred();
    connection.onRequest("slow", async () => {
      await release.promise;
      return {};
    });
    connection.listen();
    const pending = connection.sendRequest("tools/list");
    expect(await peer.nextMessage()).to.deep.include({ method: "tools/list" });
    peer.toConnection.end('{"jsonrpc":"2.0","id":"s","method":"slow"}\n');
    const error = await rejectionOf(pending);
    expect(error).to.be.instanceOf(RequestError);
    expect((error as RequestError).code).to.equal(RequestErrorCode.ConnectionClosed);
    const later = await rejectionOf(connection.sendRequest("ping"));
    expect(later).to.be.instanceOf(RequestError);
    expect((later as RequestError).code).to.equal(RequestErrorCode.ConnectionClosed);
    expect(connection.isClosed).to.equal(false);
    release.resolve();
    expect(await peer.nextMessage()).to.deep.equal({ jsonrpc: "2.0", id: "s", result: {} });
    await whenClosed(connection);
  });

  it("closes after endGraceMs when a handler never settles, aborting it and writing no reply", async () => {
    const { connection, peer } = start({ endGraceMs: 50 });
    let signal: AbortSignal | undefined;
    connection.onRequest("hang", (_params, context) => {
      signal = context.signal;
      return new Promise(() => {});
    });
    connection.listen();
    peer.toConnection.end('{"jsonrpc":"2.0","id":1,"method":"hang"}\n');
    await whenClosed(connection);
    const reason = await whenAborted(signal!);
    expect(reason).to.be.instanceOf(RequestError);
    expect((reason as RequestError).code).to.equal(RequestErrorCode.ConnectionClosed);
    expect(events).to.deep.equal(["close"]);
  });

  it("closes at once on dispose() while it answers what it read", async () => {
    const { connection, peer } = start({ endGraceMs: Infinity });
    connection.onRequest("hang", () => new Promise(() => {}));
    connection.listen();
    peer.toConnection.end('{"jsonrpc":"2.0","id":1,"method":"hang"}\n');
    await new Promise((resolve) => peer.toConnection.once("end", resolve));
    expect(connection.isClosed).to.equal(false);
    connection.dispose();
    expect(connection.isClosed).to.equal(true);
    expect(events).to.deep.equal(["close"]);
  });

  it("rejects a bad endGraceMs", () => {
    expect(() => start({ endGraceMs: -1 })).to.throw(TypeError, /endGraceMs/);
  });
});

describe("the readable ending while the writer is backed up", () => {
  it("hands every reply to the stream, those waiting for 'drain' included, before it closes", async () => {
    const input = new PassThrough();
    const { sink, received, releaseAll } = heldSink(1024);
    const connection = createMcpConnection(input, sink, { writeHighWaterMark: 1024 });
    const big = "x".repeat(4096);
    connection.onRequest("work", (params) => ({ echo: (params as { n: number }).n, big }));
    connection.listen();
    const closed = new Promise<void>((resolve) => connection.onClose(resolve));
    input.end(
      [1, 2, 3, 4].map((n) => `{"jsonrpc":"2.0","id":${n},"method":"work","params":{"n":${n}}}\n`).join(""),
    );
    await closed;
    releaseAll();
    await new Promise<void>((resolve) => sink.end(resolve));
    const ids = received
      .join("")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => (JSON.parse(line) as { id: number; result: { big: string } }).id);
    expect(ids).to.deep.equal([1, 2, 3, 4]);
  });
});
