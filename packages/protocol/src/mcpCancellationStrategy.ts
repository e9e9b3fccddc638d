import { CancellationTokenSource } from "vscode-jsonrpc/node";
import type {
  CancellationId,
  CancellationSenderStrategy,
  CancellationStrategy,
  CancellationToken,
  RequestCancellationReceiverStrategy,
  RequestMessage,
} from "vscode-jsonrpc/node";
import type { InboundRequest, InboundRequests } from "./inboundRequests.js";
import type { RequestId } from "./mcpConnection.js";

/** What the connection learns about an outgoing request while the library builds it. */
export interface PreparedRequest {
  /** The params to put on the request message exactly (omitted when undefined). */
  readonly params: unknown;
  /** The id the library gave the request; set synchronously inside its `sendRequest`. */
  id: RequestId | undefined;
}

/**
 * vscode-jsonrpc's cancellation made MCP's (`cancellationStrategy` option of `createMessageConnection`).
 *
 * Sender: cancelling an outgoing request's token sends `notifications/cancelled {requestId, reason}` (never
 * LSP's `$/cancelRequest`). Its `enableCancellation` hook, which the library calls synchronously with the
 * request message just before writing it, is also where the connection learns the request id and sets the
 * params exactly as given: the library itself would send `[null]` for `undefined` and wrap arrays and scalars.
 *
 * Receiver (`kind: "request"`): the token source of an incoming request is tied to its
 * {@link InboundRequest}, whose `AbortSignal` the connection aborts when the peer cancels; {@link entryOf}
 * lets the star request handler find the request it serves (the library does not pass it the id).
 */
export class McpCancellationStrategy implements CancellationStrategy {
  readonly receiver: RequestCancellationReceiverStrategy;
  readonly sender: CancellationSenderStrategy;
  readonly #entries = new WeakMap<CancellationToken, InboundRequest>();
  readonly #reasons = new Map<CancellationId, string>();
  #prepared: PreparedRequest | undefined;

  constructor(
    inbound: InboundRequests,
    sendCancelled: (requestId: CancellationId, reason: string | undefined) => Promise<void>,
  ) {
    this.receiver = {
      kind: "request",
      createCancellationTokenSource: (request: RequestMessage) => {
        const source = new CancellationTokenSource();
        const entry = inbound.get(request.id);
        if (entry !== undefined) {
          this.#entries.set(source.token, entry);
          entry.tokenSource = source;
          if (entry.controller.signal.aborted) source.cancel();
        }
        return source;
      },
    };
    this.sender = {
      enableCancellation: (request: RequestMessage) => {
        const prepared = this.#prepared;
        this.#prepared = undefined;
        if (prepared === undefined) return;
        prepared.id = request.id ?? undefined;
        if (prepared.params === undefined) delete request.params;
        else request.params = prepared.params as RequestMessage["params"];
      },
      sendCancellation: (_connection, id) => sendCancelled(id, this.#reasons.get(id)),
      cleanup: (id) => {
        this.#reasons.delete(id);
      },
    };
  }

  /** Call right before the library's `sendRequest` (with no params): the next request gets `params`. */
  prepareRequest(params: unknown): PreparedRequest {
    const prepared: PreparedRequest = { params, id: undefined };
    this.#prepared = prepared;
    return prepared;
  }

  /** Forget a preparation the library did not consume (its `sendRequest` threw). */
  discardPrepared(): void {
    this.#prepared = undefined;
  }

  /**
   * Cancel outgoing request `id` through its token `source`: the library calls the sender, which writes
   * `notifications/cancelled` with `reason` (nothing when the library has already settled the request).
   */
  cancelOutgoing(id: CancellationId, source: CancellationTokenSource, reason: string): void {
    this.#reasons.set(id, reason);
    try {
      source.cancel();
    } finally {
      // The library calls the sender synchronously from cancel(): the reason is no longer needed.
      this.#reasons.delete(id);
    }
  }

  /** The incoming request a handler's cancellation token belongs to. */
  entryOf(token: CancellationToken): InboundRequest | undefined {
    return this.#entries.get(token);
  }
}
