import type { Message, MessageWriter } from "vscode-jsonrpc/node";
import { toPublicErrorCode } from "./errors.js";
import type { InboundRequests } from "./inboundRequests.js";
import type { LargeIdTable } from "./largeIdTable.js";
import { MessageSerializationError } from "./ndjsonFraming.js";

/**
 * The writer vscode-jsonrpc writes to: it sits on the framing writer and adapts the library to MCP.
 *
 * - A response carries the library's internal id: the peer's id is put back ({@link InboundRequests}).
 * - The response of a request the peer cancelled, or of any request once the connection is closed, is
 *   dropped (MCP: "receivers … SHOULD NOT send a response for the cancelled request"); its large-id
 *   placeholder is released.
 * - Error codes private to vscode-jsonrpc (-32096…-32099, -32800) never reach the peer: they become -32603.
 * - Requests and notifications pass through unchanged, in call order.
 */
export class McpMessageWriter implements MessageWriter {
  readonly #inner: MessageWriter;
  readonly #inbound: InboundRequests;
  readonly #largeIds: LargeIdTable;
  #isClosed = false;

  constructor(inner: MessageWriter, inbound: InboundRequests, largeIds: LargeIdTable) {
    this.#inner = inner;
    this.#inbound = inbound;
    this.#largeIds = largeIds;
  }

  get onError(): MessageWriter["onError"] {
    return this.#inner.onError;
  }

  get onClose(): MessageWriter["onClose"] {
    return this.#inner.onClose;
  }

  /** From now on responses are dropped. */
  close(): void {
    this.#isClosed = true;
  }

  write(msg: Message): Promise<void> {
    const record = msg as unknown as Record<string, unknown>;
    if (typeof record.method !== "string" && record.id !== undefined) return this.#writeResponse(record);
    return this.#inner.write(msg);
  }

  /** Write a message of the connection's own as is (an error reply to a bad line carries the peer's id). */
  writeDirect(msg: Message): Promise<void> {
    return this.#inner.write(msg);
  }

  #writeResponse(record: Record<string, unknown>): Promise<void> {
    const entry = this.#inbound.get(record.id);
    // Responses only ever answer requests routed through McpMessageReader, which carry internal ids.
    if (entry === undefined) return Promise.resolve();
    if (entry.cancelled || this.#isClosed) {
      this.#inbound.delete(entry);
      this.#largeIds.release(entry.id);
      return Promise.resolve();
    }
    const response: Record<string, unknown> = { jsonrpc: "2.0", id: entry.id };
    if (record.error !== undefined) response.error = publicError(record.error);
    else response.result = record.result;
    return this.#inner.write(response as unknown as Message).then(
      () => this.#inbound.delete(entry),
      (error: unknown) => {
        // vscode-jsonrpc answers an unserializable result with a -32603 error for the same request: keep the
        // entry for that second write.
        if (!(error instanceof MessageSerializationError)) this.#inbound.delete(entry);
        throw error;
      },
    );
  }

  end(): void {
    this.#inner.end();
  }

  dispose(): void {
    this.#inner.dispose();
  }
}

function publicError(error: unknown): unknown {
  if (typeof error !== "object" || error === null) return error;
  const object = error as Record<string, unknown>;
  const code = toPublicErrorCode(object.code);
  return code === object.code ? error : { ...object, code };
}
