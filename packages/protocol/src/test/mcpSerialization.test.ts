import { expect } from "chai";
import type { McpConnection } from "../mcpConnectionTypes.js";
import { MAX_JSON_DEPTH, RequestError, RequestErrorCode } from "../requestError.js";
import { createRawPeerConnection } from "./fixtures/connectionPair.js";
import type { RawPeer } from "./fixtures/connectionPair.js";
import { rejectionOf } from "./fixtures/rejectionOf.js";

/** Arrays nested `depth` levels deep (`[]` is one level), built without recursion. */
function nested(depth: number): unknown[] {
  let value: unknown[] = [];
  for (let level = 1; level < depth; level += 1) value = [value];
  return value;
}

/** The depth of `[[…]]` as parsed, counted without recursion. */
function depthOf(value: unknown): number {
  let depth = 0;
  for (let current = value; Array.isArray(current); current = current[0]) depth += 1;
  return depth;
}

describe("params the connection cannot send", () => {
  let made: { connection: McpConnection; peer: RawPeer; dispose(): void } | undefined;

  function start(): { connection: McpConnection; peer: RawPeer } {
    made = createRawPeerConnection();
    made.connection.listen();
    return made;
  }

  afterEach(() => {
    made?.dispose();
    made = undefined;
  });

  /** The connection wrote nothing for what it refused: its next line is a ping, which is answered. */
  async function expectNothingWrittenAndStillUsable(connection: McpConnection, peer: RawPeer): Promise<void> {
    const ping = connection.sendRequest("ping");
    const line = await peer.nextLine();
    const request = JSON.parse(line) as { id: number; method: string };
    expect(request.method).to.equal("ping");
    peer.send(`{"jsonrpc":"2.0","id":${request.id},"result":{"ok":true}}\n`);
    expect(await ping).to.deep.equal({ ok: true });
    expect(connection.isClosed).to.equal(false);
  }

  for (const depth of [100_000, 600, MAX_JSON_DEPTH]) {
    it(`rejects params nested ${depth} deep with ERR_MESSAGE_UNSERIALIZABLE, writing nothing, and serves the next request`, async () => {
      const { connection, peer } = start();
      const error = (await rejectionOf(connection.sendRequest("tools/call", nested(depth)))) as RequestError;
      expect(error).to.be.instanceOf(RequestError);
      expect(error).to.include({ code: RequestErrorCode.Unserializable, method: "tools/call" });
      await expectNothingWrittenAndStillUsable(connection, peer);
    });
  }

  for (const depth of [500, MAX_JSON_DEPTH - 1]) {
    it(`sends params nested ${depth} deep (the message then nests ${depth + 1} deep)`, async () => {
      const { connection, peer } = start();
      void connection.sendRequest("tools/call", nested(depth)).catch(() => {});
      const request = await peer.nextMessage();
      expect(request.method).to.equal("tools/call");
      expect(depthOf(request.params)).to.equal(depth);
    });
  }

  it("rejects params with a cycle or a BigInt with ERR_MESSAGE_UNSERIALIZABLE and the cause", async () => {
    const { connection, peer } = start();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const params of [cyclic, { n: 1n }]) {
      const error = (await rejectionOf(connection.sendRequest("tools/call", params))) as RequestError;
      expect(error).to.be.instanceOf(RequestError);
      expect(error.code).to.equal(RequestErrorCode.Unserializable);
      expect(error.cause).to.be.instanceOf(TypeError);
    }
    await expectNothingWrittenAndStillUsable(connection, peer);
  });

  it("rejects a notification it cannot serialize the same way, writing nothing", async () => {
    const { connection, peer } = start();
    const error = (await rejectionOf(
      connection.sendNotification("notifications/message", nested(600)),
    )) as RequestError;
    expect(error).to.be.instanceOf(RequestError);
    expect(error).to.include({ code: RequestErrorCode.Unserializable, method: "notifications/message" });
    await expectNothingWrittenAndStillUsable(connection, peer);
  });
});
