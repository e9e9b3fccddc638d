import { AbstractMessageWriter, Emitter } from "vscode-jsonrpc/node";
import type { Event, Message, MessageWriter } from "vscode-jsonrpc/node";

/** A batch is handed to the stream once it holds this many messages, even while more keep coming. */
export const MAX_BATCH_MESSAGES = 64;
/** A batch is handed to the stream once it holds this many bytes (UTF-16 units, close enough): 256 KiB. */
export const MAX_BATCH_CHARS = 256 * 1024;
/**
 * Default high-water mark of a writer (bytes it holds plus bytes the stream holds): past it `needsDrain` is true
 * and producers should stop until `onDrain`. 1 MiB.
 */
export const DEFAULT_WRITE_HIGH_WATER_BYTES = 1024 * 1024;

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

export interface NdjsonWriterOptions {
  /** See {@link DEFAULT_WRITE_HIGH_WATER_BYTES}. A positive integer. */
  highWaterMark?: number;
}

type WriteCallback = (error: Error | undefined) => void;

/**
 * Writes one JSON-RPC message per line to a byte stream: `write(message)` (`JSON.stringify` + `\n`) or
 * `writeLine(json)` for a message the caller serialized itself.
 *
 * - Lines reach the stream in call order. When `stream.write()` returns false, later lines wait in order for
 *   `'drain'`; a `write()` resolves once its bytes were handed to the stream (its write callback).
 * - Flow control: {@link queuedBytes} is what the writer and the stream hold; once it passes the high-water mark
 *   {@link needsDrain} is true until it falls back to the mark or below, when {@link onDrain} fires. The writer
 *   never refuses a line for it: producers look at `needsDrain` and stop reading what they relay.
 * - Coalescing: a line written while the writer is idle goes to the stream at once (no added latency). Lines that
 *   follow it while it is busy (in the same or the following event-loop turns) are joined and handed to the
 *   stream in one `write()` as soon as a turn passes without a new one, or the batch reaches
 *   {@link MAX_BATCH_MESSAGES} messages or {@link MAX_BATCH_CHARS} characters: one write system call and one
 *   wake-up of the reader for a burst of messages instead of one each. The bytes are the same.
 * - A stream failure (EPIPE, a destroyed or ended stream) fires `onError` (`[error, message, count]`) and fails
 *   that write and every later one; the writer always listens for `'error'`, so the stream never emits an
 *   unhandled one. Stream `'close'` fires `onClose` once.
 * - A message `JSON.stringify` cannot serialize is rejected with {@link MessageSerializationError}; nothing is
 *   written, the writer stays usable and `onError` is not fired. A write after {@link end} is rejected too.
 */
export class NdjsonMessageWriter extends AbstractMessageWriter implements MessageWriter {
  readonly #writable: NodeJS.WritableStream & { writableLength?: number };
  readonly #highWaterMark: number;
  /** Lines (with their `\n`) not yet handed to the stream, in call order, and the callback of each. */
  #lines: string[] = [];
  #callbacks: (WriteCallback | undefined)[] = [];
  #queuedChars = 0;
  #waitingForDrain = false;
  #aboveHighWater = false;
  readonly #drainEmitter = new Emitter<void>();
  readonly #needsDrainEmitter = new Emitter<void>();
  /** The turn check of the coalescing window; set while the writer is busy. */
  #turnCheck: ReturnType<typeof setImmediate> | undefined;
  /** A line was queued since the last turn check. */
  #queueGrew = false;
  #failure: Error | undefined;
  #errorCount = 0;
  #ended = false;
  #closed = false;
  #disposed = false;

  constructor(writable: NodeJS.WritableStream, options: NdjsonWriterOptions = {}) {
    super();
    const highWaterMark = options.highWaterMark ?? DEFAULT_WRITE_HIGH_WATER_BYTES;
    if (!Number.isSafeInteger(highWaterMark) || highWaterMark < 1) {
      throw new TypeError(`highWaterMark must be a positive integer, got ${String(highWaterMark)}`);
    }
    this.#highWaterMark = highWaterMark;
    this.#writable = writable;
    writable.on("error", this.#onStreamError);
    writable.on("close", this.#onStreamClose);
    writable.on("drain", this.#onDrain);
  }

  /** Bytes held: lines not yet handed to the stream plus what the stream itself has not flushed. */
  get queuedBytes(): number {
    return this.#queuedChars + (this.#writable.writableLength ?? 0);
  }

  get highWaterMark(): number {
    return this.#highWaterMark;
  }

  /** True from when {@link queuedBytes} passes the high-water mark until {@link onDrain} fires. */
  get needsDrain(): boolean {
    return this.#aboveHighWater;
  }

  /** Fires when {@link needsDrain} becomes true: {@link queuedBytes} passed the high-water mark. */
  get onNeedsDrain(): Event<void> {
    return this.#needsDrainEmitter.event;
  }

  /** Fires when {@link queuedBytes} fell back to the high-water mark after {@link needsDrain} became true. */
  get onDrain(): Event<void> {
    return this.#drainEmitter.event;
  }

  /** False once the writer failed, ended or was disposed: nothing more will be written. */
  get isWritable(): boolean {
    return this.#failure === undefined && !this.#ended && !this.#disposed && !this.#closed;
  }

  write(msg: Message): Promise<void> {
    let json: string;
    try {
      json = JSON.stringify(msg);
      if (typeof json !== "string") throw new TypeError("JSON.stringify returned no text");
    } catch (error) {
      return Promise.reject(
        new MessageSerializationError(
          `cannot serialize message${describe(msg)}: ${(error as Error)?.message ?? String(error)}`,
          { cause: error },
        ),
      );
    }
    const refusal = this.#refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    return new Promise<void>((resolve, reject) =>
      this.#enqueue(json + "\n", (error) => (error === undefined ? resolve() : reject(error))),
    );
  }

  /**
   * Queue one message already serialized as JSON on one line (no `\n` inside; the writer adds the terminator).
   * Returns false, writing nothing, once the writer failed, ended or was disposed; a stream failure after this
   * call is reported through `onError`.
   */
  writeLine(json: string): boolean {
    if (this.#refusal() !== undefined) return false;
    this.#enqueue(json + "\n", undefined);
    // The stream may turn out to be closed or destroyed only now (its own 'error' and 'close' come a tick
    // later): the line was then not written.
    return this.#failure === undefined;
  }

  /** End the stream once every queued line has been written. Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (!this.#waitingForDrain) this.#flushQueue();
  }

  /**
   * Release listeners on the stream. Idempotent; does not end the stream. Lines held back only to be joined are
   * handed to the stream first (as they would have been without coalescing); lines waiting for `'drain'` are
   * dropped and their writes rejected.
   */
  override dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    // Everything held goes to the stream, which buffers what it cannot write yet: an owner that disposes after
    // answering its last requests (stdin ended) loses none of them; it flushes the stream if it must.
    if (this.#failure === undefined && !this.#closed) this.#flushQueue(true);
    this.#closeWindow();
    const writable = this.#writable;
    writable.off("drain", this.#onDrain);
    writable.off("close", this.#onStreamClose);
    // Keep a no-op 'error' listener: a late stream error must never become an uncaught exception.
    writable.off("error", this.#onStreamError);
    writable.on("error", ignoreError);
    this.#rejectQueue(new Error("message writer disposed"));
    this.#drainEmitter.dispose();
    this.#needsDrainEmitter.dispose();
    super.dispose();
  }

  #refusal(): Error | undefined {
    if (this.#failure !== undefined) return this.#failure;
    if (this.#ended || this.#disposed) {
      return new Error(`cannot write: the writer was ${this.#ended ? "ended" : "disposed"}`);
    }
    return undefined;
  }

  #enqueue(line: string, callback: WriteCallback | undefined): void {
    if (this.#waitingForDrain || this.#lines.length > 0 || this.#turnCheck !== undefined) {
      this.#lines.push(line);
      this.#callbacks.push(callback);
      this.#queuedChars += line.length;
      this.#queueGrew = true;
      if (
        !this.#waitingForDrain &&
        (this.#lines.length >= MAX_BATCH_MESSAGES || this.#queuedChars >= MAX_BATCH_CHARS)
      ) {
        this.#flushQueue();
      }
    } else {
      this.#writeNow(line, callback === undefined ? undefined : [callback]);
      this.#openWindow();
    }
    if (!this.#aboveHighWater && this.queuedBytes > this.#highWaterMark) {
      this.#aboveHighWater = true;
      this.#needsDrainEmitter.fire();
    }
  }

  // The window stays open while lines keep coming, one check per event-loop turn; it closes (and the batch goes
  // out) on the first turn without a new line. A line written to an idle writer never waits.
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
    if (this.#lines.length === 0 || this.#waitingForDrain) return;
    if (this.#queueGrew) {
      // More may follow in the next turn: keep collecting.
      this.#openWindow();
      return;
    }
    this.#flushQueue();
  };

  /** Hand every queued line to the stream, in batches, until it needs a drain (`force`: all of them). */
  #flushQueue(force = false): void {
    while ((force || !this.#waitingForDrain) && this.#lines.length > 0) {
      const lines = this.#lines;
      const callbacks = this.#callbacks;
      let count = 0;
      let chars = 0;
      while (count < lines.length && count < MAX_BATCH_MESSAGES && (count === 0 || chars < MAX_BATCH_CHARS)) {
        chars += lines[count]!.length;
        count += 1;
      }
      const all = count === lines.length;
      const batch = all ? lines : lines.slice(0, count);
      const batchCallbacks = all ? callbacks : callbacks.slice(0, count);
      this.#lines = all ? [] : lines.slice(count);
      this.#callbacks = all ? [] : callbacks.slice(count);
      this.#queuedChars -= chars;
      const waiting = batchCallbacks.filter((callback) => callback !== undefined);
      this.#writeNow(
        batch.length === 1 ? batch[0]! : batch.join(""),
        waiting.length > 0 ? waiting : undefined,
      );
    }
    if (this.#lines.length === 0) this.#queuedChars = 0;
    if (this.#ended && !this.#waitingForDrain && this.#lines.length === 0) this.#endStream();
    this.#checkDrained();
  }

  #writeNow(data: string, callbacks: WriteCallback[] | undefined): void {
    if (this.#failure !== undefined) {
      if (callbacks !== undefined) for (const callback of callbacks) callback(this.#failure);
      return;
    }
    const writable = this.#writable as NodeJS.WritableStream & {
      destroyed?: boolean;
      writableEnded?: boolean;
    };
    if (writable.destroyed === true || writable.writableEnded === true || this.#closed) {
      this.#fail(new Error("cannot write: the stream is closed"));
      if (callbacks !== undefined) for (const callback of callbacks) callback(this.#failure);
      return;
    }
    // Past the mark, the stream's completion of this write may be what brings the writer back under it: a stream
    // whose own high-water mark is higher emits no 'drain' for it, so the write callback checks.
    const watch = this.queuedBytes + data.length > this.#highWaterMark;
    let ok: boolean;
    try {
      if (callbacks !== undefined) {
        ok = writable.write(data, (error?: Error | null) => {
          if (error) this.#fail(error);
          for (const callback of callbacks) callback(error ?? undefined);
          if (watch && !error) this.#checkDrained();
        });
      } else {
        ok = watch ? writable.write(data, this.#onWatchedWrite) : writable.write(data);
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.#fail(failure);
      if (callbacks !== undefined) for (const callback of callbacks) callback(failure);
      return;
    }
    if (!ok) this.#waitingForDrain = true;
  }

  readonly #onWatchedWrite = (error?: Error | null): void => {
    if (error) this.#fail(error);
    else this.#checkDrained();
  };

  readonly #onDrain = (): void => {
    this.#waitingForDrain = false;
    this.#flushQueue();
  };

  #checkDrained(): void {
    if (!this.#aboveHighWater || this.queuedBytes > this.#highWaterMark) return;
    this.#aboveHighWater = false;
    this.#drainEmitter.fire();
  }

  #endStream(): void {
    if (this.#failure !== undefined) return;
    this.#closeWindow();
    try {
      this.#writable.end();
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  readonly #onStreamError = (error: Error): void => {
    this.#fail(error);
  };

  readonly #onStreamClose = (): void => {
    this.#closed = true;
    this.#closeWindow();
    // No 'drain' will come any more: later writes must reach #writeNow and be rejected, not wait forever.
    this.#waitingForDrain = false;
    if (this.#lines.length > 0) this.#fail(new Error("the stream closed with messages still queued"));
    this.fireClose();
  };

  #fail(error: Error): void {
    if (this.#failure === undefined) {
      this.#failure = error;
      this.#errorCount += 1;
      this.fireError(error, undefined, this.#errorCount);
    }
    this.#waitingForDrain = false;
    this.#closeWindow();
    this.#rejectQueue(this.#failure);
  }

  #rejectQueue(error: Error): void {
    const callbacks = this.#callbacks;
    this.#lines = [];
    this.#callbacks = [];
    this.#queuedChars = 0;
    for (const callback of callbacks) callback?.(error);
  }
}

function ignoreError(): void {}

function describe(msg: Message): string {
  const record = msg as unknown as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof record.method === "string") parts.push(`method ${record.method}`);
  if (typeof record.id === "string" || typeof record.id === "number") parts.push(`id ${String(record.id)}`);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}
