import { expect } from "chai";
import fc from "fast-check";
import type { Message } from "vscode-jsonrpc/node";
import { PassThrough, Writable } from "node:stream";
import {
  MAX_BATCH_MESSAGES,
  MessageSerializationError,
  NdjsonMessageWriter,
} from "../ndjsonMessageWriter.js";
import { heldSink } from "./fixtures/heldSink.js";
import { messageArb } from "./framingHarness.js";

const PROPERTY_TEST_TIMEOUT_MS = 120_000;

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
    // The event names the stream's error and counts it; it carries no message (lines are written as text).
    expect(fired).to.have.length(1);
    expect(fired[0]![0]).to.equal(epipe);
    expect(fired[0]![2]).to.equal(1);
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

  describe("flow control", () => {
    const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    const lineOf = (index: number, size: number): string => {
      const head = `{"jsonrpc":"2.0","method":"m${index}","params":{"pad":"`;
      return head + "x".repeat(Math.max(0, size - head.length - 3)) + '"}}';
    };

    it("turns needsDrain on past its mark, holds at most the mark plus one message for a producer that stops, and fires onDrain once drained", async () => {
      const { sink, received, releaseAll } = heldSink(64);
      const writer = new NdjsonMessageWriter(sink, { highWaterMark: 1000 });
      disposables.push(() => writer.dispose());
      expect(writer.highWaterMark).to.equal(1000);
      let drains = 0;
      writer.onDrain(() => (drains += 1));
      const lines: string[] = [];
      let mostQueued = 0;
      while (!writer.needsDrain) {
        const line = lineOf(lines.length, 100);
        lines.push(line);
        expect(writer.writeLine(line)).to.equal(true);
        mostQueued = Math.max(mostQueued, writer.queuedBytes);
      }
      expect(writer.queuedBytes).to.be.above(1000);
      expect(mostQueued).to.be.at.most(1000 + 101);
      expect(drains).to.equal(0);
      releaseAll();
      await nextTurn();
      releaseAll();
      await nextTurn();
      expect(drains).to.equal(1);
      expect(writer.needsDrain).to.equal(false);
      expect(writer.queuedBytes).to.equal(0);
      expect(received.join("")).to.equal(lines.map((line) => line + "\n").join(""));
    });

    it("keeps what it holds within the mark plus one message for any sizes, marks and drain pace", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 2000 }),
          fc.integer({ min: 1, max: 4096 }),
          fc.array(fc.integer({ min: 40, max: 600 }), { minLength: 1, maxLength: 40 }),
          fc.array(fc.constantFrom("produce", "release", "turn"), { maxLength: 60 }),
          async (mark, streamMark, sizes, steps) => {
            const { sink, received, releaseOne, releaseAll } = heldSink(streamMark);
            const writer = new NdjsonMessageWriter(sink, { highWaterMark: mark });
            const lines = sizes.map((size, index) => lineOf(index, size));
            const written: string[] = [];
            const largest = Math.max(...lines.map((line) => line.length + 1));
            const produce = (): void => {
              while (!writer.needsDrain && written.length < lines.length) {
                const line = lines[written.length]!;
                written.push(line);
                writer.writeLine(line);
                expect(writer.queuedBytes).to.be.at.most(mark + largest);
              }
            };
            try {
              for (const step of steps) {
                if (step === "produce") produce();
                else if (step === "release") releaseOne();
                else await nextTurn();
                if (writer.needsDrain) expect(writer.queuedBytes).to.be.above(0);
              }
              // Drain everything, producing whenever allowed: nothing is lost and the order holds.
              for (let round = 0; written.length < lines.length || writer.queuedBytes > 0; round += 1) {
                expect(round, "rounds until everything was written").to.be.below(10 * lines.length);
                produce();
                releaseAll();
                await nextTurn();
              }
              expect(received.join("")).to.equal(written.map((line) => line + "\n").join(""));
              expect(writer.needsDrain).to.equal(false);
              expect(writer.queuedBytes).to.equal(0);
            } finally {
              writer.dispose();
            }
          },
        ),
        { numRuns: 200 },
      );
    });

    it("fires onDrain when the stream empties below a mark smaller than the stream's own, which emits no 'drain'", async () => {
      const { sink, releaseAll } = heldSink(16 * 1024);
      const writer = new NdjsonMessageWriter(sink, { highWaterMark: 100 });
      disposables.push(() => writer.dispose());
      let drains = 0;
      writer.onDrain(() => (drains += 1));
      writer.writeLine(lineOf(0, 300));
      // The stream took the line without asking for a drain, yet holds more than the writer's mark.
      expect(sink.writableNeedDrain).to.equal(false);
      expect(writer.needsDrain).to.equal(true);
      releaseAll();
      await nextTurn();
      expect(writer.queuedBytes).to.equal(0);
      expect(drains).to.equal(1);
      expect(writer.needsDrain).to.equal(false);
    });

    it("rejects a high-water mark that is not a positive integer with a TypeError naming it", () => {
      for (const value of [0, -1, 1.5, Number.NaN]) {
        expect(() => new NdjsonMessageWriter(new PassThrough(), { highWaterMark: value }))
          .to.throw(TypeError)
          .with.property("message")
          .that.includes("highWaterMark");
      }
    });
  });

  describe("writeLine", () => {
    it("writes a line serialized by the caller, in order with write()", async () => {
      const { sink, writes } = recordingSink();
      const writer = new NdjsonMessageWriter(sink);
      disposables.push(() => writer.dispose());
      expect(writer.writeLine('{"jsonrpc":"2.0","method":"a"}')).to.equal(true);
      const second = writer.write({ jsonrpc: "2.0", method: "b" } as Message);
      expect(writer.writeLine('{ "jsonrpc" : "2.0", "method" : "c" }')).to.equal(true);
      await second;
      await new Promise((resolve) => setImmediate(resolve));
      expect(writes.join("")).to.equal(
        '{"jsonrpc":"2.0","method":"a"}\n{"jsonrpc":"2.0","method":"b"}\n{ "jsonrpc" : "2.0", "method" : "c" }\n',
      );
    });

    it("returns false, writing nothing, once the writer ended, was disposed or found the stream destroyed", () => {
      const ended = new NdjsonMessageWriter(new PassThrough());
      ended.end();
      expect(ended.writeLine("{}")).to.equal(false);
      const disposed = new NdjsonMessageWriter(new PassThrough());
      disposed.dispose();
      expect(disposed.writeLine("{}")).to.equal(false);
      const sink = new PassThrough();
      const writer = new NdjsonMessageWriter(sink);
      disposables.push(
        () => writer.dispose(),
        () => ended.dispose(),
      );
      const fired: Error[] = [];
      writer.onError(([error]) => fired.push(error));
      // The stream's own 'error' and 'close' come a tick later: the writer must notice now.
      sink.destroy();
      expect(writer.writeLine("{}")).to.equal(false);
      expect(writer.isWritable).to.equal(false);
      expect(fired).to.have.length(1);
    });
  });
});
