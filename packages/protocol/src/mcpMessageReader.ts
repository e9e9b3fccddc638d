import type { DataCallback, Disposable, Message, MessageReader } from "vscode-jsonrpc/node";
import { toPublicErrorCode } from "./errors.js";
import type { InboundRequests } from "./inboundRequests.js";
import { McpMethod } from "./mcpTypes.js";

/**
 * Notification methods vscode-jsonrpc handles itself (LSP's `$/cancelRequest`, `$/progress`, `$/logTrace`).
 * In MCP they are ordinary methods, so they travel through vscode-jsonrpc under an alias and reach the
 * connection's handlers under their own name.
 */
const LIBRARY_NOTIFICATION_METHODS: ReadonlySet<string> = new Set([
  "$/cancelRequest",
  "$/progress",
  "$/logTrace",
]);
const ALIAS_PREFIX = "\u0000mcpware-notification:";

/** The method name vscode-jsonrpc saw for a notification, back to what the peer sent. */
export function unaliasNotificationMethod(method: string): string {
  return method.startsWith(ALIAS_PREFIX) ? method.slice(ALIAS_PREFIX.length) : method;
}

export interface McpMessageReaderHooks {
  readonly inbound: InboundRequests;
  /** A `notifications/cancelled` arrived (consumed here: vscode-jsonrpc never sees it). */
  onCancelled(params: unknown): void;
}

/**
 * The reader vscode-jsonrpc listens to: it sits on the framing reader and adapts MCP to the library.
 *
 * - Every incoming request gets a connection-unique internal id ({@link InboundRequests}); the writer puts the
 *   peer's id back on the response. Duplicate or huge peer ids therefore never collide inside the library,
 *   and the request's `AbortSignal` exists before the library queues the request.
 * - `notifications/cancelled` is handled at once (the request may still be queued) and not passed on.
 * - Error objects of incoming responses get a public integer code (the library would turn a non-number
 *   into -32001, and its private codes must not reach a caller).
 * - {@link inject} feeds a message to the library as if read (used to settle requests cancelled locally).
 */
export class McpMessageReader implements MessageReader {
  readonly #inner: MessageReader;
  readonly #hooks: McpMessageReaderHooks;
  #callback: DataCallback | undefined;

  constructor(inner: MessageReader, hooks: McpMessageReaderHooks) {
    this.#inner = inner;
    this.#hooks = hooks;
  }

  get onError(): MessageReader["onError"] {
    return this.#inner.onError;
  }

  get onClose(): MessageReader["onClose"] {
    return this.#inner.onClose;
  }

  get onPartialMessage(): MessageReader["onPartialMessage"] {
    return this.#inner.onPartialMessage;
  }

  listen(callback: DataCallback): Disposable {
    this.#callback = callback;
    const listening = this.#inner.listen((message) => this.#route(message));
    return {
      dispose: () => {
        this.#callback = undefined;
        listening.dispose();
      },
    };
  }

  /** Hand `message` to the library as if it had been read. No-op when not listening. */
  inject(message: Message): void {
    this.#callback?.(message);
  }

  dispose(): void {
    this.#callback = undefined;
    this.#inner.dispose();
  }

  #route(message: Message): void {
    const callback = this.#callback;
    if (callback === undefined) return;
    // The framing reader delivers only valid JSON-RPC 2.0 objects (see NdjsonMessageReader).
    const record = message as unknown as Record<string, unknown>;
    const method = record.method;
    if (typeof method === "string") {
      if (record.id !== undefined) {
        const entry = this.#hooks.inbound.add(record.id as string | number, method);
        callback({ ...record, id: entry.internalId } as unknown as Message);
        return;
      }
      if (method === McpMethod.Cancelled) {
        this.#hooks.onCancelled(record.params);
        return;
      }
      if (LIBRARY_NOTIFICATION_METHODS.has(method)) {
        callback({ ...record, method: ALIAS_PREFIX + method } as unknown as Message);
        return;
      }
      callback(message);
      return;
    }
    const error = record.error;
    if (error !== undefined) {
      callback({ ...record, error: publicErrorObject(error) } as unknown as Message);
      return;
    }
    callback(message);
  }
}

function publicErrorObject(error: unknown): Record<string, unknown> {
  const object = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
  const code = toPublicErrorCode(object.code);
  const message = typeof object.message === "string" ? object.message : "";
  return object.data === undefined ? { code, message } : { code, message, data: object.data };
}
