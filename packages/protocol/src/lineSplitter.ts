import { FramingError } from "./framingError.js";
import { findOversizeLineId, firstBytes, lastBytes } from "./oversizeLine.js";
import type { Overflow } from "./oversizeLine.js";

const LF = 0x0a;
const CR = 0x0d;
const EXCERPT_CHARS = 200;
const EMPTY = Buffer.alloc(0);
/** Bytes decoded from an over-cap line for its excerpt (enough for 200 characters of any UTF-8). */
const EXCERPT_BYTES = EXCERPT_CHARS * 4;
/** Bytes kept from the end of an over-cap line, to find an `id` written last. */
const TAIL_BYTES = 256;
const CR_BUFFER = Buffer.from([CR]);

/** What a {@link LineSplitter} reports to, and asks of, its reader. */
export interface LineSplitterHooks {
  /** One complete line (a trailing `\r` may remain); may throw (reported through `onError`). */
  onLine(line: string): void;
  /** A {@link FramingError} (ERR_FRAME_TOO_LARGE), or what `onLine` threw. */
  onError(error: unknown): void;
  /** Stop at the next line: the rest waits for {@link LineSplitter.drain}. */
  isPaused(): boolean;
  /** False once the reader was disposed: nothing more is delivered. */
  isOpen(): boolean;
}

/**
 * Cuts a byte stream into lines for the NDJSON reader, in linear time: chunks are kept in a list, only new bytes
 * are scanned for `\n`, a line that spans chunks is concatenated once when complete, and UTF-8 is decoded on
 * complete lines only (a whole region of complete lines at once). A line longer than `maxMessageBytes` is dropped
 * while it arrives (only its first 800 and last 257 bytes are kept) and reported once as ERR_FRAME_TOO_LARGE
 * when it ends. When the reader pauses, the lines not yet delivered wait here (as text, or as the chunks they
 * came in) until {@link drain}; order is kept, re-entrant pushes included.
 */
export class LineSplitter {
  readonly #maxMessageBytes: number;
  readonly #hooks: LineSplitterHooks;
  /** Pieces of the current, incomplete line. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Inside an over-cap line: its bytes are dropped until the next `\n`. */
  #overflow: Overflow | undefined;
  /** A '\r' that arrived exactly at the cap, held back in case '\n' follows. */
  #pendingCarriageReturn = false;
  /** Chunks not consumed yet: they arrived while one was being consumed, or while paused. */
  #queue: Buffer[] = [];
  /** Complete lines (joined by `\n`) that were read but not delivered when the pause took effect. */
  #deferred: string | undefined;
  #consuming = false;

  constructor(maxMessageBytes: number, hooks: LineSplitterHooks) {
    this.#maxMessageBytes = maxMessageBytes;
    this.#hooks = hooks;
  }

  /** Bytes of the current incomplete line held in memory (never more than `maxMessageBytes`). */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  /** Part of a line has arrived and its end has not. */
  get hasPartialLine(): boolean {
    return this.#pendingBytes > 0 || this.#pendingCarriageReturn || this.#overflow !== undefined;
  }

  /** True while lines are being delivered (a callback running now is inside {@link drain}). */
  get isDraining(): boolean {
    return this.#consuming;
  }

  /** Lines or chunks read but not delivered yet (held by a pause). */
  get isHoldingBack(): boolean {
    return this.#deferred !== undefined || this.#queue.length > 0;
  }

  /** Add a chunk and deliver what it completes, unless paused or already delivering (then it waits its turn). */
  push(chunk: Buffer): void {
    this.#queue.push(chunk);
    if (!this.#consuming && !this.#hooks.isPaused()) this.drain();
  }

  /** Deliver what waits (the lines held by a pause first), until paused again or done. */
  drain(): void {
    if (this.#consuming) return;
    this.#consuming = true;
    try {
      const deferred = this.#deferred;
      this.#deferred = undefined;
      if (deferred !== undefined) this.#handleRegion(deferred);
      while (!this.#hooks.isPaused() && this.#deferred === undefined && this.#queue.length > 0) {
        this.#consume(this.#queue.shift()!);
      }
    } catch (error) {
      // Defensive: lines are reported one by one; anything else must still not escape a stream handler.
      this.#hooks.onError(error);
    } finally {
      this.#consuming = false;
    }
  }

  /** The stream ended: bytes after the last `\n` are a final line (or the end of an over-cap one). */
  finish(): void {
    if (this.#overflow !== undefined) this.#finishOverflow();
    else if (this.#pendingBytes > 0 || this.#pendingCarriageReturn) this.#completeLine(EMPTY);
    this.#resetPending();
  }

  /** The stream closed without ending: an over-cap line in progress is reported. */
  finishOverflow(): void {
    if (this.#overflow !== undefined) this.#finishOverflow();
  }

  /** Forget everything held. */
  clear(): void {
    this.#queue = [];
    this.#deferred = undefined;
    this.#resetPending();
    this.#overflow = undefined;
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
      } else if (!this.#handleLinesOneByOne(chunk, start, last)) {
        return;
      }
      start = last + 1;
    }
    if (start < length && this.#hooks.isOpen()) this.#appendPending(chunk.subarray(start));
  }

  /**
   * Complete lines between `start` and the `\n` at `last`, checked against the cap one by one. False when it
   * stopped early: paused (the rest of the chunk goes back to the front of the backlog) or disposed.
   */
  #handleLinesOneByOne(chunk: Buffer, start: number, last: number): boolean {
    while (start <= last) {
      if (!this.#hooks.isOpen()) return false;
      if (this.#hooks.isPaused()) {
        this.#queue.unshift(chunk.subarray(start));
        return false;
      }
      const newline = chunk.indexOf(LF, start);
      const line = chunk.subarray(start, newline);
      if (this.#contentLength(line) > this.#maxMessageBytes) this.#reportTooLarge(line, line, line.length);
      else this.#handleLinePieces([line], line.length);
      start = newline + 1;
    }
    return true;
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
          if (this.#hooks.isPaused()) {
            this.#deferred = start === 0 ? text : text.slice(start);
            return;
          }
          let newline = text.indexOf("\n", start);
          if (newline < 0) newline = end;
          const line = start === 0 && newline === end ? text : text.slice(start, newline);
          start = newline + 1;
          this.#hooks.onLine(line);
          if (!this.#hooks.isOpen()) return; // disposed by the callback
        }
      } catch (error) {
        this.#hooks.onError(error);
        if (!this.#hooks.isOpen()) return;
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
    const requestId = findOversizeLineId(headText, end.subarray(-TAIL_BYTES).toString("utf8"));
    this.#hooks.onError(
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
      this.#hooks.onLine(text);
    } catch (error) {
      this.#hooks.onError(error);
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
}
