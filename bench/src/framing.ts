import { Readable } from "node:stream";
import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { DEFAULT_MAX_MESSAGE_BYTES, FramingError, NdjsonMessageReader } from "@mcpware/protocol";

/** Chunk size fed to the readers: what a pipe typically delivers. */
export const FRAMING_CHUNK_BYTES = 64 * 1024;
/** Message sizes measured: a small request, a tool list, a large tool result. */
export const FRAMING_MESSAGE_SIZES = [200, 10 * 1024, 1024 * 1024] as const;
const DEFAULT_ROUNDS = 5;
const QUICK_ROUNDS = 3;
/** Input per round and size; large enough that one round takes ~0.1 s. */
const DEFAULT_BYTES_PER_ROUND = 24 * 1024 * 1024;
const QUICK_BYTES_PER_ROUND = 6 * 1024 * 1024;
const MIB = 1024 * 1024;
/** The over-cap case of RELIABILITY.md R6: an 80 MiB line against the 64 MiB default cap. */
const OVER_CAP_LINE_BYTES = 80 * MIB;

export interface FramingBenchOptions {
  /** Fewer rounds and less data (for `pnpm bench --quick`). */
  quick?: boolean;
  /** Rounds per implementation and size (median reported). Default 5, quick 3. */
  rounds?: number;
  /** Input bytes per round and size. Default 24 MiB, quick 6 MiB. */
  bytesPerRound?: number;
  /** Skip the 64 MiB / 80 MiB single-line memory runs. */
  skipMemory?: boolean;
}

export interface FramingRate {
  /** Input megabytes (10^6 bytes) per second, median over rounds. */
  readonly mbPerSec: number;
  /** Messages per second, median over rounds. */
  readonly messagesPerSec: number;
}

export interface FramingThroughput {
  readonly messageBytes: number;
  readonly messagesPerRound: number;
  readonly ours: FramingRate;
  readonly baseline: FramingRate;
  /** ours.mbPerSec / baseline.mbPerSec (goal ≥ 0.9; reported, not asserted). */
  readonly ratio: number;
  /**
   * The same ratio from the CPU time this process spent (median baseline CPU ms / median ours CPU ms): steadier
   * than wall time on a shared, loaded machine.
   */
  readonly cpuRatio: number;
}

export interface FramingMemory {
  readonly case: "at-cap" | "over-cap";
  /** Size of the one line fed (bytes, without the newline). */
  readonly lineBytes: number;
  readonly maxMessageBytes: number;
  /** Peak growth over the start of the run (after a GC, input already allocated). */
  readonly peakRssGrowthBytes: number;
  readonly peakHeapGrowthBytes: number;
  /** ArrayBuffer memory (Buffers) outside the V8 heap. */
  readonly peakArrayBufferGrowthBytes: number;
  /** Largest `bufferedBytes` of the reader seen after any chunk. */
  readonly peakBufferedBytes: number;
  /** Longest single 'data' dispatch: how long the event loop was blocked at worst. */
  readonly longestStallMs: number;
  readonly elapsedMs: number;
  readonly messagesDelivered: number;
  /** FramingError codes fired (one ERR_FRAME_TOO_LARGE expected over the cap). */
  readonly errors: string[];
}

export interface FramingBenchResult {
  readonly chunkBytes: number;
  readonly rounds: number;
  readonly throughput: FramingThroughput[];
  readonly memory: FramingMemory[];
  readonly node: string;
}

/**
 * Framing benchmark (bench item 7): throughput of {@link NdjsonMessageReader} against the obvious baseline
 * (`setEncoding('utf8')`, append to a string, split on `\n`, `JSON.parse`), both fed the same bytes through a
 * real `Readable` in 64 KiB chunks, alternating per round, median of the rounds; then memory while reading one
 * line at the default cap and one 80 MiB line over it.
 */
export async function runFramingBench(options: FramingBenchOptions = {}): Promise<FramingBenchResult> {
  const quick = options.quick === true;
  const rounds = options.rounds ?? (quick ? QUICK_ROUNDS : DEFAULT_ROUNDS);
  const bytesPerRound = options.bytesPerRound ?? (quick ? QUICK_BYTES_PER_ROUND : DEFAULT_BYTES_PER_ROUND);
  const throughput: FramingThroughput[] = [];
  for (const size of FRAMING_MESSAGE_SIZES) {
    throughput.push(await measureThroughput(size, bytesPerRound, rounds));
  }
  const memory: FramingMemory[] = [];
  if (options.skipMemory !== true) {
    memory.push(await measureOneLine("at-cap", DEFAULT_MAX_MESSAGE_BYTES));
    memory.push(await measureOneLine("over-cap", OVER_CAP_LINE_BYTES));
  }
  return { chunkBytes: FRAMING_CHUNK_BYTES, rounds, throughput, memory, node: process.version };
}

async function measureThroughput(
  size: number,
  bytesPerRound: number,
  rounds: number,
): Promise<FramingThroughput> {
  const messagesPerRound = Math.max(4, Math.round(bytesPerRound / (size + 1)));
  const input = buildInput(size, messagesPerRound);
  const ours: Timing[] = [];
  const baseline: Timing[] = [];
  // One unmeasured round each to warm up the JIT.
  await readWithOurs(input, messagesPerRound);
  await readWithBaseline(input, messagesPerRound);
  for (let round = 0; round < rounds; round += 1) {
    // Alternate which goes first, so that drift in the machine's load or GC debt favours neither.
    const order = round % 2 === 0 ? ["ours", "baseline"] : ["baseline", "ours"];
    for (const which of order) {
      collectGarbage();
      if (which === "ours") ours.push(await timed(() => readWithOurs(input, messagesPerRound)));
      else baseline.push(await timed(() => readWithBaseline(input, messagesPerRound)));
    }
  }
  const ourRate = rate(input.length, messagesPerRound, median(ours.map((time) => time.wallMs)));
  const baselineRate = rate(input.length, messagesPerRound, median(baseline.map((time) => time.wallMs)));
  const cpuRatio = median(baseline.map((time) => time.cpuMs)) / median(ours.map((time) => time.cpuMs));
  return {
    messageBytes: size,
    messagesPerRound,
    ours: ourRate,
    baseline: baselineRate,
    ratio: round3(ourRate.mbPerSec / baselineRate.mbPerSec),
    cpuRatio: round3(cpuRatio),
  };
}

interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Wall and CPU time (user + system, this process) of one read. */
async function timed(read: () => Promise<void>): Promise<Timing> {
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  await read();
  const wallMs = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function rate(bytes: number, messages: number, ms: number): FramingRate {
  return { mbPerSec: round3(bytes / 1e6 / (ms / 1000)), messagesPerSec: Math.round(messages / (ms / 1000)) };
}

/** Newline-terminated messages of exactly `size` bytes each (plus `\n`): structured JSON with some non-ASCII. */
function buildInput(size: number, count: number): Buffer {
  const lines: Buffer[] = [];
  for (let index = 0; index < count; index += 1)
    lines.push(Buffer.from(messageOfSize(size, index) + "\n", "utf8"));
  return Buffer.concat(lines);
}

function messageOfSize(size: number, id: number): string {
  if (size < 1024) {
    const head = `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"search","arguments":{"q":"`;
    return pad(head, `"}}}`, size);
  }
  // Half structured (many small objects, as in tools/list), half one text block (as in a tool result).
  const item = `{"type":"text","text":"résumé of item","annotations":{"priority":0.5,"audience":["user"]}},`;
  const items = item.repeat(Math.floor(size / 2 / item.length));
  const head = `{"jsonrpc":"2.0","id":${id},"result":{"content":[${items}{"type":"text","text":"`;
  return pad(head, `"}],"isError":false}}`, size);
}

/** `head` + filler + `tail`, exactly `size` UTF-8 bytes (the filler mixes ASCII with a 2-byte character). */
function pad(head: string, tail: string, size: number): string {
  const room = size - Buffer.byteLength(head) - Buffer.byteLength(tail);
  if (room < 0) throw new RangeError(`message size ${size} is too small`);
  const unit = "lorem ipsum dolor sit amet é ";
  const unitBytes = Buffer.byteLength(unit);
  const filler = unit.repeat(Math.floor(room / unitBytes)) + "x".repeat(room % unitBytes);
  return head + filler + tail;
}

/** A Readable that pushes copies of `input` in 64 KiB chunks, as a pipe would deliver fresh buffers. */
function chunkedReadable(input: Buffer, lineBytes?: number): Readable {
  let offset = 0;
  const total = lineBytes ?? input.length;
  return new Readable({
    highWaterMark: FRAMING_CHUNK_BYTES,
    read() {
      if (offset >= total) {
        this.push(null);
        return;
      }
      const end = Math.min(offset + FRAMING_CHUNK_BYTES, total);
      this.push(Buffer.from(input.subarray(offset, end)));
      offset = end;
    },
  });
}

async function readWithOurs(input: Buffer, expected: number): Promise<void> {
  const stream = chunkedReadable(input);
  const reader = new NdjsonMessageReader(stream);
  let delivered = 0;
  await new Promise<void>((resolve, reject) => {
    reader.onError(reject);
    reader.onClose(resolve);
    reader.listen(() => {
      delivered += 1;
    });
  });
  reader.dispose();
  if (delivered !== expected) throw new Error(`our reader delivered ${delivered} of ${expected} messages`);
}

/** The obvious implementation: decode, append to a string, cut lines off the front, JSON.parse each. */
async function readWithBaseline(input: Buffer, expected: number): Promise<void> {
  const stream = chunkedReadable(input);
  stream.setEncoding("utf8");
  let delivered = 0;
  let buffer = "";
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (text: string) => {
      buffer += text;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.trim() === "") continue;
        const message: unknown = JSON.parse(line);
        if (message !== undefined) delivered += 1;
      }
    });
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  if (delivered !== expected) throw new Error(`baseline delivered ${delivered} of ${expected} messages`);
}

/** Read one line of `lineBytes` (a valid message) through our reader with the default cap, sampling memory. */
async function measureOneLine(kind: FramingMemory["case"], lineBytes: number): Promise<FramingMemory> {
  const input = Buffer.from(messageOfSize(lineBytes, 1) + "\n", "utf8");
  collectGarbage();
  const before = process.memoryUsage();
  const peak = { rss: before.rss, heap: before.heapUsed, arrayBuffers: before.arrayBuffers };
  const sample = (): void => {
    const now = process.memoryUsage();
    peak.rss = Math.max(peak.rss, now.rss);
    peak.heap = Math.max(peak.heap, now.heapUsed);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers);
  };
  const stream = chunkedReadable(input);
  const reader = new NdjsonMessageReader(stream);
  let delivered = 0;
  let peakBuffered = 0;
  let longestStall = 0;
  let dispatchStart = 0;
  const errors: string[] = [];
  const start = performance.now();
  await new Promise<void>((resolve) => {
    reader.onError((error) => errors.push(error instanceof FramingError ? error.code : error.message));
    reader.onClose(resolve);
    // Before the reader's own listener: the dispatch of one chunk starts here…
    stream.on("data", () => {
      dispatchStart = performance.now();
    });
    reader.listen((message) => {
      delivered += message === undefined ? 0 : 1;
      sample();
    });
    // …and ends here, after the reader has consumed it.
    stream.on("data", () => {
      longestStall = Math.max(longestStall, performance.now() - dispatchStart);
      peakBuffered = Math.max(peakBuffered, reader.bufferedBytes);
      sample();
    });
  });
  const elapsed = performance.now() - start;
  sample();
  reader.dispose();
  return {
    case: kind,
    lineBytes: input.length - 1,
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    peakRssGrowthBytes: peak.rss - before.rss,
    peakHeapGrowthBytes: peak.heap - before.heapUsed,
    peakArrayBufferGrowthBytes: peak.arrayBuffers - before.arrayBuffers,
    peakBufferedBytes: peakBuffered,
    longestStallMs: round3(longestStall),
    elapsedMs: round3(elapsed),
    messagesDelivered: delivered,
    errors,
  };
}

let gcFunction: (() => void) | undefined;

/** A full GC between measurements; works without `--expose-gc` on the command line. */
function collectGarbage(): void {
  if (gcFunction === undefined) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (existing !== undefined) gcFunction = existing;
    else {
      setFlagsFromString("--expose-gc");
      gcFunction = runInNewContext("gc") as () => void;
    }
  }
  gcFunction();
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function formatBytes(bytes: number): string {
  if (Math.abs(bytes) >= MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  if (Math.abs(bytes) >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** The result as markdown tables: throughput (ours vs baseline, ratio) and single-line memory. */
export function formatFramingMarkdown(result: FramingBenchResult): string {
  const lines = [
    `Framing: ${formatBytes(result.chunkBytes)} chunks, median of ${result.rounds} rounds, Node ${result.node}`,
    "",
    "| message | ours MB/s | ours msg/s | baseline MB/s | baseline msg/s | ratio ours/baseline | ratio by CPU time |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...result.throughput.map(
      (row) =>
        `| ${formatBytes(row.messageBytes)} | ${row.ours.mbPerSec.toFixed(1)} | ${row.ours.messagesPerSec} | ` +
        `${row.baseline.mbPerSec.toFixed(1)} | ${row.baseline.messagesPerSec} | ${row.ratio.toFixed(2)} | ` +
        `${row.cpuRatio.toFixed(2)} |`,
    ),
  ];
  if (result.memory.length > 0) {
    lines.push(
      "",
      "| one line | cap | peak RSS growth | peak heap growth | peak Buffer growth | peak buffered | longest stall | time | delivered | errors |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
      ...result.memory.map(
        (row) =>
          `| ${row.case} ${formatBytes(row.lineBytes)} | ${formatBytes(row.maxMessageBytes)} | ` +
          `${formatBytes(row.peakRssGrowthBytes)} | ${formatBytes(row.peakHeapGrowthBytes)} | ` +
          `${formatBytes(row.peakArrayBufferGrowthBytes)} | ${formatBytes(row.peakBufferedBytes)} | ` +
          `${row.longestStallMs.toFixed(1)} ms | ${row.elapsedMs.toFixed(0)} ms | ${row.messagesDelivered} | ` +
          `${row.errors.join(", ") || "none"} |`,
      ),
    );
  }
  return lines.join("\n");
}
