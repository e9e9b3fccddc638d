import { AbstractMessageReader, AbstractMessageWriter } from "vscode-jsonrpc/node";
import type { DataCallback, Disposable, Message, MessageReader, MessageWriter } from "vscode-jsonrpc/node";
import { findTopLevelIdText, isIntegerLiteral } from "./largeIdTable.js";
import type { LargeIdTable } from "./largeIdTable.js";

/** Default cap on one message (one line), in bytes: 64 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Default time a partial line may wait for more bytes before `onPartialMessage` fires: 10 s. */
export const DEFAULT_PARTIAL_MESSAGE_TIMEOUT_MS = 10_000;

const LF = 0x0a;
const CR = 0x0d;
const OPEN_BRACE = 0x7b;
const BYTE_ORDER_MARK = 0xfeff;
const EXCERPT_CHARS = 200;
const EMPTY = Buffer.alloc(0);
/** Bytes decoded from an over-cap line for its excerpt (enough for 200 characters of any UTF-8). */
const EXCERPT_BYTES = EXCERPT_CHARS * 4;
/** Bytes kept from the end of an over-cap line, to find an `id` written last. */
const TAIL_BYTES = 256;
const CR_BUFFER = Buffer.from([CR]);
const ID_VALUE = String.raw`(-?\d+|"(?:[^"\\]|\\.)*")`;
const HEAD_ID = new RegExp(
  String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${ID_VALUE}\s*[,}]`,
);
const TAIL_ID = new RegExp(String.raw`[{,]\s*"id"\s*:\s*${ID_VALUE}\s*\}\s*$`);

/** Why a line was not delivered as a message. */
export type FramingErrorCode = "ERR_FRAME_PARSE" | "ERR_FRAME_INVALID" | "ERR_FRAME_TOO_LARGE";

/**
 * A line that could not be delivered: fired through the reader's `onError`; reading continues.
 * `code` tells which JSON-RPC error a peer should get: ERR_FRAME_PARSE → -32700,
 * ERR_FRAME_INVALID → -32600, ERR_FRAME_TOO_LARGE → -32600 (the line was discarded).
 */
export class FramingError extends Error {
  override readonly name = "FramingError";
  constructor(
    readonly code: FramingErrorCode,
    message: string,
    /** The first bytes of the offending line (at most 200 characters), for diagnostics. */
    readonly excerpt: string,
    /**
     * The offending line's size in bytes, without its line terminator. ERR_FRAME_TOO_LARGE fires when the line
     * ends (newline, end or close of the stream), so this is the full size of the discarded line.
     */
    readonly byteLength: number,
    options?: { cause?: unknown; requestId?: string | number; isResponse?: boolean },
  ) {
    super(message, options);
    this.requestId = options?.requestId;
    this.isResponse = options?.isResponse ?? false;
  }

  /**
   * The line parsed to an object shaped like a response (a `result` or `error` member and no `method`); set for
   * ERR_FRAME_INVALID only. JSON-RPC never answers a response, whatever is wrong with it: two peers answering
   * each other's bad error replies would do so forever.
   */
  readonly isResponse: boolean;

  /**
   * The id of the offending message when it could be told (a string or a safe integer), so its owner can be
   * answered or failed at once: for ERR_FRAME_INVALID the parsed object's `id`; for ERR_FRAME_TOO_LARGE an `id`
   * member found at the start of the line (`{"jsonrpc":"2.0","id":…`) or at its end (`…,"id":…}`, where SDK
   * peers write it). Otherwise `undefined`.
   */
  readonly requestId: string | number | undefined;
}

/**
 * A message the writer could not serialize (`JSON.stringify` threw: nesting too deep for the stack, a BigInt, a
 * cycle). The write is rejected with it; nothing is written and the stream stays usable.
 */
export class MessageSerializationError extends Error {
  override readonly name = "MessageSerializationError";
  readonly code = "ERR_MESSAGE_UNSERIALIZABLE";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface NdjsonReaderOptions {
  /** Largest accepted line in bytes (default {@link DEFAULT_MAX_MESSAGE_BYTES}). */
  maxMessageBytes?: number;
  /**
   * Table for request ids that are integers beyond 2^53 (share the same instance with the writer). Without it,
   * a request with such an id is reported as ERR_FRAME_INVALID (its id could not be echoed exactly).
   */
  largeIds?: LargeIdTable;
  /**
   * Fire `onPartialMessage` (`{ messageToken, waitingTime }`) when part of a line has waited this long (ms) with
   * no byte arriving, and again every period while it stays stalled. Default
   * {@link DEFAULT_PARTIAL_MESSAGE_TIMEOUT_MS}; 0 disables. The timer is `unref()`'d.
   */
  partialMessageTimeoutMs?: number;
}

export interface NdjsonWriterOptions {
  /** The table shared with the reader; a response whose id is one of its placeholders gets the raw digits. */
  largeIds?: LargeIdTable;
}

function normalizePartialMessageTimeoutMs(value: number | undefined): number {
  if (value === undefined) return DEFAULT_PARTIAL_MESSAGE_TIMEOUT_MS;
  if (!Number.isFinite(value) || value < 0) {
    throw new TypeError(`partialMessageTimeoutMs must be a non-negative number, got ${String(value)}`);
  }
  return value;
}

function normalizeMaxMessageBytes(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_MESSAGE_BYTES;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`maxMessageBytes must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Reads newline-delimited JSON-RPC 2.0 messages from a byte stream.
 *
 * - Linear in input size: chunks are kept in a list, only new bytes are scanned for `\n`, and a line that spans
 *   chunks is concatenated once, when complete. UTF-8 is decoded on complete lines only.
 * - A trailing `\r` and a leading byte-order mark are tolerated; blank (whitespace-only) lines are skipped.
 * - A line longer than `maxMessageBytes` is dropped while it arrives (buffered bytes never exceed the cap; only
 *   its first 800 and last 257 bytes are kept) and reported once as ERR_FRAME_TOO_LARGE when it ends (newline,
 *   end or close of the stream), with its full size and, when found at either end, its `requestId`.
 * - A bad line is reported through `onError` as a {@link FramingError} and reading continues: invalid JSON →
 *   ERR_FRAME_PARSE; valid JSON that is not one JSON-RPC 2.0 message object (a batch array, a scalar, no
 *   `jsonrpc: "2.0"`, a non-string `method`, a request id that is null, fractional or not a string/number,
 *   params that are not an object/array, a response without `result`/`error`, a response without an id or
 *   with id null, which MCP forbids and nobody can route) → ERR_FRAME_INVALID. A line shaped like a response
 *   says so in {@link FramingError.isResponse}.
 * - A request id that is an integer beyond 2^53 (written as a plain integer literal) is replaced by a
 *   {@link LargeIdTable} placeholder when the `largeIds` option is set (see there), otherwise the line is
 *   ERR_FRAME_INVALID. Response ids are never substituted (our own request ids are small).
 * - Nesting depth is not capped here: `JSON.parse` copes with any depth, and a check would cost a scan of every
 *   line; the writer rejects what it cannot serialize instead.
 * - Bytes after the last `\n` when the stream ends are treated as a final line (delivered if valid).
 * - A partial line that waits `partialMessageTimeoutMs` without a byte arriving fires `onPartialMessage`.
 * - Stream `'end'`/`'close'` fire `onClose` once; a stream `'error'` fires `onError` with that error.
 * - Nothing throws out of the stream handlers; an exception from the callback is reported through `onError`.
 */
export class NdjsonMessageReader extends AbstractMessageReader implements MessageReader {
  readonly #readable: NodeJS.ReadableStream;
  readonly #maxMessageBytes: number;
  readonly #largeIds: LargeIdTable | undefined;
  #callback: DataCallback | undefined;
  /** Pieces of the current, incomplete line. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Inside an over-cap line: its bytes are dropped until the next `\n`. */
  #overflow: Overflow | undefined;
  /** A '\r' that arrived exactly at the cap, held back in case '\n' follows. */
  #pendingCarriageReturn = false;
  #closed = false;
  #listening = false;
  readonly #partialMessageTimeoutMs: number;
  #partialTimer: ReturnType<typeof setTimeout> | undefined;
  #lastDataAt = 0;
  /** Lines seen so far; identifies the stalled line in `onPartialMessage`. */
  #messageToken = 0;
  #consuming = false;
  /** Chunks that arrived while a chunk was being consumed. */
  #backlog: Buffer[] = [];

  constructor(readable: NodeJS.ReadableStream, options: NdjsonReaderOptions = {}) {
    super();
    this.#readable = readable;
    this.#maxMessageBytes = normalizeMaxMessageBytes(options.maxMessageBytes);
    this.#largeIds = options.largeIds;
    this.#partialMessageTimeoutMs = normalizePartialMessageTimeoutMs(options.partialMessageTimeoutMs);
  }

  /** Bytes of the current incomplete line held in memory (never more than `maxMessageBytes`). */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  /** The configured cap in bytes. */
  get maxMessageBytes(): number {
    return this.#maxMessageBytes;
  }

  /** Start reading; `callback` gets each message in order. Call at most once. */
  listen(callback: DataCallback): Disposable {
    if (this.#listening) throw new Error("NdjsonMessageReader.listen() called twice");
    this.#listening = true;
    this.#callback = callback;
    const readable = this.#readable;
    readable.on("data", this.#onData);
    readable.on("end", this.#onEnd);
    readable.on("close", this.#onClose);
    readable.on("error", this.#onError);
    return { dispose: () => this.#detach() };
  }

  /** Stop reading and release listeners. Idempotent. Does not close the stream. */
  override dispose(): void {
    this.#detach();
    super.dispose();
  }

  #detach(): void {
    this.#callback = undefined;
    this.#backlog = [];
    this.#clearPartialTimer();
    this.#resetPending();
    this.#overflow = undefined;
    const readable = this.#readable;
    readable.off("data", this.#onData);
    readable.off("end", this.#onEnd);
    readable.off("close", this.#onClose);
    readable.off("error", this.#onError);
  }

  readonly #onData = (data: Buffer | Uint8Array | string): void => {
    if (this.#consuming) {
      // Re-entered: the callback pushed into this very stream, which emits 'data' synchronously. Keep order.
      this.#backlog.push(toBuffer(data));
      return;
    }
    this.#consuming = true;
    try {
      this.#consume(toBuffer(data));
      for (let next = this.#backlog.shift(); next !== undefined; next = this.#backlog.shift())
        this.#consume(next);
      if (this.#partialMessageTimeoutMs > 0) {
        this.#lastDataAt = Date.now();
        if (this.#partialTimer === undefined && this.#hasPartialLine()) {
          this.#armPartialTimer(this.#partialMessageTimeoutMs);
        }
      }
    } catch (error) {
      // Defensive: #consume reports bad lines itself; anything else must still not escape the 'data' handler.
      this.fireError(error);
    } finally {
      this.#consuming = false;
    }
  };

  #hasPartialLine(): boolean {
    return this.#pendingBytes > 0 || this.#pendingCarriageReturn || this.#overflow !== undefined;
  }

  // One timer per period rather than one per chunk: it re-arms itself for the time left since the last byte.
  #armPartialTimer(delayMs: number): void {
    const timer = setTimeout(this.#onPartialTimer, delayMs);
    timer.unref();
    this.#partialTimer = timer;
  }

  readonly #onPartialTimer = (): void => {
    this.#partialTimer = undefined;
    if (this.#closed || this.#callback === undefined || !this.#hasPartialLine()) return;
    const waited = Date.now() - this.#lastDataAt;
    if (waited >= this.#partialMessageTimeoutMs) {
      this.firePartialMessage({ messageToken: this.#messageToken, waitingTime: waited });
      this.#armPartialTimer(this.#partialMessageTimeoutMs);
    } else {
      this.#armPartialTimer(this.#partialMessageTimeoutMs - waited);
    }
  };

  #clearPartialTimer(): void {
    if (this.#partialTimer !== undefined) clearTimeout(this.#partialTimer);
    this.#partialTimer = undefined;
  }

  readonly #onEnd = (): void => {
    try {
      // Bytes after the last '\n' are a final line.
      if (this.#overflow !== undefined) this.#finishOverflow();
      else if (this.#pendingBytes > 0 || this.#pendingCarriageReturn) this.#completeLine(EMPTY);
      this.#resetPending();
    } catch (error) {
      this.fireError(error);
    }
    this.#fireCloseOnce();
  };

  readonly #onClose = (): void => {
    try {
      if (this.#overflow !== undefined && !this.#closed) this.#finishOverflow();
    } catch (error) {
      this.fireError(error);
    }
    this.#fireCloseOnce();
  };

  readonly #onError = (error: unknown): void => {
    this.fireError(error);
  };

  #fireCloseOnce(): void {
    this.#clearPartialTimer();
    if (this.#closed) return;
    this.#closed = true;
    this.fireClose();
  }

  #consume(chunk: Buffer): void {
    const length = chunk.length;
    if (length === 0) return;
    let start = 0;
    if (this.#overflow !== undefined) {
      const newline = chunk.indexOf(LF);
      if (newline < 0) {
        this.#extendOverflow(chunk);
        return;
      }
      this.#extendOverflow(chunk.subarray(0, newline));
      this.#finishOverflow();
      start = newline + 1;
    } else if (this.#pendingBytes > 0 || this.#pendingCarriageReturn) {
      const newline = chunk.indexOf(LF);
      if (newline < 0) {
        this.#appendPending(chunk);
        return;
      }
      this.#completeLine(chunk.subarray(0, newline));
      start = newline + 1;
    }
    if (start >= length) return;
    const last = chunk.lastIndexOf(LF);
    if (last >= start) {
      if (last - start <= this.#maxMessageBytes) {
        // Every line in this region fits the cap: decode the region once and split the text.
        this.#handleRegion(chunk.toString("utf8", start, last));
      } else {
        this.#handleLinesOneByOne(chunk, start, last);
      }
      start = last + 1;
    }
    if (start < length && this.#callback !== undefined) this.#appendPending(chunk.subarray(start));
  }

  /** Complete lines between `start` and the `\n` at `last`, checked against the cap one by one. */
  #handleLinesOneByOne(chunk: Buffer, start: number, last: number): void {
    while (start <= last) {
      const newline = chunk.indexOf(LF, start);
      const line = chunk.subarray(start, newline);
      if (this.#contentLength(line) > this.#maxMessageBytes) this.#reportTooLarge(line, line, line.length);
      else this.#handleLinePieces([line], line.length);
      start = newline + 1;
    }
  }

  /** The lines of `text` (complete lines, without the last line's `\n`). */
  #handleRegion(text: string): void {
    const end = text.length;
    let start = 0;
    while (start <= end) {
      // One try around the loop rather than one per message keeps the per-line path lean; a callback that
      // throws is reported and the next line is read.
      try {
        while (start <= end) {
          let newline = text.indexOf("\n", start);
          if (newline < 0) newline = end;
          const line = start === 0 && newline === end ? text : text.slice(start, newline);
          start = newline + 1;
          this.#handleLine(line);
          if (this.#callback === undefined) return; // disposed by the callback
        }
      } catch (error) {
        this.fireError(error);
        if (this.#callback === undefined) return;
      }
    }
  }

  /** Add bytes of a line whose end has not arrived yet, enforcing the cap. */
  #appendPending(piece: Buffer): void {
    if (piece.length === 0) return;
    const seen = this.#pendingBytes + (this.#pendingCarriageReturn ? 1 : 0) + piece.length;
    if (seen <= this.#maxMessageBytes) {
      this.#pending.push(piece);
      this.#pendingBytes = seen;
      return;
    }
    if (seen === this.#maxMessageBytes + 1 && piece[piece.length - 1] === CR) {
      // A line of exactly the cap followed by "\r\n": hold the '\r' back instead of buffering it.
      this.#pending.push(piece.subarray(0, piece.length - 1));
      this.#pendingBytes = this.#maxMessageBytes;
      this.#pendingCarriageReturn = true;
      return;
    }
    const pieces = this.#pending;
    if (this.#pendingCarriageReturn) pieces.push(CR_BUFFER);
    pieces.push(piece);
    this.#overflow = {
      head: firstBytes(pieces, EXCERPT_BYTES),
      tail: lastBytes(pieces, TAIL_BYTES + 1),
      bytes: seen,
    };
    this.#resetPending();
  }

  #extendOverflow(bytes: Buffer): void {
    const overflow = this.#overflow!;
    overflow.bytes += bytes.length;
    if (bytes.length > 0) overflow.tail = lastBytes([overflow.tail, bytes], TAIL_BYTES + 1);
  }

  #finishOverflow(): void {
    const overflow = this.#overflow!;
    this.#overflow = undefined;
    this.#reportTooLarge(overflow.head, overflow.tail, overflow.bytes);
  }

  /** The pending bytes plus `head` (the bytes before a '\n', or nothing at end of stream) form a line. */
  #completeLine(head: Buffer): void {
    const seen = this.#pendingBytes + (this.#pendingCarriageReturn ? 1 : 0) + head.length;
    let endsWithCarriageReturn: boolean;
    if (head.length > 0) endsWithCarriageReturn = head[head.length - 1] === CR;
    else if (this.#pendingCarriageReturn) endsWithCarriageReturn = true;
    else {
      const lastPiece = this.#pending[this.#pending.length - 1];
      endsWithCarriageReturn = lastPiece !== undefined && lastPiece[lastPiece.length - 1] === CR;
    }
    const content = endsWithCarriageReturn ? seen - 1 : seen;
    if (content > this.#maxMessageBytes) {
      const pieces = this.#pending;
      if (this.#pendingCarriageReturn) pieces.push(CR_BUFFER);
      pieces.push(head);
      this.#reportTooLarge(firstBytes(pieces, EXCERPT_BYTES), lastBytes(pieces, TAIL_BYTES + 1), seen);
      this.#resetPending();
      return;
    }
    const pieces = this.#pending;
    if (head.length > 0) pieces.push(head);
    const size = this.#pendingBytes + head.length;
    this.#resetPending();
    if (pieces.length > 0) this.#handleLinePieces(pieces, size);
  }

  #resetPending(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#pendingCarriageReturn = false;
  }

  /** Bytes of a line without a trailing '\r'. */
  #contentLength(line: Buffer): number {
    const length = line.length;
    return length > 0 && line[length - 1] === CR ? length - 1 : length;
  }

  /**
   * Fire the one ERR_FRAME_TOO_LARGE of a line, given its first bytes, its last bytes and its size (both
   * counting a trailing '\r', which is not part of the line).
   */
  #reportTooLarge(head: Buffer, tail: Buffer, seen: number): void {
    let byteLength = seen;
    let end = tail;
    if (end.length > 0 && end[end.length - 1] === CR) {
      byteLength -= 1;
      end = end.subarray(0, end.length - 1);
    }
    const headText = head.subarray(0, EXCERPT_BYTES).toString("utf8");
    const requestId =
      matchId(HEAD_ID, headText) ?? matchId(TAIL_ID, end.subarray(-TAIL_BYTES).toString("utf8"));
    this.fireError(
      new FramingError(
        "ERR_FRAME_TOO_LARGE",
        `line of ${byteLength} bytes exceeds the cap of ${this.#maxMessageBytes} bytes; discarded`,
        headText.slice(0, EXCERPT_CHARS),
        byteLength,
        { requestId },
      ),
    );
  }

  /** Decode a complete line held in `pieces` (emptied here) and handle it. */
  #handleLinePieces(pieces: Buffer[], size: number): void {
    const text = this.#decode(pieces, size);
    if (text === undefined) return;
    try {
      this.#handleLine(text);
    } catch (error) {
      this.fireError(error);
    }
  }

  // A frame of its own, so that neither the pieces nor the joined bytes are reachable while the text is parsed:
  // a line at the cap would otherwise be held three times during JSON.parse.
  #decode(pieces: Buffer[], size: number): string | undefined {
    const line = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, size);
    pieces.length = 0;
    if (line.length === 0) return undefined;
    try {
      return line.toString("utf8");
    } catch {
      // Longer than the engine's longest string (only with a cap above ~512 MiB).
      this.#reportTooLarge(line, line.subarray(-TAIL_BYTES - 1), line.length);
      return undefined;
    }
  }

  #handleLine(line: string): void {
    this.#messageToken += 1;
    let text = line;
    if (text.charCodeAt(0) !== OPEN_BRACE) {
      // Some Windows programs start their output with a byte-order mark, which JSON.parse rejects.
      if (text.charCodeAt(0) === BYTE_ORDER_MARK) text = text.slice(1);
      if (text.trim() === "") return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.#reportLine("ERR_FRAME_PARSE", `invalid JSON: ${(error as Error).message}`, text, {
        cause: error,
      });
      return;
    }
    const problem = this.#check(value, text);
    if (problem !== undefined) {
      const id = typeof value === "object" && value !== null ? (value as { id?: unknown }).id : undefined;
      const requestId =
        typeof id === "string" || Number.isSafeInteger(id) ? (id as string | number) : undefined;
      this.#reportLine("ERR_FRAME_INVALID", `not a JSON-RPC 2.0 message: ${problem}`, text, {
        requestId,
        isResponse: isResponseShaped(value),
      });
      return;
    }
    const callback = this.#callback;
    // An exception from the callback propagates to the caller, which reports it and goes on with the next line.
    if (callback !== undefined) callback(value as Message);
  }

  #reportLine(
    code: FramingErrorCode,
    message: string,
    text: string,
    options: { cause?: unknown; requestId?: string | number; isResponse?: boolean },
  ): void {
    const trimmed = text.charCodeAt(text.length - 1) === CR ? text.slice(0, -1) : text;
    this.fireError(
      new FramingError(
        code,
        message,
        trimmed.slice(0, EXCERPT_CHARS),
        Buffer.byteLength(trimmed, "utf8"),
        options,
      ),
    );
  }

  /** Why `value` is not a JSON-RPC 2.0 message, or `undefined` when it is (may rewrite a large request id). */
  #check(value: unknown, text: string): string | undefined {
    if (typeof value !== "object" || value === null) {
      return value === null ? "the line is null" : `the line is a ${typeof value}`;
    }
    if (Array.isArray(value)) return "batch arrays are not supported";
    const message = value as Record<string, unknown>;
    if (message.jsonrpc !== "2.0") return 'member "jsonrpc" is not "2.0"';
    const id = message.id;
    const method = message.method;
    if (method !== undefined) {
      if (typeof method !== "string") return 'member "method" is not a string';
      const params = message.params;
      if (params !== undefined && params !== null && typeof params !== "object") {
        return 'member "params" is not an object or array';
      }
      if (id === undefined || typeof id === "string") return undefined;
      if (typeof id !== "number") return `request id is ${id === null ? "null" : `a ${typeof id}`}`;
      if (Number.isSafeInteger(id)) return undefined;
      if (!Number.isInteger(id)) return "request id is not an integer";
      return this.#substituteLargeId(message, text);
    }
    if (message.result === undefined && message.error === undefined) {
      return 'neither "method" nor "result"/"error" present';
    }
    if (message.error !== undefined && (typeof message.error !== "object" || message.error === null)) {
      return 'member "error" is not an object';
    }
    if (id === undefined || id === null) {
      const error = message.error as { code?: unknown; message?: unknown } | undefined;
      return error === undefined
        ? `response id is ${String(id)}`
        : `error response without id (${String(error.code)}: ${String(error.message)})`;
    }
    if (typeof id === "string") return undefined;
    if (typeof id !== "number") return `response id is a ${typeof id}`;
    if (!Number.isInteger(id)) return "response id is not an integer";
    return undefined;
  }

  #substituteLargeId(message: Record<string, unknown>, text: string): string | undefined {
    const table = this.#largeIds;
    if (table === undefined) return "request id is an integer beyond 2^53 (no LargeIdTable configured)";
    const raw = findTopLevelIdText(text);
    if (raw === undefined || !isIntegerLiteral(raw)) {
      return "request id beyond 2^53 is not written as a plain integer literal";
    }
    message.id = table.register(raw);
    return undefined;
  }
}

interface QueuedWrite {
  readonly line: string;
  readonly message: Message;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** A batch is handed to the stream once it holds this many messages, even while more keep coming. */
export const MAX_BATCH_MESSAGES = 64;
/** A batch is handed to the stream once it holds this many bytes (UTF-16 units, close enough): 256 KiB. */
export const MAX_BATCH_CHARS = 256 * 1024;

/**
 * Writes one JSON-RPC message per line (`JSON.stringify` + `\n`) to a byte stream.
 *
 * - Writes reach the stream in call order. When `stream.write()` returns false, later messages wait in order
 *   for `'drain'`; each `write()` resolves once its bytes were handed to the stream (its write callback).
 * - Coalescing: a write when the writer is idle goes to the stream at once (no added latency). Writes that
 *   follow it while it is busy (in the same or the following event-loop turns) are joined and handed to the
 *   stream in one `write()` as soon as a turn passes without a new message, or the batch reaches
 *   {@link MAX_BATCH_MESSAGES} messages or {@link MAX_BATCH_CHARS} characters: one write system call and one
 *   wake-up of the reader for a burst of messages instead of one each. The bytes are the same.
 * - A stream failure (EPIPE, a destroyed or ended stream) fires `onError` (`[error, message, count]`, the message
 *   being the first one of the failed write) and rejects that write and every later one; the writer always
 *   listens for `'error'`, so the stream never emits an unhandled one. Stream `'close'` fires `onClose` once.
 * - A message `JSON.stringify` cannot serialize is rejected with {@link MessageSerializationError}; nothing is
 *   written, the writer stays usable and `onError` is not fired. A write after {@link end} is rejected too.
 * - A message whose `id` is a placeholder of the `largeIds` table is written with the raw digits (`jsonrpc`,
 *   `id` first) and the placeholder is released.
 */
export class NdjsonMessageWriter extends AbstractMessageWriter implements MessageWriter {
  readonly #writable: NodeJS.WritableStream;
  readonly #largeIds: LargeIdTable | undefined;
  /** Messages not yet handed to the stream, in call order. */
  #queue: QueuedWrite[] = [];
  #queuedChars = 0;
  #waitingForDrain = false;
  /** The turn check of the coalescing window; set while the writer is busy. */
  #turnCheck: ReturnType<typeof setImmediate> | undefined;
  /** A message was queued since the last turn check. */
  #queueGrew = false;
  #failure: Error | undefined;
  #errorCount = 0;
  #ended = false;
  #closed = false;
  #disposed = false;

  constructor(writable: NodeJS.WritableStream, options: NdjsonWriterOptions = {}) {
    super();
    this.#writable = writable;
    this.#largeIds = options.largeIds;
    writable.on("error", this.#onStreamError);
    writable.on("close", this.#onStreamClose);
    writable.on("drain", this.#onDrain);
  }

  write(msg: Message): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#ended || this.#disposed) {
      return Promise.reject(new Error(`cannot write: the writer was ${this.#ended ? "ended" : "disposed"}`));
    }
    let line: string;
    try {
      line = this.#serialize(msg);
    } catch (error) {
      return Promise.reject(
        new MessageSerializationError(
          `cannot serialize message${describe(msg)}: ${(error as Error)?.message ?? String(error)}`,
          { cause: error },
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const entry: QueuedWrite = { line, message: msg, resolve, reject };
      if (this.#waitingForDrain || this.#queue.length > 0 || this.#turnCheck !== undefined) {
        this.#queue.push(entry);
        this.#queuedChars += line.length;
        this.#queueGrew = true;
        if (
          !this.#waitingForDrain &&
          (this.#queue.length >= MAX_BATCH_MESSAGES || this.#queuedChars >= MAX_BATCH_CHARS)
        ) {
          this.#flushQueue();
        }
      } else {
        this.#writeNow([entry]);
        this.#openWindow();
      }
    });
  }

  /** End the stream once every queued message has been written. Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (!this.#waitingForDrain) this.#flushQueue();
  }

  /**
   * Release listeners on the stream. Idempotent; does not end the stream. Messages held back only to be joined
   * are handed to the stream first (as they would have been without coalescing); messages waiting for `'drain'`
   * are rejected.
   */
  override dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (!this.#waitingForDrain && this.#failure === undefined && !this.#closed) this.#flushQueue();
    this.#closeWindow();
    const writable = this.#writable;
    writable.off("drain", this.#onDrain);
    writable.off("close", this.#onStreamClose);
    // Keep a no-op 'error' listener: a late stream error must never become an uncaught exception.
    writable.off("error", this.#onStreamError);
    writable.on("error", ignoreError);
    this.#rejectQueue(new Error("message writer disposed"));
    super.dispose();
  }

  #serialize(msg: Message): string {
    const table = this.#largeIds;
    if (table !== undefined) {
      const record = msg as unknown as Record<string, unknown>;
      const raw = table.rawOf(record.id);
      if (raw !== undefined) {
        const { jsonrpc, id, ...rest } = record;
        const body = JSON.stringify(rest);
        const head =
          jsonrpc === undefined ? `{"id":${raw}` : `{"jsonrpc":${JSON.stringify(jsonrpc)},"id":${raw}`;
        const line = body === "{}" ? `${head}}\n` : `${head},${body.slice(1)}\n`;
        table.release(id);
        return line;
      }
    }
    const json = JSON.stringify(msg);
    if (typeof json !== "string") throw new TypeError("JSON.stringify returned no text");
    return json + "\n";
  }

  // The window stays open while messages keep coming, one check per event-loop turn; it closes (and the
  // batch goes out) on the first turn without a new message. A write in an idle writer never waits.
  #openWindow(): void {
    if (this.#turnCheck !== undefined || this.#disposed) return;
    this.#queueGrew = false;
    this.#turnCheck = setImmediate(this.#onTurn);
  }

  #closeWindow(): void {
    if (this.#turnCheck !== undefined) clearImmediate(this.#turnCheck);
    this.#turnCheck = undefined;
  }

  readonly #onTurn = (): void => {
    this.#turnCheck = undefined;
    if (this.#queue.length === 0 || this.#waitingForDrain) return;
    if (this.#queueGrew) {
      // More may follow in the next turn: keep collecting.
      this.#openWindow();
      return;
    }
    this.#flushQueue();
  };

  /** Hand every queued message to the stream, in batches, until it needs a drain. */
  #flushQueue(): void {
    while (!this.#waitingForDrain && this.#queue.length > 0) {
      let count = 0;
      let chars = 0;
      const queue = this.#queue;
      while (count < queue.length && count < MAX_BATCH_MESSAGES && (count === 0 || chars < MAX_BATCH_CHARS)) {
        chars += queue[count]!.line.length;
        count += 1;
      }
      const batch = count === queue.length ? queue : queue.slice(0, count);
      this.#queue = count === queue.length ? [] : queue.slice(count);
      this.#queuedChars -= chars;
      this.#writeNow(batch);
    }
    if (this.#queue.length === 0) this.#queuedChars = 0;
    if (this.#ended && !this.#waitingForDrain && this.#queue.length === 0) this.#endStream();
  }

  #writeNow(batch: readonly QueuedWrite[]): void {
    const first = batch[0]!;
    if (this.#failure !== undefined) {
      for (const entry of batch) entry.reject(this.#failure);
      return;
    }
    const writable = this.#writable as NodeJS.WritableStream & {
      destroyed?: boolean;
      writableEnded?: boolean;
    };
    if (writable.destroyed === true || writable.writableEnded === true || this.#closed) {
      this.#fail(new Error("cannot write: the stream is closed"), first.message);
      for (const entry of batch) entry.reject(this.#failure!);
      return;
    }
    const data = batch.length === 1 ? first.line : batch.map((entry) => entry.line).join("");
    let ok: boolean;
    try {
      ok = writable.write(data, (error?: Error | null) => {
        if (error) {
          this.#fail(error, first.message);
          for (const entry of batch) entry.reject(error);
        } else for (const entry of batch) entry.resolve();
      });
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.#fail(failure, first.message);
      for (const entry of batch) entry.reject(failure);
      return;
    }
    if (!ok) this.#waitingForDrain = true;
  }

  readonly #onDrain = (): void => {
    this.#waitingForDrain = false;
    this.#flushQueue();
  };

  #endStream(): void {
    if (this.#failure !== undefined) return;
    this.#closeWindow();
    try {
      this.#writable.end();
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)), undefined);
    }
  }

  readonly #onStreamError = (error: Error): void => {
    this.#fail(error, undefined);
  };

  readonly #onStreamClose = (): void => {
    this.#closed = true;
    this.#closeWindow();
    // No 'drain' will come any more: later writes must reach #writeNow and be rejected, not wait forever.
    this.#waitingForDrain = false;
    if (this.#queue.length > 0)
      this.#fail(new Error("the stream closed with messages still queued"), undefined);
    this.fireClose();
  };

  #fail(error: Error, message: Message | undefined): void {
    if (this.#failure === undefined) {
      this.#failure = error;
      this.#errorCount += 1;
      this.fireError(error, message, this.#errorCount);
    }
    this.#waitingForDrain = false;
    this.#closeWindow();
    this.#rejectQueue(this.#failure);
  }

  #rejectQueue(error: Error): void {
    const queued = this.#queue;
    this.#queue = [];
    this.#queuedChars = 0;
    for (const entry of queued) entry.reject(error);
  }
}

function ignoreError(): void {}

/** An object with a `result` or `error` member and no `method`: a response, however malformed. */
function isResponseShaped(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return record.method === undefined && (record.result !== undefined || record.error !== undefined);
}

/** Streams deliver Buffers, but strings (after `setEncoding`) and plain Uint8Arrays (object mode) are accepted. */
function toBuffer(data: Buffer | Uint8Array | string): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === "string") return Buffer.from(data, "utf8");
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function describe(msg: Message): string {
  const record = msg as unknown as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof record.method === "string") parts.push(`method ${record.method}`);
  if (typeof record.id === "string" || typeof record.id === "number") parts.push(`id ${String(record.id)}`);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

/** The over-cap line being dropped: copies of its first and last bytes, and its size so far. */
interface Overflow {
  readonly head: Buffer;
  tail: Buffer;
  bytes: number;
}

/** A copy of the first `count` bytes across `pieces`. */
function firstBytes(pieces: readonly Buffer[], count: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  for (const piece of pieces) {
    if (total >= count) break;
    const part = piece.subarray(0, count - total);
    parts.push(part);
    total += part.length;
  }
  return Buffer.concat(parts, total);
}

/** A copy of the last `count` bytes across `pieces` (never a view: the chunks must not be retained). */
function lastBytes(pieces: readonly Buffer[], count: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  for (let index = pieces.length - 1; index >= 0 && total < count; index -= 1) {
    const piece = pieces[index]!;
    const part = piece.subarray(Math.max(0, piece.length - (count - total)));
    parts.unshift(part);
    total += part.length;
  }
  return Buffer.concat(parts, total);
}

/** The id captured by `pattern` in `text`, when it is a string or a safe integer. */
function matchId(pattern: RegExp, text: string): string | number | undefined {
  const raw = pattern.exec(text)?.[1];
  if (raw === undefined) return undefined;
  try {
    const id: unknown = JSON.parse(raw);
    return typeof id === "string" || Number.isSafeInteger(id) ? (id as string | number) : undefined;
  } catch {
    return undefined;
  }
}
