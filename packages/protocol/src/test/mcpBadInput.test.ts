import { expect } from "chai";
import { ErrorCode } from "../errors.js";
import { FramingError } from "../framingError.js";
import type { McpConnection, McpConnectionOptions } from "../mcpConnectionTypes.js";
import { RequestError, RequestErrorCode } from "../requestError.js";
import { createRawPeerConnection } from "./fixtures/connectionPair.js";
import type { RawPeer } from "./fixtures/connectionPair.js";
import { rejectionOf } from "./fixtures/rejectionOf.js";

describe("bad input from the peer", () => {
  let cleanups: (() => void)[];
  let connection: McpConnection;
  let peer: RawPeer;
  let errors: Error[];

  function start(options: McpConnectionOptions = {}): void {
    const made = createRawPeerConnection(options);
    cleanups.push(made.dispose);
    connection = made.connection;
    peer = made.peer;
    errors = [];
    connection.onError((error) => errors.push(error));
    connection.onRequest("ping", () => ({}));
    connection.listen();
  }

  /** The connection still answers a request after the bad input. */
  async function expectStillServing(): Promise<void> {
    peer.send('{"jsonrpc":"2.0","id":"after","method":"ping"}\n');
    expect(await peer.nextLine()).to.equal('{"jsonrpc":"2.0","id":"after","result":{}}');
  }

  beforeEach(() => {
    cleanups = [];
  });

  afterEach(() => {
    for (const cleanup of cleanups) cleanup();
  });

  const cases: [string, string, number][] = [
    ["invalid JSON", "{not json", ErrorCode.ParseError],
    ["a truncated object", '{"jsonrpc":"2.0","id":1,"method":', ErrorCode.ParseError],
    ["a batch array", '[{"jsonrpc":"2.0","id":1,"method":"ping"}]', ErrorCode.InvalidRequest],
    ["an empty array", "[]", ErrorCode.InvalidRequest],
    ["a number", "42", ErrorCode.InvalidRequest],
    ["a string", '"hello"', ErrorCode.InvalidRequest],
    ["null", "null", ErrorCode.InvalidRequest],
    ["an object without jsonrpc", '{"id":1,"method":"ping"}', ErrorCode.InvalidRequest],
    ["an object with jsonrpc 1.0", '{"jsonrpc":"1.0","id":1,"method":"ping"}', ErrorCode.InvalidRequest],
    ["a request with id null", '{"jsonrpc":"2.0","id":null,"method":"ping"}', ErrorCode.InvalidRequest],
    [
      "a request with a fractional id",
      '{"jsonrpc":"2.0","id":1.5,"method":"ping"}',
      ErrorCode.InvalidRequest,
    ],
    ["a non-string method", '{"jsonrpc":"2.0","id":1,"method":5}', ErrorCode.InvalidRequest],
    ["an object that is no message", '{"jsonrpc":"2.0"}', ErrorCode.InvalidRequest],
  ];

  for (const [what, line, code] of cases) {
    it(`answers ${what} with ${code} and no id, reports it and keeps serving`, async () => {
      start();
      peer.send(line + "\n");
      const reply = await peer.nextMessage();
      expect(reply).to.not.have.property("id");
      expect(reply.jsonrpc).to.equal("2.0");
      expect((reply.error as { code: number }).code).to.equal(code);
      expect((reply.error as { message: unknown }).message).to.be.a("string");
      await expectStillServing();
      expect(errors).to.have.length(1);
      expect(errors[0]).to.be.instanceOf(FramingError);
    });
  }

  it("answers a request over maxMessageBytes with -32600 and its id, and keeps serving", async () => {
    start({ maxMessageBytes: 1024 });
    peer.send(`{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"${"x".repeat(4096)}"}}\n`);
    const reply = await peer.nextMessage();
    expect(reply.id).to.equal(1);
    expect((reply.error as { code: number }).code).to.equal(ErrorCode.InvalidRequest);
    await expectStillServing();
    expect((errors[0] as FramingError).code).to.equal("ERR_FRAME_TOO_LARGE");
  });

  it("answers a line over maxMessageBytes without a usable id with -32600 and no id", async () => {
    start({ maxMessageBytes: 1024 });
    peer.send(`{"jsonrpc":"2.0","method":"ping","params":{"pad":"${"x".repeat(4096)}"}}\n`);
    const reply = await peer.nextMessage();
    expect(reply).to.not.have.property("id");
    expect((reply.error as { code: number }).code).to.equal(ErrorCode.InvalidRequest);
    await expectStillServing();
  });

  it("fails the pending request at once when its reply is over maxMessageBytes, answering nothing", async () => {
    start({ maxMessageBytes: 1024 });
    const pending = connection.sendRequest("tools/call", { name: "big" });
    const request = await peer.nextMessage();
    // SDK peers write the id last.
    peer.send(`{"result":{"pad":"${"x".repeat(4096)}"},"jsonrpc":"2.0","id":${String(request.id)}}\n`);
    const error = (await rejectionOf(pending)) as RequestError;
    expect(error).to.be.instanceOf(RequestError);
    expect(error.code).to.equal(RequestErrorCode.ReplyTooLarge);
    expect(error.byteLength).to.equal(
      4096 + '{"result":{"pad":""},"jsonrpc":"2.0","id":}'.length + String(request.id).length,
    );
    expect(error.cause).to.be.instanceOf(FramingError);
    await expectStillServing();
  });

  it("answers an unknown method with -32601 and the request's id", async () => {
    start();
    peer.send('{"jsonrpc":"2.0","id":3,"method":"server/discover","params":{}}\n');
    const reply = await peer.nextMessage();
    expect(reply.id).to.equal(3);
    expect((reply.error as { code: number }).code).to.equal(ErrorCode.MethodNotFound);
    await expectStillServing();
  });

  it("answers each of several bad lines and the valid ones among them in one chunk", async () => {
    start();
    peer.send('garbage\n{"jsonrpc":"2.0","id":1,"method":"ping"}\n[]\n');
    const lines = [await peer.nextLine(), await peer.nextLine(), await peer.nextLine()];
    const replies = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const codes = replies
      .filter((reply) => reply.error !== undefined)
      .map((reply) => (reply.error as { code: number }).code);
    expect(codes.sort()).to.deep.equal([ErrorCode.ParseError, ErrorCode.InvalidRequest].sort());
    expect(lines).to.include('{"jsonrpc":"2.0","id":1,"result":{}}');
  });

  it("only reports bad input when answerInvalidInput is false", async () => {
    start({ answerInvalidInput: false });
    peer.send("not json\n[1,2]\n");
    await expectStillServing();
    expect(errors).to.have.length(2);
  });

  it("echoes an id beyond 2^53 byte-exactly", async () => {
    start();
    peer.send('{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}\n');
    expect(await peer.nextLine()).to.equal('{"jsonrpc":"2.0","id":9007199254740993,"result":{}}');
    peer.send('{"jsonrpc":"2.0","id":-123456789012345678901234567890,"method":"nope"}\n');
    const line = await peer.nextLine();
    expect(line.startsWith('{"jsonrpc":"2.0","id":-123456789012345678901234567890,')).to.equal(true);
  });

  it('echoes string ids exactly, and keeps 1 and "1" apart', async () => {
    start();
    peer.send('{"jsonrpc":"2.0","id":"a-ü-\\u0000-\\"q\\"","method":"ping"}\n');
    expect(await peer.nextLine()).to.equal('{"jsonrpc":"2.0","id":"a-ü-\\u0000-\\"q\\"","result":{}}');
    peer.send('{"jsonrpc":"2.0","id":"1","method":"ping"}\n{"jsonrpc":"2.0","id":1,"method":"ping"}\n');
    const lines = [await peer.nextLine(), await peer.nextLine()].sort();
    expect(lines).to.deep.equal(
      ['{"jsonrpc":"2.0","id":"1","result":{}}', '{"jsonrpc":"2.0","id":1,"result":{}}'].sort(),
    );
  });

  it("answers both of two requests that share an id in one chunk", async () => {
    start();
    peer.send('{"jsonrpc":"2.0","id":1,"method":"ping"}\n{"jsonrpc":"2.0","id":1,"method":"ping"}\n');
    expect(await peer.nextLine()).to.equal('{"jsonrpc":"2.0","id":1,"result":{}}');
    expect(await peer.nextLine()).to.equal('{"jsonrpc":"2.0","id":1,"result":{}}');
  });

  it("ignores a response to no pending request; reports an error response with id null, answering neither", async () => {
    start();
    peer.send(
      '{"jsonrpc":"2.0","id":424242,"result":{}}\n{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}\n',
    );
    await expectStillServing();
    expect(errors).to.have.length(1);
    expect((errors[0] as FramingError).code).to.equal("ERR_FRAME_INVALID");
    expect((errors[0] as FramingError).isResponse).to.equal(true);
    expect(errors[0]!.message).to.include("error response without id (-32700: x)");
  });
});
