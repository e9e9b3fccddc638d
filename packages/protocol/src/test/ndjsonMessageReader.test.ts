import { expect } from "chai";
import fc from "fast-check";
import sinon from "sinon";
import type { Message } from "vscode-jsonrpc/node";
import { PassThrough, Readable } from "node:stream";
import { FramingError } from "../framingError.js";
import { NdjsonMessageReader } from "../ndjsonMessageReader.js";
import type { NdjsonReaderOptions } from "../ndjsonMessageReader.js";
import { cutAt, encoder, feedChunks, framingCodes, messageArb, terminatorArb } from "./framingHarness.js";

const PROPERTY_TEST_TIMEOUT_MS = 120_000;

const RUNS = 300;

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
  it("reassembles the same messages and their lines from any split of the stream, inside UTF-8 sequences and \\r\\n too", async () => {
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
          // Each message comes with the text of its line (a trailing \r may remain).
          expect(result.lines.map((line) => line.replace(/\r$/, ""))).to.deep.equal(
            entries.map(([message]) => JSON.stringify(message)),
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

  it("delivers a request whose id is beyond 2^53 with its line, which holds the exact digits", async () => {
    const lines = [
      '{"jsonrpc":"2.0","id":9007199254740993,"method":"m"}',
      '{"jsonrpc":"2.0","method":"m","id":-18446744073709551617}',
    ];
    const result = await feedChunks([encoder.encode(`${lines[0]}\r\n${lines[1]}\n`)]);
    expect(framingCodes(result.errors)).to.deep.equal([]);
    expect(result.messages).to.have.length(2);
    expect(result.lines.map((line) => line.replace(/\r$/, ""))).to.deep.equal(lines);
  });

  it("offers each complete line to claimLine first: a claimed line is neither parsed, reported nor delivered", async () => {
    const offered: string[] = [];
    const result = await feedChunks(
      [
        encoder.encode('{"jsonrpc":"2.0","method":"a"}\r\nnot json, claimed\n\n{"jsonrpc":"2.0","met'),
        encoder.encode('hod":"b"}\n'),
      ],
      {
        claimLine: (line) => {
          offered.push(line);
          return line.includes("claimed");
        },
      },
    );
    expect(offered).to.deep.equal([
      '{"jsonrpc":"2.0","method":"a"}',
      "not json, claimed",
      '{"jsonrpc":"2.0","method":"b"}',
    ]);
    expect(result.messages.map(methodOf)).to.deep.equal(["a", "b"]);
    expect(result.errors).to.deep.equal([]);
  });

  it("reports a claimLine that throws and drops that line, reading on", async () => {
    const failure = new Error("claim failed");
    const result = await feedChunks(
      [encoder.encode('{"jsonrpc":"2.0","method":"a"}\n{"jsonrpc":"2.0","method":"b"}\n')],
      {
        claimLine: (line) => {
          if (line.includes('"a"')) throw failure;
          return false;
        },
      },
    );
    expect(result.messages.map(methodOf)).to.deep.equal(["b"]);
    expect(result.errors).to.deep.equal([failure]);
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

  describe("pause and resume", () => {
    let reader: NdjsonMessageReader | undefined;
    afterEach(() => {
      reader?.dispose();
      reader = undefined;
    });

    const line = (method: string): string => `{"jsonrpc":"2.0","method":"${method}"}\n`;
    const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

    /** A reader on `stream` recording methods, errors and close; `pauseOn` pauses it from the callback. */
    function start(
      stream: NodeJS.ReadableStream,
      pauseOn: string | undefined,
      options: NdjsonReaderOptions = {},
    ): { events: string[]; reader: NdjsonMessageReader } {
      const started = new NdjsonMessageReader(stream, options);
      reader = started;
      const events: string[] = [];
      started.onError((error) => events.push((error as FramingError).code ?? error.message));
      started.onClose(() => events.push("close"));
      started.listen((message) => {
        const method = methodOf(message);
        events.push(method);
        if (method === pauseOn) started.pause();
      });
      return { events, reader: started };
    }

    it("stops at the next line of the chunk when paused from the callback, and resumes where it stopped", async () => {
      const stream = new PassThrough();
      const { events, reader } = start(stream, "b");
      stream.write(line("a") + line("b") + line("c") + line("d") + '{"jsonrpc":"2.0","method":"e"');
      await nextTurn();
      expect(events).to.deep.equal(["a", "b"]);
      expect(reader.isPaused).to.equal(true);
      stream.write("}\n" + line("f"));
      await nextTurn();
      expect(events).to.deep.equal(["a", "b"]);
      reader.resume();
      // The lines already read are delivered at once; the stream flows again on a later tick.
      expect(events).to.deep.equal(["a", "b", "c", "d"]);
      await nextTurn();
      expect(events).to.deep.equal(["a", "b", "c", "d", "e", "f"]);
      expect(reader.isPaused).to.equal(false);
    });

    it("delivers an end of the stream that came while paused after the lines held back", async () => {
      const stream = new PassThrough();
      const { events, reader } = start(stream, "b");
      stream.end(line("a") + line("b") + line("c") + '{"jsonrpc":"2.0","method":"d"}');
      await new Promise((resolve) => stream.once("end", resolve));
      await nextTurn();
      expect(events).to.deep.equal(["a", "b"]);
      reader.resume();
      expect(events).to.deep.equal(["a", "b", "c", "d", "close"]);
    });

    it("stops at the next line even in a chunk that holds more than the cap, checking each line against it", async () => {
      const stream = new PassThrough();
      const { events, reader } = start(stream, "a", { maxMessageBytes: 100 });
      const tooLong = `{"jsonrpc":"2.0","method":"x","params":{"pad":"${"p".repeat(100)}"}}\n`;
      stream.write(line("a") + line("b") + tooLong + line("c"));
      await nextTurn();
      expect(events).to.deep.equal(["a"]);
      reader.resume();
      await nextTurn();
      expect(events).to.deep.equal(["a", "b", "ERR_FRAME_TOO_LARGE", "c"]);
    });

    it("holds everything back while paused from outside the callback, and loses nothing", async () => {
      const stream = new PassThrough();
      const { events, reader } = start(stream, undefined);
      stream.write(line("a"));
      await nextTurn();
      reader.pause();
      reader.pause();
      for (const method of ["b", "c", "d"]) stream.write(line(method));
      await nextTurn();
      expect(events).to.deep.equal(["a"]);
      reader.resume();
      reader.resume();
      await nextTurn();
      expect(events).to.deep.equal(["a", "b", "c", "d"]);
    });

    it("reads nothing when paused before listen() until resumed, and reads when resumed before listen()", async () => {
      const pausedStream = new PassThrough();
      const paused = new NdjsonMessageReader(pausedStream);
      const resumedStream = new PassThrough();
      const resumed = new NdjsonMessageReader(resumedStream);
      const seen: string[] = [];
      try {
        paused.pause();
        resumed.pause();
        resumed.resume();
        paused.listen((message) => seen.push(`paused ${methodOf(message)}`));
        resumed.listen((message) => seen.push(`resumed ${methodOf(message)}`));
        pausedStream.write(line("a"));
        resumedStream.write(line("b"));
        await nextTurn();
        expect(seen).to.deep.equal(["resumed b"]);
        paused.resume();
        await nextTurn();
        expect(seen).to.deep.equal(["resumed b", "paused a"]);
      } finally {
        paused.dispose();
        resumed.dispose();
      }
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
    expect(() => new NdjsonMessageReader(new PassThrough(), { claimLine: "yes" as unknown as () => boolean }))
      .to.throw(TypeError)
      .with.property("message")
      .that.includes("claimLine");
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
