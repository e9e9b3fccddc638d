import { expect } from "chai";
import fc from "fast-check";
import sinon from "sinon";
import type { Message } from "vscode-jsonrpc/node";
import { PassThrough, Readable, Writable } from "node:stream";
import {
  FramingError,
  MAX_BATCH_MESSAGES,
  MessageSerializationError,
  NdjsonMessageReader,
  NdjsonMessageWriter,
} from "../ndjsonFraming.js";
import { cutAt, feedChunks, framingCodes } from "./framingHarness.js";

const PROPERTY_TEST_TIMEOUT_MS = 120_000;

const RUNS = 300;
const encoder = new TextEncoder();

const textArb = fc.string({ unit: "binary", maxLength: 24 });
const idArb = fc.oneof(textArb, fc.integer(), fc.maxSafeInteger(), fc.constant(-Number.MAX_SAFE_INTEGER));
const paramsArb = fc.oneof(
  fc.dictionary(textArb, fc.jsonValue({ maxDepth: 3, stringUnit: "binary" }), { maxKeys: 4 }),
  fc.array(fc.jsonValue({ maxDepth: 2, stringUnit: "binary" }), { maxLength: 4 }),
);

/** Valid JSON-RPC 2.0 messages of every kind, with text in any Unicode plane. */
const messageArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record(
    { jsonrpc: fc.constant("2.0"), id: idArb, method: textArb, params: paramsArb },
    { requiredKeys: ["jsonrpc", "id", "method"] },
  ),
  fc.record(
    { jsonrpc: fc.constant("2.0"), method: textArb, params: paramsArb },
    { requiredKeys: ["jsonrpc", "method"] },
  ),
  fc.record({
    jsonrpc: fc.constant("2.0"),
    id: idArb,
    result: fc.jsonValue({ maxDepth: 3, stringUnit: "binary" }),
  }),
  fc.record({
    jsonrpc: fc.constant("2.0"),
    id: idArb,
    error: fc.record({ code: fc.integer(), message: textArb }),
  }),
);

const terminatorArb = fc.constantFrom("\n", "\r\n");

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(parts.map((part) => Buffer.from(part)));
}

/** The request id `lineOfSize` gives the line tagged `tag`: a string for every third, else a number. */
function idOfTag(tag: number): string | number {
  return tag % 3 === 0 ? `s${tag}` : tag;
}

/**
 * A padded request line of exactly `size` bytes (size ≥ 80) with `params.tag` and id {@link idOfTag}: the id
 * comes first for even tags and last (as SDK peers write it) for odd ones.
 */
function lineOfSize(size: number, tag: number): string {
  const id = JSON.stringify(idOfTag(tag));
  const head =
    tag % 2 === 0
      ? `{"jsonrpc":"2.0","id":${id},"method":"m","params":{"tag":${tag},"pad":"`
      : `{"jsonrpc":"2.0","method":"m","params":{"tag":${tag},"pad":"`;
  const tail = tag % 2 === 0 ? `"}}` : `"},"id":${id}}`;
  return head + "x".repeat(size - head.length - tail.length) + tail;
}

describe("NdjsonMessageReader", function () {
  // A guard against hangs, not a performance bound: property runs are slow on a loaded machine.
  this.timeout(PROPERTY_TEST_TIMEOUT_MS);
  it("reassembles the same messages from any split of the stream, including inside UTF-8 sequences and \\r\\n", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(messageArb, terminatorArb), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 24 }),
        async (entries, cuts) => {
          const bytes = encoder.encode(
            entries.map(([message, end]) => JSON.stringify(message) + end).join(""),
          );
          const result = await feedChunks(cutAt(bytes, cuts));
          expect(framingCodes(result.errors)).to.deep.equal([]);
          expect(result.messages).to.deep.equal(
            entries.map(([message]) => JSON.parse(JSON.stringify(message))),
          );
          expect(result.closeCount).to.equal(1);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("delivers valid messages in order around blank lines and reports each noise line once", async () => {
    const noiseArb = fc.oneof(
      fc.string({ unit: "binary", minLength: 1, maxLength: 30 }).filter((text) => !text.includes("\n")),
      fc.constantFrom(
        "[]",
        '[{"jsonrpc":"2.0","method":"a"}]',
        "42",
        '"text"',
        "null",
        "true",
        '{"jsonrpc":"1.0","method":"a"}',
        '{"method":"a"}',
        '{"jsonrpc":"2.0","id":null,"method":"a"}',
        '{"jsonrpc":"2.0","id":1.5,"method":"a"}',
        '{"jsonrpc":"2.0","id":{},"method":"a"}',
        '{"jsonrpc":"2.0","method":7}',
        '{"jsonrpc":"2.0","method":"a","params":3}',
        '{"jsonrpc":"2.0","id":1}',
        '{"jsonrpc":"2.0","id":1.5,"result":1}',
        '{"jsonrpc":"2.0","id":null,"result":1}',
        "Starting server on stdio...",
        "{ broken",
      ),
    );
    const blankArb = fc.constantFrom("", " ", "\t", "\r", "  \t ");
    const lineArb = fc.oneof(
      messageArb.map((message) => ({ kind: "message" as const, text: JSON.stringify(message), message })),
      noiseArb.map((text) => ({ kind: "noise" as const, text })),
      blankArb.map((text) => ({ kind: "blank" as const, text })),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(lineArb, terminatorArb), { maxLength: 16 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (lines, cuts) => {
          // A noise line that happens to be blank or a valid message is not noise.
          const kept = lines.filter(([line]) => line.kind !== "noise" || !isBlankOrValid(line.text));
          const bytes = encoder.encode(kept.map(([line, end]) => line.text + end).join(""));
          const result = await feedChunks(cutAt(bytes, cuts));
          const expected = kept.flatMap(([line]) =>
            line.kind === "message"
              ? [{ kind: "message", message: JSON.parse(line.text) }]
              : line.kind === "noise"
                ? [{ kind: "error" }]
                : [],
          );
          const actual = result.events.map((event) =>
            event.kind === "message" ? { kind: "message", message: event.message } : { kind: "error" },
          );
          expect(actual).to.deep.equal(expected);
          for (const code of framingCodes(result.errors))
            expect(code).to.be.oneOf(["ERR_FRAME_PARSE", "ERR_FRAME_INVALID"]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("rejects each over-cap line with exactly one error and never buffers more than the cap", async () => {
    const cap = 256;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 80, max: 3 * cap }), terminatorArb), {
          minLength: 1,
          maxLength: 10,
        }),
        fc.array(fc.nat(), { maxLength: 20 }),
        async (sizes, cuts) => {
          const text = sizes.map(([size, end], index) => lineOfSize(size, index) + end).join("");
          const result = await feedChunks(cutAt(encoder.encode(text), cuts), { maxMessageBytes: cap });
          const expected = sizes.map(([size], index) =>
            size <= cap ? `message ${index}` : `ERR_FRAME_TOO_LARGE ${size} bytes, id ${idOfTag(index)}`,
          );
          const actual = result.events.map((event) => {
            if (event.kind === "message") return `message ${tagOf(event.message)}`;
            const error = event.error as FramingError;
            return `${error.code} ${error.byteLength} bytes, id ${error.requestId}`;
          });
          expect(actual).to.deep.equal(expected);
          expect(result.maxBuffered).to.be.at.most(cap);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("accepts a line of exactly the cap with either terminator, split anywhere", async () => {
    const cap = 100;
    await fc.assert(
      fc.asyncProperty(terminatorArb, fc.array(fc.nat(), { maxLength: 6 }), async (end, cuts) => {
        const text = lineOfSize(cap, 1) + end + lineOfSize(cap + 1, 2) + end + lineOfSize(cap, 3) + end;
        const result = await feedChunks(cutAt(encoder.encode(text), cuts), { maxMessageBytes: cap });
        const tags = result.messages.map((message) => tagOf(message));
        expect(tags).to.deep.equal([1, 3]);
        expect(framingCodes(result.errors)).to.deep.equal(["ERR_FRAME_TOO_LARGE"]);
        expect(result.maxBuffered).to.be.at.most(cap);
      }),
      { numRuns: 200 },
    );
  });

  it("never throws out of the reader on arbitrary bytes and only reports FramingErrors", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 80 }),
        async (chunks, cap) => {
          const result = await feedChunks(chunks, { maxMessageBytes: cap });
          for (const error of result.errors) expect(error).to.be.instanceOf(FramingError);
          for (const message of result.messages)
            expect((message as { jsonrpc: unknown }).jsonrpc).to.equal("2.0");
          expect(result.maxBuffered).to.be.at.most(cap);
          expect(result.closeCount).to.equal(1);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("never throws on arbitrary bytes laced with newlines and JSON fragments", async () => {
    const pieceArb = fc.oneof(
      fc.uint8Array({ maxLength: 16 }),
      fc
        .constantFrom(
          "\n",
          "\r\n",
          "\r",
          '{"jsonrpc":"2.0",',
          '"method":"a"}',
          '"id":9007199254740993',
          "{",
          "}",
          "[",
        )
        .map((text) => encoder.encode(text)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(pieceArb, { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (pieces, cuts) => {
          const result = await feedChunks(cutAt(concatBytes(pieces), cuts), { maxMessageBytes: 48 });
          for (const error of result.errors) expect(error).to.be.instanceOf(FramingError);
          expect(result.maxBuffered).to.be.at.most(48);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("reads strings from a stream with an encoding set and plain Uint8Arrays from an object-mode stream", async () => {
    const text = '{"jsonrpc":"2.0","method":"é"}\n{"jsonrpc":"2.0","method":"日本"}\n';
    const methods: string[][] = [];
    for (const stream of [
      Readable.from([Buffer.from(text)], { objectMode: false }).setEncoding("utf8"),
      Readable.from([encoder.encode(text.slice(0, 25)), encoder.encode(text.slice(25))]),
    ]) {
      const reader = new NdjsonMessageReader(stream);
      const seen: string[] = [];
      const closed = new Promise<void>((resolve) => reader.onClose(resolve));
      reader.listen((message) => seen.push(methodOf(message)));
      await closed;
      reader.dispose();
      methods.push(seen);
    }
    expect(methods).to.deep.equal([
      ["é", "日本"],
      ["é", "日本"],
    ]);
  });

  it("tolerates a byte-order mark at the start of the output, even split across chunks", async () => {
    const result = await feedChunks([
      Buffer.from([0xef, 0xbb]),
      Buffer.concat([Buffer.from([0xbf]), encoder.encode('{"jsonrpc":"2.0","method":"a"}\n')]),
      encoder.encode('{"jsonrpc":"2.0","method":"b"}\n'),
    ]);
    expect(framingCodes(result.errors)).to.deep.equal([]);
    expect(result.messages.map(methodOf)).to.deep.equal(["a", "b"]);
  });

  it("joins a line that spans many chunks with one Buffer.concat, when the line is complete", async () => {
    const line = lineOfSize(1000 * 64, 2);
    const chunks = [];
    for (let offset = 0; offset < line.length; offset += 64)
      chunks.push(encoder.encode(line.slice(offset, offset + 64)));
    chunks.push(encoder.encode("\n"));
    const concat = sinon.spy(Buffer, "concat");
    try {
      const result = await feedChunks(chunks);
      expect(result.messages.map(tagOf)).to.deep.equal([2]);
      expect(concat.callCount).to.equal(1);
      expect(concat.firstCall.returnValue.length).to.equal(line.length);
    } finally {
      concat.restore();
    }
  });

  it("delivers a final line that has no newline when the stream ends", async () => {
    const result = await feedChunks([
      encoder.encode('{"jsonrpc":"2.0","method":"a"}\n{"jsonrpc":"2.0","method":"b"}'),
    ]);
    expect(result.messages.map((message) => methodOf(message))).to.deep.equal(["a", "b"]);
  });

  it("reports a truncated final line as a parse error", async () => {
    const result = await feedChunks([
      encoder.encode('{"jsonrpc":"2.0","method":"a"}\n{"jsonrpc":"2.0","met'),
    ]);
    expect(result.messages).to.have.length(1);
    expect(framingCodes(result.errors)).to.deep.equal(["ERR_FRAME_PARSE"]);
  });

  it("reports an over-cap line once even when it never ends, and keeps memory at the cap", async () => {
    const chunks = Array.from({ length: 50 }, () => encoder.encode("y".repeat(1000)));
    const result = await feedChunks(chunks, { maxMessageBytes: 4096 });
    expect(framingCodes(result.errors)).to.deep.equal(["ERR_FRAME_TOO_LARGE"]);
    expect((result.errors[0] as FramingError).byteLength).to.equal(50_000);
    expect((result.errors[0] as FramingError).requestId).to.equal(undefined);
    expect(result.maxBuffered).to.be.at.most(4096);
  });

  it("carries the facts of a bad line on its FramingError", async () => {
    const long = `nonsense ${"é".repeat(300)}`;
    const result = await feedChunks([encoder.encode(`${long}\r\n[1,2]\n`)]);
    const [parse, invalid] = result.errors as FramingError[];
    expect(parse!.code).to.equal("ERR_FRAME_PARSE");
    expect(parse!.byteLength).to.equal(Buffer.byteLength(long));
    expect(parse!.excerpt).to.equal(long.slice(0, 200));
    expect(parse!.cause).to.be.instanceOf(SyntaxError);
    expect(invalid!.code).to.equal("ERR_FRAME_INVALID");
    expect(invalid!.excerpt).to.equal("[1,2]");
    expect(invalid!.requestId).to.equal(undefined);
  });

  it("tells which invalid lines are shaped like a response, error responses without id included", async () => {
    const lines = [
      '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"}}',
      '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}',
      '{"jsonrpc":"2.0","id":{},"result":1}',
      '{"result":1}',
      '{"jsonrpc":"2.0","id":1,"method":5,"result":1}',
      '{"jsonrpc":"2.0","id":null,"method":"a"}',
      "[1]",
    ];
    const result = await feedChunks([encoder.encode(lines.join("\n") + "\n")]);
    expect(result.messages).to.deep.equal([]);
    expect(framingCodes(result.errors)).to.deep.equal(Array(7).fill("ERR_FRAME_INVALID"));
    expect(result.errors.map((error) => (error as FramingError).isResponse)).to.deep.equal([
      true,
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it("names the id of an invalid message when it has a usable one", async () => {
    const lines = [
      '{"jsonrpc":"2.0","id":7,"method":42}',
      '{"jsonrpc":"2.0","id":"x","method":"m","params":1}',
      '{"jsonrpc":"1.0","id":8,"method":"m"}',
      '{"jsonrpc":"2.0","id":1.5,"method":"m"}',
    ];
    const result = await feedChunks([encoder.encode(lines.join("\n") + "\n")]);
    expect(framingCodes(result.errors)).to.deep.equal(Array(4).fill("ERR_FRAME_INVALID"));
    expect(result.errors.map((error) => (error as FramingError).requestId)).to.deep.equal([
      7,
      "x",
      8,
      undefined,
    ]);
  });

  it("finds the id of an over-cap line at its start or at its end, but not a nested one", async () => {
    const pad = "p".repeat(300);
    const lines = [
      `{"jsonrpc":"2.0","id":"first","result":{"text":"${pad}"}}`,
      `{"result":{"text":"${pad}"},"jsonrpc":"2.0","id":12}\r`,
      `{"jsonrpc":"2.0","result":{"text":"${pad}","id":13}}`,
      `{"jsonrpc":"2.0","result":{"text":"${pad},\\"id\\":14}"}}`,
    ];
    const result = await feedChunks([encoder.encode(lines.join("\n") + "\n")], { maxMessageBytes: 100 });
    expect(framingCodes(result.errors)).to.deep.equal(Array(4).fill("ERR_FRAME_TOO_LARGE"));
    expect(result.errors.map((error) => (error as FramingError).requestId)).to.deep.equal([
      "first",
      12,
      undefined,
      undefined,
    ]);
    expect(result.errors.map((error) => (error as FramingError).byteLength)).to.deep.equal(
      lines.map((line) => Buffer.byteLength(line.replace(/\r$/, ""))),
    );
  });

  it("delivers a message nested 100000 levels deep", async () => {
    const depth = 100_000;
    const line = `{"jsonrpc":"2.0","method":"deep","params":${"[".repeat(depth)}${"]".repeat(depth)}}\n`;
    const result = await feedChunks([encoder.encode(line)]);
    expect(result.errors).to.deep.equal([]);
    expect(result.messages).to.have.length(1);
  });

  it("reports a callback that throws through onError and keeps reading", async () => {
    const stream = new PassThrough();
    const reader = new NdjsonMessageReader(stream);
    const errors: Error[] = [];
    const seen: string[] = [];
    reader.onError((error) => errors.push(error));
    const closed = new Promise<void>((resolve) => reader.onClose(resolve));
    reader.listen((message: Message) => {
      const method = methodOf(message);
      seen.push(method);
      if (method === "a") throw new Error("handler failed");
    });
    stream.end('{"jsonrpc":"2.0","method":"a"}\n{"jsonrpc":"2.0","method":"b"}\n');
    await closed;
    reader.dispose();
    expect(seen).to.deep.equal(["a", "b"]);
    expect(errors.map((error) => error.message)).to.deep.equal(["handler failed"]);
  });

  it("keeps order when the callback pushes into the stream it reads (a re-entrant 'data')", async () => {
    const stream = new Readable({ read() {} });
    const reader = new NdjsonMessageReader(stream);
    const seen: string[] = [];
    const closed = new Promise<void>((resolve) => reader.onClose(resolve));
    reader.listen((message) => {
      const method = methodOf(message);
      seen.push(method);
      if (method === "a") stream.push('{"jsonrpc":"2.0","method":"c"}\n');
      if (method === "c") stream.push(null);
    });
    stream.push('{"jsonrpc":"2.0","method":"a"}\n{"jsonrpc":"2.0","method":"b"}\n');
    await closed;
    reader.dispose();
    expect(seen).to.deep.equal(["a", "b", "c"]);
  });

  it("stops delivering the rest of a chunk once the callback disposes the reader", async () => {
    const stream = new PassThrough();
    const reader = new NdjsonMessageReader(stream);
    const seen: string[] = [];
    reader.listen((message) => {
      seen.push(methodOf(message));
      reader.dispose();
    });
    stream.write('{"jsonrpc":"2.0","method":"a"}\n{"jsonrpc":"2.0","method":"b"}\n{"jsonrpc":"2.0","meth');
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).to.deep.equal(["a"]);
    expect(reader.bufferedBytes).to.equal(0);
    expect(stream.listenerCount("data")).to.equal(0);
  });

  it("fires the stream's error and then close once when the stream fails", async () => {
    const stream = new PassThrough();
    const reader = new NdjsonMessageReader(stream);
    const events: string[] = [];
    reader.onError((error) => events.push(`error ${error.message}`));
    const closed = new Promise<void>((resolve) =>
      reader.onClose(() => {
        events.push("close");
        resolve();
      }),
    );
    reader.listen(() => events.push("message"));
    stream.write('{"jsonrpc":"2.0","method":"a"}\n');
    stream.destroy(new Error("boom"));
    await closed;
    await new Promise((resolve) => setImmediate(resolve));
    reader.dispose();
    expect(events).to.deep.equal(["message", "error boom", "close"]);
  });

  describe("partial lines", () => {
    let clock: sinon.SinonFakeTimers | undefined;
    let reader: NdjsonMessageReader | undefined;
    afterEach(() => {
      reader?.dispose();
      reader = undefined;
      clock?.restore();
      clock = undefined;
    });

    function start(timeoutMs: number): { stream: PassThrough; partials: number[]; methods: string[] } {
      clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
      const stream = new PassThrough();
      reader = new NdjsonMessageReader(stream, { partialMessageTimeoutMs: timeoutMs });
      const partials: number[] = [];
      const methods: string[] = [];
      reader.onPartialMessage((info) => partials.push(info.waitingTime));
      reader.listen((message) => methods.push(methodOf(message)));
      return { stream, partials, methods };
    }

    const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

    it("fires onPartialMessage each period while part of a line waits, and stops once the line ends", async () => {
      const { stream, partials, methods } = start(1000);
      stream.write('{"jsonrpc":"2.0",');
      await flush();
      await clock!.tickAsync(999);
      expect(partials).to.deep.equal([]);
      await clock!.tickAsync(1);
      expect(partials).to.deep.equal([1000]);
      await clock!.tickAsync(1000);
      expect(partials).to.deep.equal([1000, 2000]);
      stream.write('"method":"a"}\n');
      await flush();
      await clock!.tickAsync(5000);
      expect(partials).to.deep.equal([1000, 2000]);
      expect(methods).to.deep.equal(["a"]);
    });

    it("does not fire while bytes of the line keep arriving, only once they stop", async () => {
      const { stream, partials } = start(1000);
      stream.write('{"jsonrpc":"2.0",');
      for (let step = 0; step < 6; step += 1) {
        await flush();
        await clock!.tickAsync(600);
        stream.write(" ");
      }
      await flush();
      await clock!.tickAsync(600);
      expect(partials).to.deep.equal([]);
      await clock!.tickAsync(400);
      expect(partials).to.deep.equal([1000]);
    });

    it("never fires when disabled with 0", async () => {
      const { stream, partials } = start(0);
      stream.write('{"jsonrpc":"2.0",');
      await flush();
      await clock!.tickAsync(60_000);
      expect(partials).to.deep.equal([]);
    });
  });

  it("rejects an invalid option with a TypeError naming it", () => {
    for (const value of [0, -1, 1.5, Number.NaN]) {
      expect(() => new NdjsonMessageReader(new PassThrough(), { maxMessageBytes: value }))
        .to.throw(TypeError)
        .with.property("message")
        .that.includes("maxMessageBytes");
    }
    for (const value of [-1, Number.POSITIVE_INFINITY, Number.NaN]) {
      expect(() => new NdjsonMessageReader(new PassThrough(), { partialMessageTimeoutMs: value }))
        .to.throw(TypeError)
        .with.property("message")
        .that.includes("partialMessageTimeoutMs");
    }
  });
});

/** A Writable that completes each write on a later turn, recording what it received and every write() call. */
function slowSink(highWaterMark: number): {
  sink: Writable;
  received: Buffer[];
  writesWhileNeedingDrain: () => number;
  drains: () => number;
} {
  const received: Buffer[] = [];
  let violations = 0;
  let drains = 0;
  const sink = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk);
      setImmediate(callback);
    },
  });
  sink.on("drain", () => (drains += 1));
  const write = sink.write.bind(sink) as (...args: unknown[]) => boolean;
  (sink as unknown as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]) => {
    if (sink.writableNeedDrain) violations += 1;
    return write(...args);
  };
  return { sink, received, writesWhileNeedingDrain: () => violations, drains: () => drains };
}

/** A sink that records each chunk handed to it by one `write()`, as text. */
function recordingSink(): { sink: Writable; writes: string[] } {
  const writes: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      writes.push(chunk.toString("utf8"));
      callback();
    },
  });
  return { sink, writes };
}

function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

describe("NdjsonMessageWriter", function () {
  // A guard against hangs, not a performance bound: property runs are slow on a loaded machine.
  this.timeout(PROPERTY_TEST_TIMEOUT_MS);
  const disposables: Array<() => void> = [];
  afterEach(() => {
    for (const dispose of disposables.splice(0)) dispose();
  });

  it("writes one line per message in call order and never writes while the stream needs a drain", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(messageArb, { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 256 }),
        async (messages, highWaterMark) => {
          const { sink, received, writesWhileNeedingDrain } = slowSink(highWaterMark);
          const writer = new NdjsonMessageWriter(sink);
          const resolved: number[] = [];
          await Promise.all(
            messages.map((message, index) =>
              writer.write(message as unknown as Message).then(() => resolved.push(index)),
            ),
          );
          writer.dispose();
          const expected = messages.map((message) => JSON.stringify(message) + "\n").join("");
          expect(Buffer.concat(received).toString("utf8")).to.equal(expected);
          expect(resolved).to.deep.equal(messages.map((_message, index) => index));
          expect(writesWhileNeedingDrain()).to.equal(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("holds later messages back until 'drain' when the stream is full", async () => {
    const { sink, received, drains, writesWhileNeedingDrain } = slowSink(8);
    const writer = new NdjsonMessageWriter(sink);
    disposables.push(() => writer.dispose());
    const first = writer.write({ jsonrpc: "2.0", method: "first" } as Message);
    const second = writer.write({ jsonrpc: "2.0", method: "second" } as Message);
    // The first line is over the high-water mark: the second must not be handed to the stream before 'drain'.
    expect(sink.writableNeedDrain).to.equal(true);
    expect(writesWhileNeedingDrain()).to.equal(0);
    await Promise.all([first, second]);
    expect(writesWhileNeedingDrain()).to.equal(0);
    expect(drains()).to.be.at.least(1);
    expect(received.map(String)).to.deep.equal([
      '{"jsonrpc":"2.0","method":"first"}\n',
      '{"jsonrpc":"2.0","method":"second"}\n',
    ]);
  });

  it("rejects a write to a destroyed stream and fires onError, with no unhandled 'error'", async () => {
    const sink = new PassThrough();
    const writer = new NdjsonMessageWriter(sink);
    disposables.push(() => writer.dispose());
    const fired: Array<[Error, Message | undefined, number | undefined]> = [];
    writer.onError((event) => fired.push(event));
    sink.destroy();
    const outcome = await settle(writer.write({ jsonrpc: "2.0", method: "a" } as Message));
    expect(outcome.ok).to.equal(false);
    expect(fired).to.have.length(1);
    expect(fired[0]![2]).to.equal(1);
    const later = await settle(writer.write({ jsonrpc: "2.0", method: "b" } as Message));
    expect(later.ok).to.equal(false);
  });

  it("rejects the failing write and every later one when the stream fails with EPIPE", async () => {
    const epipe = Object.assign(new Error("write EPIPE"), { code: "EPIPE" });
    const sink = new Writable({
      write(_chunk, _encoding, callback) {
        setImmediate(() => callback(epipe));
      },
    });
    const writer = new NdjsonMessageWriter(sink);
    disposables.push(() => writer.dispose());
    const fired: Error[] = [];
    writer.onError(([error]) => fired.push(error));
    const outcomes = await Promise.all([
      settle(writer.write({ jsonrpc: "2.0", method: "a" } as Message)),
      settle(writer.write({ jsonrpc: "2.0", method: "b" } as Message)),
    ]);
    expect(outcomes.map((outcome) => outcome.ok)).to.deep.equal([false, false]);
    expect(outcomes[0]).to.have.nested.property("error.code", "EPIPE");
    expect(fired.map((error) => (error as { code?: string }).code)).to.deep.equal(["EPIPE"]);
    const later = await settle(writer.write({ jsonrpc: "2.0", method: "c" } as Message));
    expect(later).to.have.nested.property("error.code", "EPIPE");
  });

  it("rejects a message it cannot serialize and keeps writing the next ones", async () => {
    const sink = new PassThrough();
    const writer = new NdjsonMessageWriter(sink);
    disposables.push(() => writer.dispose());
    const fired: unknown[] = [];
    writer.onError((event) => fired.push(event));
    let deep: unknown = [];
    for (let level = 0; level < 1_000_000; level += 1) deep = [deep];
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const params of [deep, { big: 1n }, cyclic]) {
      const outcome = await settle(
        writer.write({ jsonrpc: "2.0", method: "bad", params } as unknown as Message),
      );
      expect(outcome.ok).to.equal(false);
      expect(outcome).to.have.nested.property("error.code", "ERR_MESSAGE_UNSERIALIZABLE");
      expect((outcome as { error: unknown }).error).to.be.instanceOf(MessageSerializationError);
    }
    await writer.write({ jsonrpc: "2.0", method: "good" } as Message);
    expect(String(sink.read())).to.equal('{"jsonrpc":"2.0","method":"good"}\n');
    expect(fired).to.deep.equal([]);
  });

  it("rejects a write after end() without writing it", async () => {
    const sink = new PassThrough();
    const writer = new NdjsonMessageWriter(sink);
    disposables.push(() => writer.dispose());
    await writer.write({ jsonrpc: "2.0", method: "a" } as Message);
    writer.end();
    const outcome = await settle(writer.write({ jsonrpc: "2.0", method: "b" } as Message));
    expect(outcome.ok).to.equal(false);
    expect(String(sink.read())).to.equal('{"jsonrpc":"2.0","method":"a"}\n');
  });

  it("rejects writes after dispose() and leaves an 'error' listener so a late stream error is not fatal", async () => {
    const sink = new PassThrough();
    const writer = new NdjsonMessageWriter(sink);
    writer.dispose();
    writer.dispose();
    const outcome = await settle(writer.write({ jsonrpc: "2.0", method: "a" } as Message));
    expect(outcome.ok).to.equal(false);
    expect(sink.listenerCount("error")).to.equal(1);
    sink.destroy(new Error("late failure"));
    await new Promise((resolve) => sink.on("close", resolve));
  });

  it("hands the first message of an idle writer to the stream at once", () => {
    const { sink, writes } = recordingSink();
    const writer = new NdjsonMessageWriter(sink);
    disposables.push(() => writer.dispose());
    void writer.write({ jsonrpc: "2.0", method: "a" } as Message);
    expect(writes).to.deep.equal(['{"jsonrpc":"2.0","method":"a"}\n']);
  });

  it("joins the messages that follow while it is busy into one stream write, until a turn passes without one", async () => {
    const { sink, writes } = recordingSink();
    const writer = new NdjsonMessageWriter(sink);
    disposables.push(() => writer.dispose());
    const line = (method: string): string => `{"jsonrpc":"2.0","method":"${method}"}\n`;
    const done = [writer.write({ jsonrpc: "2.0", method: "a" } as Message)];
    done.push(writer.write({ jsonrpc: "2.0", method: "b" } as Message));
    done.push(writer.write({ jsonrpc: "2.0", method: "c" } as Message));
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        done.push(writer.write({ jsonrpc: "2.0", method: "d" } as Message));
        resolve();
      }),
    );
    expect(writes).to.deep.equal([line("a")]);
    await Promise.all(done);
    expect(writes).to.deep.equal([line("a"), line("b") + line("c") + line("d")]);
    // Idle again: the next message goes out at once, on its own.
    await new Promise((resolve) => setImmediate(resolve));
    void writer.write({ jsonrpc: "2.0", method: "e" } as Message);
    expect(writes).to.deep.equal([line("a"), line("b") + line("c") + line("d"), line("e")]);
  });

  it("hands the messages it holds back for joining to the stream when disposed", async () => {
    const { sink, writes } = recordingSink();
    const writer = new NdjsonMessageWriter(sink);
    const done = ["a", "b", "c"].map((method) => writer.write({ jsonrpc: "2.0", method } as Message));
    writer.dispose();
    expect(writes).to.deep.equal([
      '{"jsonrpc":"2.0","method":"a"}\n',
      '{"jsonrpc":"2.0","method":"b"}\n{"jsonrpc":"2.0","method":"c"}\n',
    ]);
    await Promise.all(done);
  });

  it("hands a batch to the stream as soon as it holds MAX_BATCH_MESSAGES messages", async () => {
    const { sink, writes } = recordingSink();
    const writer = new NdjsonMessageWriter(sink);
    disposables.push(() => writer.dispose());
    const done: Promise<void>[] = [];
    for (let index = 0; index <= MAX_BATCH_MESSAGES + 1; index += 1) {
      done.push(writer.write({ jsonrpc: "2.0", method: `m${index}` } as Message));
    }
    // The first at once, then one full batch; the last message waits for the window to close.
    expect(writes.map((chunk) => chunk.split("\n").length - 1)).to.deep.equal([1, MAX_BATCH_MESSAGES]);
    await Promise.all(done);
    expect(writes.map((chunk) => chunk.split("\n").length - 1)).to.deep.equal([1, MAX_BATCH_MESSAGES, 1]);
    expect(writes.join("")).to.equal(
      done.map((_promise, index) => `{"jsonrpc":"2.0","method":"m${index}"}\n`).join(""),
    );
  });

  it("rejects every message of a joined write when that write fails", async () => {
    const epipe = Object.assign(new Error("write EPIPE"), { code: "EPIPE" });
    let calls = 0;
    const sink = new Writable({
      write(_chunk, _encoding, callback) {
        calls += 1;
        // The first write succeeds; the joined one fails.
        if (calls === 1) callback();
        else setImmediate(() => callback(epipe));
      },
    });
    const writer = new NdjsonMessageWriter(sink);
    disposables.push(() => writer.dispose());
    const fired: Array<[Error, Message | undefined, number | undefined]> = [];
    writer.onError((event) => fired.push(event));
    const outcomes = await Promise.all(
      ["a", "b", "c"].map((method) => settle(writer.write({ jsonrpc: "2.0", method } as Message))),
    );
    expect(outcomes.map((outcome) => outcome.ok)).to.deep.equal([true, false, false]);
    expect(calls).to.equal(2);
    expect(fired).to.have.length(1);
    expect(fired[0]![1]).to.deep.equal({ jsonrpc: "2.0", method: "b" });
  });

  it("ends the stream after the queued messages and fires onClose once", async () => {
    const { sink, received } = slowSink(4);
    const writer = new NdjsonMessageWriter(sink);
    disposables.push(() => writer.dispose());
    let closes = 0;
    writer.onClose(() => (closes += 1));
    const finished = new Promise((resolve) => sink.on("finish", resolve));
    const writes = [1, 2, 3].map((n) => writer.write({ jsonrpc: "2.0", method: `m${n}` } as Message));
    writer.end();
    writer.end();
    await Promise.all(writes);
    await finished;
    await new Promise((resolve) => setImmediate(resolve));
    expect(received.map(String).join("")).to.equal(
      ["m1", "m2", "m3"].map((method) => `{"jsonrpc":"2.0","method":"${method}"}\n`).join(""),
    );
    expect(closes).to.equal(1);
  });
});

function tagOf(message: Message): number {
  return (message as unknown as { params: { tag: number } }).params.tag;
}

function methodOf(message: Message): string {
  return (message as unknown as { method: string }).method;
}

function isBlankOrValid(text: string): boolean {
  if (text.trim() === "") return true;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    (value as { jsonrpc?: unknown }).jsonrpc === "2.0" &&
    (typeof (value as { method?: unknown }).method === "string" || "result" in value || "error" in value)
  );
}
