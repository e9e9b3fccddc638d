import { expect } from "chai";
import fc from "fast-check";
import { PassThrough } from "node:stream";
import { createMessageConnection } from "vscode-jsonrpc/node";
import type { Message, MessageConnection } from "vscode-jsonrpc/node";
import { findTopLevelIdText, LargeIdTable } from "../largeIdTable.js";
import { FramingError, NdjsonMessageReader, NdjsonMessageWriter } from "../ndjsonFraming.js";
import { feedChunks, framingCodes } from "./framingHarness.js";

const PROPERTY_TEST_TIMEOUT_MS = 120_000;

const encoder = new TextEncoder();
const TWO_POW_53 = 2n ** 53n;

/** Integers that a double cannot hold exactly (and some that it can, beyond 2^53), either sign. */
const largeIntegerArb = fc
  .tuple(fc.bigInt({ min: TWO_POW_53, max: 10n ** 40n }), fc.boolean())
  .map(([magnitude, negative]) => (negative ? -magnitude : magnitude).toString());

function nextLine(stream: PassThrough): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const onData = (chunk: Buffer): void => {
      text += chunk.toString("utf8");
      const newline = text.indexOf("\n");
      if (newline >= 0) {
        stream.off("data", onData);
        resolve(text.slice(0, newline + 1));
      }
    };
    stream.on("data", onData);
  });
}

describe("LargeIdTable", function () {
  // A guard against hangs, not a performance bound: property runs are slow on a loaded machine.
  this.timeout(PROPERTY_TEST_TIMEOUT_MS);
  const disposables: Array<() => void> = [];
  afterEach(() => {
    for (const dispose of disposables.splice(0)) dispose();
  });

  it("round-trips a request id beyond 2^53 from reader to writer byte-exactly", async () => {
    await fc.assert(
      fc.asyncProperty(
        largeIntegerArb,
        fc.constantFrom("idFirst", "idLast", "spaced"),
        fc.jsonValue({ maxDepth: 2 }),
        async (digits, layout, result) => {
          const table = new LargeIdTable();
          const line =
            layout === "idFirst"
              ? `{"id":${digits},"jsonrpc":"2.0","method":"m","params":{"id":1}}\r\n`
              : layout === "idLast"
                ? `{"jsonrpc":"2.0","method":"m","params":{"nested":{"id":2}},"id":${digits}}\n`
                : `{ "jsonrpc" : "2.0" , "method" : "m" , "id" : ${digits} }\n`;
          const fed = await feedChunks([encoder.encode(line)], { largeIds: table });
          expect(framingCodes(fed.errors)).to.deep.equal([]);
          const request = fed.messages[0] as unknown as { id: unknown };
          expect(table.rawOf(request.id)).to.equal(digits);

          const sink = new PassThrough();
          const writer = new NdjsonMessageWriter(sink, { largeIds: table });
          await writer.write({ jsonrpc: "2.0", id: request.id, result } as unknown as Message);
          writer.dispose();
          const expected = `{"jsonrpc":"2.0","id":${digits},"result":${JSON.stringify(result)}}\n`;
          expect(String(sink.read())).to.equal(expected);
          expect(table.size).to.equal(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("lets a vscode-jsonrpc connection answer ids beyond 2^53 and string ids exactly", async () => {
    const table = new LargeIdTable();
    const input = new PassThrough();
    const output = new PassThrough();
    const connection: MessageConnection = createMessageConnection(
      new NdjsonMessageReader(input, { largeIds: table }),
      new NdjsonMessageWriter(output, { largeIds: table }),
    );
    disposables.push(() => connection.dispose());
    connection.onRequest("echo", (params: unknown) => params);
    connection.listen();
    for (const id of ["9007199254740993", "-18446744073709551617", '"9007199254740993"', '"\\u0000x"']) {
      const line = nextLine(output);
      input.write(`{"jsonrpc":"2.0","id":${id},"method":"echo","params":{"n":1}}\n`);
      expect(await line).to.equal(`{"jsonrpc":"2.0","id":${id},"result":{"n":1}}\n`);
    }
    expect(table.size).to.equal(0);
  });

  it("reports a request id beyond 2^53 as invalid when no table is configured", async () => {
    const fed = await feedChunks([encoder.encode('{"jsonrpc":"2.0","id":9007199254740993,"method":"m"}\n')]);
    expect(fed.messages).to.deep.equal([]);
    expect(framingCodes(fed.errors)).to.deep.equal(["ERR_FRAME_INVALID"]);
  });

  it("reports an id beyond 2^53 written with an exponent or fraction as invalid", async () => {
    const table = new LargeIdTable();
    const lines = ["1e20", "9007199254740993.0", "1.5e300"].map(
      (id) => `{"jsonrpc":"2.0","id":${id},"method":"m"}\n`,
    );
    const fed = await feedChunks([encoder.encode(lines.join(""))], { largeIds: table });
    expect(fed.messages).to.deep.equal([]);
    expect(framingCodes(fed.errors)).to.deep.equal([
      "ERR_FRAME_INVALID",
      "ERR_FRAME_INVALID",
      "ERR_FRAME_INVALID",
    ]);
    expect(fed.errors.every((error) => error instanceof FramingError)).to.equal(true);
    expect(table.size).to.equal(0);
  });

  it("gives equal digits distinct placeholders and releases each once", () => {
    const table = new LargeIdTable();
    const first = table.register("9007199254740993");
    const second = table.register("9007199254740993");
    expect(first).to.not.equal(second);
    expect(table.isPlaceholder(first)).to.equal(true);
    expect(table.findPlaceholders("9007199254740993")).to.deep.equal([second, first]);
    // What JSON.parse makes of the digits elsewhere, e.g. a requestId in notifications/cancelled params.
    expect(table.findPlaceholders(Number("9007199254740993"))).to.deep.equal([second, first]);
    expect(table.release(first)).to.equal(true);
    expect(table.release(first)).to.equal(false);
    expect(table.rawOf(first)).to.equal(undefined);
    expect(table.size).to.equal(1);
    table.clear();
    expect(table.size).to.equal(0);
  });

  it("refuses to register anything but an integer literal", () => {
    const table = new LargeIdTable();
    for (const raw of ["1e20", "1.0", "", "01", "x"]) expect(() => table.register(raw)).to.throw(TypeError);
  });

  it("does not treat a placeholder-like string from another table as its own", () => {
    const ours = new LargeIdTable();
    const theirs = new LargeIdTable();
    const foreign = theirs.register("9007199254740993");
    expect(ours.isPlaceholder(foreign)).to.equal(false);
    expect(ours.rawOf(foreign)).to.equal(undefined);
  });
});

describe("findTopLevelIdText", () => {
  it("finds the raw text of the top-level id and ignores nested ids and ids inside strings", () => {
    expect(findTopLevelIdText('{"a":{"id":1},"b":"\\"id\\":2","id":12345678901234567890}')).to.equal(
      "12345678901234567890",
    );
    expect(findTopLevelIdText('{"\\u0069d":-99999999999999999999}')).to.equal("-99999999999999999999");
    expect(findTopLevelIdText('{"id":1,"id":22222222222222222222}')).to.equal("22222222222222222222");
    expect(findTopLevelIdText('\t{ "id" :\r\n 7 }')).to.equal("7");
    expect(findTopLevelIdText('{"x":[1,[2,{"id":3}]],"id":"s"}')).to.equal('"s"');
    expect(findTopLevelIdText('{"x":1}')).to.equal(undefined);
    expect(findTopLevelIdText("[1]")).to.equal(undefined);
  });
});
