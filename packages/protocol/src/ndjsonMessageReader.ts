import { AbstractMessageReader } from "vscode-jsonrpc/node";
import type { Disposable, Message, MessageReader } from "vscode-jsonrpc/node";
import { FramingError } from "./framingError.js";
import type { FramingErrorCode } from "./framingError.js";
import { isResponseShaped, shapeProblem } from "./jsonRpcShape.js";
import { LineSplitter } from "./lineSplitter.js";

/** Default cap on one message (one line), in bytes: 64 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Default time a partial line may wait for more bytes before `onPartialMessage` fires: 10 s. */
export const DEFAULT_PARTIAL_MESSAGE_TIMEOUT_MS = 10_000;

const CR = 0x0d;
const OPEN_BRACE = 0x7b;
const BYTE_ORDER_MARK = 0xfeff;
const EXCERPT_CHARS = 200;

/**
 * Receives each message in read order, with the text of its line (a trailing `\r` may remain), for a caller that
 * needs what `JSON.parse` loses (the exact digits of an id beyond 2^53).
 */
export type LineDataCallback = (message: Message, line: string) => void;

/** Why a line was not delivered as a message. */
export interface NdjsonReaderOptions {
  /** Largest accepted line in bytes (default {@link DEFAULT_MAX_MESSAGE_BYTES}). */
  maxMessageBytes?: number;
  /**
   * Sees each complete line (trailing `\r` removed, not empty) before it is parsed; returning `true` means the
   * line was handled and it is neither parsed nor delivered. Lets a relay forward a line it recognises cheaply
   * without parsing it. An exception is reported through `onError`, and the line is then dropped.
   */
  claimLine?: (line: string) => boolean;
  /**
   * Fire `onPartialMessage` (`{ messageToken, waitingTime }`) when part of a line has waited this long (ms) with
   * no byte arriving, and again every period while it stays stalled. Default
   * {@link DEFAULT_PARTIAL_MESSAGE_TIMEOUT_MS}; 0 disables. The timer is `unref()`'d.
   */
  partialMessageTimeoutMs?: number;
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
 * - A request id that is an integer beyond 2^53 passes (the callback gets the line's text with each message, so
 *   the exact digits can be read from it).
 * - `claimLine` (an option) sees each complete line before it is parsed and may take it.
 * - `pause()` stops delivering at the next line, even inside a chunk, and pauses the stream; `resume()` goes on
 *   where it stopped. Bytes already read wait in the reader meanwhile (at most the chunks in flight).
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
  readonly #claimLine: ((line: string) => boolean) | undefined;
  readonly #lines: LineSplitter;
  #callback: LineDataCallback | undefined;
  #closed = false;
  #listening = false;
  readonly #partialMessageTimeoutMs: number;
  #partialTimer: ReturnType<typeof setTimeout> | undefined;
  #lastDataAt = 0;
  /** Lines seen so far; identifies the stalled line in `onPartialMessage`. */
  #messageToken = 0;
  #paused = false;
  /** The stream was paused by this reader (and must be resumed by it). */
  #streamPaused = false;
  /** The stream ended while paused: finished on `resume()`. */
  #endDeferred = false;
  /** The stream closed while lines were held back: reported on `resume()`, after them. */
  #closeDeferred = false;

  constructor(readable: NodeJS.ReadableStream, options: NdjsonReaderOptions = {}) {
    super();
    this.#readable = readable;
    this.#maxMessageBytes = normalizeMaxMessageBytes(options.maxMessageBytes);
    const claimLine = options.claimLine;
    if (claimLine !== undefined && typeof claimLine !== "function") {
      throw new TypeError(`claimLine must be a function, got ${typeof claimLine}`);
    }
    this.#claimLine = claimLine;
    this.#partialMessageTimeoutMs = normalizePartialMessageTimeoutMs(options.partialMessageTimeoutMs);
    this.#lines = new LineSplitter(this.#maxMessageBytes, {
      onLine: (line) => this.#handleLine(line),
      onError: (error) => this.fireError(error),
      isPaused: () => this.#paused,
      isOpen: () => this.#callback !== undefined,
    });
  }

  /** Bytes of the current incomplete line held in memory (never more than `maxMessageBytes`). */
  get bufferedBytes(): number {
    return this.#lines.bufferedBytes;
  }

  /** The configured cap in bytes. */
  get maxMessageBytes(): number {
    return this.#maxMessageBytes;
  }

  /** True while paused by {@link pause}. */
  get isPaused(): boolean {
    return this.#paused;
  }

  /**
   * Stop delivering: no message is delivered after the current one until {@link resume}, and the stream is
   * paused so the peer's writes back up into the pipe. Idempotent.
   */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    // Before listen() the stream is left alone (listen() pauses it): a stream paused by hand would not start
    // flowing when listen() adds its 'data' listener, even after resume().
    if (this.#callback !== undefined) this.#pauseStream();
  }

  #pauseStream(): void {
    this.#streamPaused = true;
    this.#readable.pause();
  }

  /** Deliver what was held back, then read the stream again. Idempotent. */
  resume(): void {
    if (!this.#paused || this.#callback === undefined) {
      this.#paused = false;
      return;
    }
    this.#paused = false;
    // Resumed from inside a delivery (a handler made room): that delivery goes on with the lines held back, and
    // the end, close or stream resume that waited is seen to when it returns.
    if (this.#lines.isDraining) return;
    this.#lines.drain();
    this.#afterDelivery();
  }

  /** After lines were delivered: what waited for them (the stream's end or close, or reading the stream again). */
  #afterDelivery(): void {
    if (this.#paused || this.#lines.isDraining || this.#callback === undefined) return;
    if (this.#endDeferred) this.#onEnd();
    else if (this.#closeDeferred) this.#onClose();
    else if (this.#streamPaused) {
      this.#streamPaused = false;
      this.#readable.resume();
    }
  }

  /** Start reading; `callback` gets each message in order, with its line. Call at most once. */
  listen(callback: LineDataCallback): Disposable {
    if (this.#listening) throw new Error("NdjsonMessageReader.listen() called twice");
    this.#listening = true;
    this.#callback = callback;
    const readable = this.#readable;
    if (this.#paused) this.#pauseStream();
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
    this.#lines.clear();
    this.#clearPartialTimer();
    const readable = this.#readable;
    readable.off("data", this.#onData);
    readable.off("end", this.#onEnd);
    readable.off("close", this.#onClose);
    readable.off("error", this.#onError);
  }

  // A chunk that arrives while one is being consumed (the callback pushed into this very stream, which emits
  // 'data' synchronously) or while paused waits its turn in the splitter: order is kept.
  readonly #onData = (data: Buffer | Uint8Array | string): void => {
    this.#lines.push(toBuffer(data));
    this.#afterDelivery();
    if (this.#partialMessageTimeoutMs > 0) {
      this.#lastDataAt = Date.now();
      if (this.#partialTimer === undefined && this.#lines.hasPartialLine) {
        this.#armPartialTimer(this.#partialMessageTimeoutMs);
      }
    }
  };

  // One timer per period rather than one per chunk: it re-arms itself for the time left since the last byte.
  #armPartialTimer(delayMs: number): void {
    const timer = setTimeout(this.#onPartialTimer, delayMs);
    timer.unref();
    this.#partialTimer = timer;
  }

  readonly #onPartialTimer = (): void => {
    this.#partialTimer = undefined;
    if (this.#closed || this.#callback === undefined || !this.#lines.hasPartialLine) return;
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

  /** Paused, or lines read but not yet delivered. */
  #isHoldingBack(): boolean {
    return this.#paused || this.#lines.isHoldingBack;
  }

  readonly #onEnd = (): void => {
    if (this.#isHoldingBack()) {
      // Lines are still held back: the end is handled once they are delivered.
      this.#endDeferred = true;
      return;
    }
    this.#endDeferred = false;
    try {
      this.#lines.finish();
    } catch (error) {
      this.fireError(error);
    }
    this.#fireCloseOnce();
  };

  readonly #onClose = (): void => {
    if (this.#isHoldingBack()) {
      // Lines already read wait for resume(): the close is reported after them, not before.
      this.#closeDeferred = true;
      return;
    }
    this.#closeDeferred = false;
    try {
      if (!this.#closed) this.#lines.finishOverflow();
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

  #handleLine(line: string): void {
    this.#messageToken += 1;
    let text = line;
    if (text.charCodeAt(0) !== OPEN_BRACE) {
      // Some Windows programs start their output with a byte-order mark, which JSON.parse rejects.
      if (text.charCodeAt(0) === BYTE_ORDER_MARK) text = text.slice(1);
      if (text.trim() === "") return;
    }
    const claimLine = this.#claimLine;
    if (claimLine !== undefined) {
      const content = text.charCodeAt(text.length - 1) === CR ? text.slice(0, -1) : text;
      if (claimLine(content)) return;
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
    const problem = shapeProblem(value);
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
    if (callback !== undefined) callback(value as Message, text);
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
}

/** Streams deliver Buffers, but strings (after `setEncoding`) and plain Uint8Arrays (object mode) are accepted. */
function toBuffer(data: Buffer | Uint8Array | string): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === "string") return Buffer.from(data, "utf8");
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
