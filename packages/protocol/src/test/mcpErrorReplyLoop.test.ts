import { PassThrough } from "node:stream";
import { expect } from "chai";
import { createMcpConnection } from "../mcpConnection.js";
import type { McpConnection } from "../mcpConnectionTypes.js";
import { FramingError } from "../framingError.js";
import { createRawPeerConnection, useCleanups } from "./fixtures/connectionPair.js";
import type { RawPeer } from "./fixtures/connectionPair.js";

/** Counts the error responses (no `method`, an `error` member) among the lines written to `stream`. */
function countErrorReplies(stream: PassThrough): { readonly count: number } {
  const counter = { count: 0 };
  let partial = "";
  stream.on("data", (chunk: Buffer) => {
    const lines = (partial + chunk.toString("utf8")).split("\n");
    partial = lines.pop()!;
    for (const line of lines) {
      try {
        const message = JSON.parse(line) as Record<string, unknown>;
        if (message.method === undefined && message.error !== undefined) counter.count += 1;
      } catch {
        // Not JSON: the bad line the test wrote itself.
      }
    }
  });
  return counter;
}

describe("error replies between two connections", () => {
  const cleanups = useCleanups();

  it("answers a bad line once and never answers the error reply, so two connections stay usable", async () => {
    const aToB = new PassThrough();
    const bToA = new PassThrough();
    const a = createMcpConnection(bToA, aToB);
    const b = createMcpConnection(aToB, bToA);
    cleanups.push(() => {
      a.dispose();
      b.dispose();
      aToB.destroy();
      bToA.destroy();
    });
    const repliesToA = countErrorReplies(bToA);
    const repliesToB = countErrorReplies(aToB);
    const errorsOfA: Error[] = [];
    const errorsOfB: Error[] = [];
    a.onError((error) => errorsOfA.push(error));
    b.onError((error) => errorsOfB.push(error));
    for (const connection of [a, b]) {
      connection.onRequest("ping", () => ({}));
      connection.listen();
    }

    // Into b's readable, as if a had written it.
    aToB.write("{not json\n");
    // The streams keep order: after a round trip each way, everything either side wrote in answer to what
    // came before has arrived.
    expect(await a.sendRequest("ping")).to.deep.equal({});
    expect(await b.sendRequest("ping")).to.deep.equal({});
    expect(await a.sendRequest("ping")).to.deep.equal({});

    expect(repliesToA.count).to.equal(1);
    expect(repliesToB.count).to.equal(0);
    expect(errorsOfB.map((error) => (error as FramingError).code)).to.deep.equal(["ERR_FRAME_PARSE"]);
    expect(errorsOfA).to.have.length(1);
    expect(errorsOfA[0]).to.be.instanceOf(FramingError);
    expect((errorsOfA[0] as FramingError).isResponse).to.equal(true);
    expect(a.isClosed || b.isClosed).to.equal(false);
  });
});

describe("response-shaped bad input", () => {
  let made: { connection: McpConnection; peer: RawPeer; dispose(): void } | undefined;

  afterEach(() => {
    made?.dispose();
    made = undefined;
  });

  const lines: [string, string][] = [
    ["an error response without id", '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"}}'],
    ["an error response with id null", '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}'],
    ["a result without id", '{"jsonrpc":"2.0","result":{}}'],
    ["a result with id null", '{"jsonrpc":"2.0","id":null,"result":{}}'],
    ["a response with an object id", '{"jsonrpc":"2.0","id":{},"result":1}'],
    ["a response with a fractional id", '{"jsonrpc":"2.0","id":1.5,"error":{"code":1,"message":"x"}}'],
    ["a response without jsonrpc", '{"id":1,"result":{}}'],
    ["a response with jsonrpc 1.0", '{"jsonrpc":"1.0","id":1,"error":{"code":1,"message":"x"}}'],
    ["an error that is no object", '{"jsonrpc":"2.0","id":1,"error":"boom"}'],
  ];

  for (const [what, line] of lines) {
    it(`reports ${what} and does not answer it`, async () => {
      made = createRawPeerConnection();
      const errors: Error[] = [];
      made.connection.onError((error) => errors.push(error));
      made.connection.onRequest("ping", () => ({}));
      made.connection.listen();
      made.peer.send(`${line}\n{"jsonrpc":"2.0","id":"after","method":"ping"}\n`);
      // The first line written is the ping's reply: nothing answered the response-shaped line.
      expect(await made.peer.nextLine()).to.equal('{"jsonrpc":"2.0","id":"after","result":{}}');
      expect(errors).to.have.length(1);
      expect(errors[0]).to.be.instanceOf(FramingError);
      expect((errors[0] as FramingError).code).to.equal("ERR_FRAME_INVALID");
      expect((errors[0] as FramingError).isResponse).to.equal(true);
    });
  }
});
