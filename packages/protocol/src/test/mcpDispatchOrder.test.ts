import { expect } from "chai";
import type { McpConnection } from "../mcpConnectionTypes.js";
import { createRawPeerConnection, nextTurn } from "./fixtures/connectionPair.js";
import type { RawPeer } from "./fixtures/connectionPair.js";

describe("dispatch as each message is read", () => {
  let made: { connection: McpConnection; peer: RawPeer; dispose(): void } | undefined;

  afterEach(() => {
    made?.dispose();
    made = undefined;
  });

  function start(): { connection: McpConnection; peer: RawPeer } {
    made = createRawPeerConnection();
    return made;
  }

  it("calls the handlers of one chunk's requests and notifications in read order, before any microtask runs", async () => {
    const { connection, peer } = start();
    const log: string[] = [];
    // Each handler queues a microtask: had dispatch waited for one between messages, a tick would show up
    // between two calls.
    const record = (what: string): void => {
      log.push(what);
      queueMicrotask(() => log.push(`tick after ${what}`));
    };
    connection.onRequest("a", (params) => {
      record(`request a ${JSON.stringify(params)}`);
      return new Promise(() => {});
    });
    connection.onRequest("b", () => {
      record("request b");
      return new Promise(() => {});
    });
    connection.onNotification("n", (params) => record(`notification n ${JSON.stringify(params)}`));
    connection.onNotification((method) => record(`fallback ${method}`));
    connection.listen();
    peer.send(
      '{"jsonrpc":"2.0","id":1,"method":"a","params":{"k":1}}\n' +
        '{"jsonrpc":"2.0","method":"n","params":{"k":2}}\n' +
        '{"jsonrpc":"2.0","id":2,"method":"b"}\n' +
        '{"jsonrpc":"2.0","method":"other"}\n' +
        '{"jsonrpc":"2.0","id":3,"method":"a","params":{"k":3}}\n',
    );
    await nextTurn();
    expect(log).to.deep.equal([
      'request a {"k":1}',
      'notification n {"k":2}',
      "request b",
      "fallback other",
      'request a {"k":3}',
      'tick after request a {"k":1}',
      'tick after notification n {"k":2}',
      "tick after request b",
      "tick after fallback other",
      'tick after request a {"k":3}',
    ]);
  });

  it("runs a notification's handler after the handler of the request read before it, which has not settled", async () => {
    const { connection, peer } = start();
    const log: string[] = [];
    let release!: () => void;
    connection.onRequest("tools/call", async () => {
      log.push("request called");
      await new Promise<void>((resolve) => (release = resolve));
      log.push("request settled");
      return { done: true };
    });
    connection.onNotification("notifications/progress", () => log.push("notification"));
    connection.listen();
    peer.send(
      '{"jsonrpc":"2.0","id":1,"method":"tools/call"}\n{"jsonrpc":"2.0","method":"notifications/progress"}\n',
    );
    await nextTurn();
    expect(log).to.deep.equal(["request called", "notification"]);
    release();
    expect(await peer.nextLine()).to.equal('{"jsonrpc":"2.0","id":1,"result":{"done":true}}');
    expect(log).to.deep.equal(["request called", "notification", "request settled"]);
  });

  it("settles the caller's requests in the order their replies are read, replies of one chunk included", async () => {
    const { connection, peer } = start();
    connection.listen();
    const settled: number[] = [];
    const requests = [0, 1, 2].map((n) => connection.sendRequest("m").then(() => settled.push(n)));
    const ids: unknown[] = [];
    for (let n = 0; n < 3; n += 1) ids.push((await peer.nextMessage()).id);
    peer.send([2, 0, 1].map((n) => `{"jsonrpc":"2.0","id":${String(ids[n])},"result":{}}\n`).join(""));
    await Promise.all(requests);
    expect(settled).to.deep.equal([2, 0, 1]);
  });
});
