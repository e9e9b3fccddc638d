import { expect } from "chai";
import fc from "fast-check";
import { ErrorCode } from "../errors.js";
import { FramingError } from "../framingError.js";
import type { McpConnection, RequestId } from "../mcpConnectionTypes.js";
import { createRawPeerConnection, deferred, whenAborted } from "./fixtures/connectionPair.js";
import type { RawPeer } from "./fixtures/connectionPair.js";

/** A guard against hangs, not a performance bound: property runs are slow on a loaded machine. */
const PROPERTY_TEST_TIMEOUT_MS = 120_000;
const TWO_POW_53 = 2n ** 53n;

/** Integers that a double cannot hold exactly (and some that it can, beyond 2^53), either sign, as digits. */
const largeIntegerArb = fc
  .tuple(fc.bigInt({ min: TWO_POW_53, max: 10n ** 40n }), fc.boolean())
  .map(([magnitude, negative]) => (negative ? -magnitude : magnitude).toString());

describe("request ids of the peer", function () {
  this.timeout(PROPERTY_TEST_TIMEOUT_MS);
  let made: { connection: McpConnection; peer: RawPeer; dispose(): void } | undefined;
  let errors: Error[];

  function start(): { connection: McpConnection; peer: RawPeer } {
    made = createRawPeerConnection();
    errors = [];
    made.connection.onError((error) => errors.push(error));
    return made;
  }

  afterEach(() => {
    made?.dispose();
    made = undefined;
  });

  it("hands an id beyond 2^53 to the handler as a bigint and echoes its digits byte-exactly, whatever the layout", async () => {
    await fc.assert(
      fc.asyncProperty(
        largeIntegerArb,
        fc.constantFrom("idFirst", "idLast", "spaced", "crlf"),
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
        async (digits, layout, result) => {
          const { connection, peer } = start();
          try {
            let seenId: RequestId | undefined;
            connection.onRequest("m", (_params, context) => {
              seenId = context.id;
              return result;
            });
            connection.listen();
            peer.send(
              layout === "idFirst"
                ? `{"id":${digits},"jsonrpc":"2.0","method":"m","params":{"id":1}}\n`
                : layout === "idLast"
                  ? `{"jsonrpc":"2.0","method":"m","params":{"nested":{"id":2}},"id":${digits}}\n`
                  : layout === "spaced"
                    ? `{ "jsonrpc" : "2.0" , "method" : "m" , "id" : ${digits} }\n`
                    : `{"jsonrpc":"2.0","id":${digits},"method":"m"}\r\n`,
            );
            expect(await peer.nextLine()).to.equal(
              `{"jsonrpc":"2.0","id":${digits},"result":${JSON.stringify(result)}}`,
            );
            expect(seenId).to.equal(BigInt(digits));
            expect(errors).to.deep.equal([]);
          } finally {
            made?.dispose();
            made = undefined;
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("echoes every kind of id exactly and hands it over as sent: numbers, bigints, strings", async () => {
    const { connection, peer } = start();
    const seen: RequestId[] = [];
    connection.onRequest("echo", (params, context) => {
      seen.push(context.id);
      return params;
    });
    connection.listen();
    const ids = [
      "9007199254740993",
      "9007199254740992",
      "-18446744073709551617",
      "9007199254740991",
      "0",
      "-5",
      '"9007199254740993"',
      '"\\u0000x"',
      '"a-ü-\\"q\\""',
      '""',
    ];
    for (const id of ids) {
      peer.send(`{"jsonrpc":"2.0","id":${id},"method":"echo","params":{"n":1}}\n`);
      expect(await peer.nextLine()).to.equal(`{"jsonrpc":"2.0","id":${id},"result":{"n":1}}`);
    }
    expect(seen).to.deep.equal([
      9007199254740993n,
      9007199254740992n,
      -18446744073709551617n,
      9007199254740991,
      0,
      -5,
      "9007199254740993",
      "\u0000x",
      'a-ü-"q"',
      "",
    ]);
  });

  it("answers two requests in flight that share an id beyond 2^53, each once", async () => {
    const { connection, peer } = start();
    const releases: (() => void)[] = [];
    connection.onRequest("hold", (params) => {
      return new Promise((resolve) => releases.push(() => resolve(params)));
    });
    connection.listen();
    peer.send(
      '{"jsonrpc":"2.0","id":9007199254740993,"method":"hold","params":{"n":1}}\n' +
        '{"jsonrpc":"2.0","id":9007199254740993,"method":"hold","params":{"n":2}}\n',
    );
    while (releases.length < 2) await new Promise((resolve) => setImmediate(resolve));
    releases[1]!();
    releases[0]!();
    expect([await peer.nextLine(), await peer.nextLine()]).to.deep.equal([
      '{"jsonrpc":"2.0","id":9007199254740993,"result":{"n":2}}',
      '{"jsonrpc":"2.0","id":9007199254740993,"result":{"n":1}}',
    ]);
  });

  it("cancels by a large requestId the requests whose ids round to it, and no other", async () => {
    const { connection, peer } = start();
    const signals = new Map<string, AbortSignal>();
    const called = deferred();
    connection.onRequest("hold", (_params, context) => {
      signals.set(String(context.id), context.signal);
      if (signals.size === 2) called.resolve();
      return whenAborted(context.signal).then(() => ({}));
    });
    connection.onRequest("ping", () => ({}));
    connection.listen();
    // 2^53 + 1 and 2^53 + 3 round to different doubles.
    peer.send(
      '{"jsonrpc":"2.0","id":9007199254740993,"method":"hold"}\n{"jsonrpc":"2.0","id":9007199254740995,"method":"hold"}\n',
    );
    await called.promise;
    peer.send(
      '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":9007199254740993,"reason":"stop"}}\n',
    );
    await whenAborted(signals.get("9007199254740993")!);
    expect(signals.get("9007199254740995")!.aborted).to.equal(false);
    // The cancelled request is not answered: the next line is the ping's reply.
    peer.send('{"jsonrpc":"2.0","id":"p","method":"ping"}\n');
    expect(await peer.nextLine()).to.equal('{"jsonrpc":"2.0","id":"p","result":{}}');
  });

  it("answers an id beyond 2^53 written with an exponent or a fraction with -32600 and no id, reports it and keeps serving", async () => {
    const { connection, peer } = start();
    let calls = 0;
    connection.onRequest("m", () => {
      calls += 1;
      return {};
    });
    connection.onRequest("ping", () => ({}));
    connection.listen();
    const ids = ["1e20", "9007199254740993.0", "1.5e300"];
    peer.send(ids.map((id) => `{"jsonrpc":"2.0","id":${id},"method":"m"}\n`).join(""));
    for (let n = 0; n < ids.length; n += 1) {
      const reply = await peer.nextMessage();
      expect(reply).to.not.have.property("id");
      expect((reply.error as { code: number }).code).to.equal(ErrorCode.InvalidRequest);
    }
    peer.send('{"jsonrpc":"2.0","id":"after","method":"ping"}\n');
    expect(await peer.nextLine()).to.equal('{"jsonrpc":"2.0","id":"after","result":{}}');
    expect(calls).to.equal(0);
    expect(errors.map((error) => (error as FramingError).code)).to.deep.equal(
      Array(3).fill("ERR_FRAME_INVALID"),
    );
    for (const error of errors) expect(error).to.be.instanceOf(FramingError);
  });
});
