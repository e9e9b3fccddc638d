import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/**
 * The `result` of every reply a connected client's transport receives, exactly as the server sent it (before
 * the SDK parses it, which drops fields its schemas do not know). Attach after `client.connect()`.
 */
export class RawReplies {
  private readonly results: unknown[] = [];

  private constructor() {}

  /** Wraps the transport's `onmessage` (set by the client on connect) so every reply is kept. */
  static attach(transport: Transport): RawReplies {
    const replies = new RawReplies();
    const parse = transport.onmessage;
    transport.onmessage = (message: JSONRPCMessage, extra) => {
      if ("result" in message) replies.results.push(message.result);
      parse?.(message, extra);
    };
    return replies;
  }

  /**
   * Runs one request (requests must not overlap) and returns the raw `result` of the reply that arrived during
   * it, with what the SDK returned.
   */
  async of<T>(request: () => Promise<T>): Promise<{ raw: Record<string, unknown>; parsed: T }> {
    const before = this.results.length;
    const parsed = await request();
    const raw = this.results.slice(before).at(-1);
    if (raw === null || typeof raw !== "object") throw new Error("no raw reply was seen for the request");
    return { raw: raw as Record<string, unknown>, parsed };
  }
}
