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
