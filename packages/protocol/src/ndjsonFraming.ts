import { AbstractMessageReader, AbstractMessageWriter } from "vscode-jsonrpc/node";
import type { DataCallback, Disposable, Message, MessageReader, MessageWriter } from "vscode-jsonrpc/node";

/** Default cap on one message (one line), in bytes: 64 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

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
    /** The offending line's size in bytes. */
    readonly byteLength: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface NdjsonReaderOptions {
  /** Largest accepted line in bytes (default {@link DEFAULT_MAX_MESSAGE_BYTES}). */
  maxMessageBytes?: number;
}

/**
 * Reads newline-delimited JSON-RPC messages from a byte stream (skeleton: implementation pending).
 */
export class NdjsonMessageReader extends AbstractMessageReader implements MessageReader {
  constructor(readable: NodeJS.ReadableStream, options: NdjsonReaderOptions = {}) {
    super();
    void readable;
    void options;
  }

  listen(callback: DataCallback): Disposable {
    void callback;
    throw new Error("not implemented");
  }
}

/** Writes one JSON-RPC message per line (skeleton: implementation pending). */
export class NdjsonMessageWriter extends AbstractMessageWriter implements MessageWriter {
  constructor(writable: NodeJS.WritableStream) {
    super();
    void writable;
  }

  async write(msg: Message): Promise<void> {
    void msg;
    throw new Error("not implemented");
  }

  end(): void {}
}
