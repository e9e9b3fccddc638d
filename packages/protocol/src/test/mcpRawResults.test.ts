import { expect } from "chai";
import { ErrorCode, ProtocolError } from "../errors.js";
import type { McpConnection } from "../mcpConnectionTypes.js";
import { RawJson } from "../rawJson.js";
import { RequestError, RequestErrorCode } from "../requestError.js";
import { createRawPeerConnection, useCleanups } from "./fixtures/connectionPair.js";
import type { RawPeer } from "./fixtures/connectionPair.js";
import { rejectionOf } from "./fixtures/rejectionOf.js";

describe("raw results", () => {
  const cleanups = useCleanups();

  function start(): { connection: McpConnection; peer: RawPeer } {
    const made = createRawPeerConnection();
    cleanups.push(made.dispose);
    made.connection.listen();
    return made;
  }

  /** Send a raw request and return it with the id the peer saw. */
  async function rawRequest(
    connection: McpConnection,
    peer: RawPeer,
  ): Promise<{ pending: Promise<RawJson>; id: number }> {
    const pending = connection.sendRequest("tools/call", { name: "t" }, { raw: true });
    const request = await peer.nextMessage();
    expect(request).to.include({ method: "tools/call" });
    return { pending, id: request.id as number };
  }

  const odd = '{ "content" : [ {"type":"text",  "text":"a\\u00e9\\"}"} ] ,"n":1.50}';

  it("hands over the result text of a reply in the SDK's member order exactly as written", async () => {
    const { connection, peer } = start();
    const { pending, id } = await rawRequest(connection, peer);
    peer.send(`{"result":${odd},"jsonrpc":"2.0","id":${id}}\n`);
    const result = await pending;
    expect(result).to.be.instanceOf(RawJson);
    expect(result.text).to.equal(odd);
    expect(result.value).to.deep.equal({ content: [{ type: "text", text: 'aé"}' }], n: 1.5 });
  });

  it("hands over the result text of a reply in the id-first order exactly as written, \\r\\n ending too", async () => {
    const { connection, peer } = start();
    const first = await rawRequest(connection, peer);
    peer.send(`{"jsonrpc":"2.0","id":${first.id},"result":${odd}}\n`);
    expect((await first.pending).text).to.equal(odd);
    const second = await rawRequest(connection, peer);
    peer.send(`{"jsonrpc":"2.0","id":${second.id},"result":${odd}}\r\n`);
    expect((await second.pending).text).to.equal(odd);
  });

  it("parses a reply of any other shape and still resolves with a RawJson of its result", async () => {
    const { connection, peer } = start();
    const replies = [
      (id: number) => `{"id":${id},"jsonrpc":"2.0","result":{"a":1}}`,
      (id: number) => `{ "jsonrpc": "2.0", "id": ${id}, "result": {"a":1} }`,
      // A member after the result: the result must not swallow it.
      (id: number) => `{"jsonrpc":"2.0","id":${id},"result":{"a":1},"x":{"b":2}}`,
      (id: number) => `{"result":{"a":1},"x":{"b":2},"jsonrpc":"2.0","id":${id}}`,
    ];
    for (const reply of replies) {
      const { pending, id } = await rawRequest(connection, peer);
      peer.send(reply(id) + "\n");
      const result = await pending;
      expect(result).to.be.instanceOf(RawJson);
      expect(result.value, reply(id)).to.deep.equal({ a: 1 });
      expect(result.text).to.equal('{"a":1}');
    }
    // Results that are not objects (MCP results are, but a peer may send anything).
    for (const value of [[1, 2], "text", null, 0]) {
      const { pending, id } = await rawRequest(connection, peer);
      peer.send(`{"result":${JSON.stringify(value)},"jsonrpc":"2.0","id":${id}}\n`);
      expect((await pending).value).to.deep.equal(value);
    }
  });

  it("rejects a raw request with the peer's ProtocolError when it answers with an error", async () => {
    const { connection, peer } = start();
    const { pending, id } = await rawRequest(connection, peer);
    peer.send(
      `{"jsonrpc":"2.0","id":${id},"error":{"code":-32602,"message":"Unknown tool","data":{"t":1}}}\n`,
    );
    const error = (await rejectionOf(pending)) as ProtocolError;
    expect(error).to.be.instanceOf(ProtocolError);
    expect(error.toJSON()).to.deep.equal({
      code: ErrorCode.InvalidParams,
      message: "Unknown tool",
      data: { t: 1 },
    });
  });

  it("parses the reply of a request that did not ask for raw, even while a raw one is pending", async () => {
    const { connection, peer } = start();
    const raw = await rawRequest(connection, peer);
    const parsed = connection.sendRequest("tools/list");
    const id = (await peer.nextMessage()).id as number;
    peer.send(`{"result":{"tools":[]},"jsonrpc":"2.0","id":${id}}\n`);
    const result = await parsed;
    expect(result).to.not.be.instanceOf(RawJson);
    expect(result).to.deep.equal({ tools: [] });
    peer.send(`{"result":{"x":1},"jsonrpc":"2.0","id":${raw.id}}\n`);
    expect((await raw.pending).text).to.equal('{"x":1}');
  });

  it("drops a late reply to a raw request that timed out", async () => {
    const { connection, peer } = start();
    const errors: Error[] = [];
    connection.onError((error) => errors.push(error));
    const pending = connection.sendRequest("slow", undefined, { raw: true, timeoutMs: 10 });
    const id = (await peer.nextMessage()).id as number;
    const error = (await rejectionOf(pending)) as RequestError;
    expect(error).to.be.instanceOf(RequestError);
    expect(error.code).to.equal(RequestErrorCode.Timeout);
    expect((await peer.nextMessage()).method).to.equal("notifications/cancelled");
    peer.send(`{"result":{"late":true},"jsonrpc":"2.0","id":${id}}\n`);
    const next = connection.sendRequest("ping");
    const pingId = (await peer.nextMessage()).id as number;
    peer.send(`{"result":{},"jsonrpc":"2.0","id":${pingId}}\n`);
    expect(await next).to.deep.equal({});
    expect(errors).to.deep.equal([]);
  });

  it("writes a RawJson a handler returns verbatim", async () => {
    const { connection, peer } = start();
    connection.onRequest("tools/call", () => RawJson.fromText(odd));
    connection.onRequest("tools/list", () => RawJson.fromValue({ tools: [] }));
    peer.send(
      '{"jsonrpc":"2.0","id":"r","method":"tools/call"}\n{"jsonrpc":"2.0","id":2,"method":"tools/list"}\n',
    );
    expect(await peer.nextLine()).to.equal(`{"jsonrpc":"2.0","id":"r","result":${odd}}`);
    expect(await peer.nextLine()).to.equal('{"jsonrpc":"2.0","id":2,"result":{"tools":[]}}');
  });

  it("relays a result from one peer to another without changing a byte of it", async () => {
    const upstream = start();
    const downstream = start();
    downstream.connection.onRequest((method, params, context) =>
      upstream.connection.sendRequest(method, params, { raw: true, signal: context.signal }),
    );
    downstream.peer.send('{"jsonrpc":"2.0","id":"client-1","method":"tools/call","params":{"name":"t"}}\n');
    const forwarded = await upstream.peer.nextMessage();
    expect(forwarded).to.deep.include({ method: "tools/call", params: { name: "t" } });
    upstream.peer.send(`{"result":${odd},"jsonrpc":"2.0","id":${String(forwarded.id)}}\n`);
    expect(await downstream.peer.nextLine()).to.equal(`{"jsonrpc":"2.0","id":"client-1","result":${odd}}`);
  });
});
