import fc from "fast-check";
import { Readable } from "node:stream";
import type { Message } from "vscode-jsonrpc/node";
import { FramingError } from "../framingError.js";
import { NdjsonMessageReader } from "../ndjsonMessageReader.js";
import type { NdjsonReaderOptions } from "../ndjsonMessageReader.js";

export type ReaderEvent =
  { kind: "message"; message: Message; line: string } | { kind: "error"; error: Error };

export interface FeedResult {
  readonly events: ReaderEvent[];
  readonly messages: Message[];
  /** The line text delivered with each message. */
  readonly lines: string[];
  readonly errors: Error[];
  /** Largest `bufferedBytes` seen after any chunk and at any event. */
  readonly maxBuffered: number;
  readonly closeCount: number;
}

/** Feed `chunks` one by one (each a separate 'data' event) through a real Readable into a reader. */
export async function feedChunks(
  chunks: readonly Uint8Array[],
  options: NdjsonReaderOptions = {},
): Promise<FeedResult> {
  const stream = Readable.from(chunks.map((chunk) => Buffer.from(chunk)));
  const reader = new NdjsonMessageReader(stream, options);
  const events: ReaderEvent[] = [];
  let maxBuffered = 0;
  let closeCount = 0;
  const sample = (): void => {
    maxBuffered = Math.max(maxBuffered, reader.bufferedBytes);
  };
  reader.onError((error) => {
    sample();
    events.push({ kind: "error", error });
  });
  const closed = new Promise<void>((resolve) =>
    reader.onClose(() => {
      closeCount += 1;
      resolve();
    }),
  );
  reader.listen((message, line) => {
    sample();
    events.push({ kind: "message", message, line });
  });
  // Registered after the reader's own listener, so it samples once the reader has consumed the chunk.
  stream.on("data", sample);
  await closed;
  // Let a late 'close' after 'end' arrive, to check close fires once.
  await new Promise((resolve) => setImmediate(resolve));
  reader.dispose();
  return {
    events,
    messages: events.flatMap((event) => (event.kind === "message" ? [event.message] : [])),
    lines: events.flatMap((event) => (event.kind === "message" ? [event.line] : [])),
    errors: events.flatMap((event) => (event.kind === "error" ? [event.error] : [])),
    maxBuffered,
    closeCount,
  };
}

/**
 * Cut `bytes` at the given positions (taken modulo its length + 1, sorted); a repeated position or one at either
 * end yields an empty chunk, which a reader must take in its stride too.
 */
export function cutAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const positions = cuts.map((cut) => cut % (bytes.length + 1)).sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const position of positions) {
    pieces.push(bytes.subarray(start, position));
    start = position;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

export function framingCodes(errors: readonly Error[]): string[] {
  return errors.map((error) =>
    error instanceof FramingError ? error.code : `not a FramingError: ${error.name}`,
  );
}

export const encoder = new TextEncoder();

const textArb = fc.string({ unit: "binary", maxLength: 24 });
const idArb = fc.oneof(textArb, fc.integer(), fc.maxSafeInteger(), fc.constant(-Number.MAX_SAFE_INTEGER));
const paramsArb = fc.oneof(
  fc.dictionary(textArb, fc.jsonValue({ maxDepth: 3, stringUnit: "binary" }), { maxKeys: 4 }),
  fc.array(fc.jsonValue({ maxDepth: 2, stringUnit: "binary" }), { maxLength: 4 }),
);

/** Valid JSON-RPC 2.0 messages of every kind, with text in any Unicode plane. */
export const messageArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
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

export const terminatorArb = fc.constantFrom("\n", "\r\n");
