import type { Disposable } from "./mcpConnectionTypes.js";
import type { OutgoingRequest, OutgoingRequests } from "./outgoingRequests.js";
import { RequestError, RequestErrorCode } from "./requestError.js";

/**
 * The deadlines of the requests that were pending when it was made, held until it is disposed: what a relay
 * needs while the peer waits on something slow of ours (a person answering the client). Their `maxTotalMs`
 * still runs. Made by `McpConnection.suspendDeadlines()`.
 *
 * `abandoned` aborts once every covered request has failed on this side (timed out, aborted, the connection
 * closed) without one of them being answered: whatever the peer was waiting for can no longer serve any of them.
 */
export class DeadlineSuspension implements Disposable {
  readonly #table: OutgoingRequests;
  readonly #requests = new Set<OutgoingRequest>();
  readonly #abandoned = new AbortController();
  #anyReplied = false;
  #disposed = false;

  constructor(table: OutgoingRequests) {
    this.#table = table;
    for (const request of table.pending()) {
      this.#requests.add(request);
      table.suspend(request, this);
    }
  }

  /** How many of the requests it covers are still pending. */
  get size(): number {
    return this.#requests.size;
  }

  /** Aborted (a `RequestError` ERR_REQUEST_ABORTED) once every covered request failed unanswered. */
  get abandoned(): AbortSignal {
    return this.#abandoned.signal;
  }

  /** Called by the table as a covered request settles. */
  settled(request: OutgoingRequest, replied: boolean): void {
    if (!this.#requests.delete(request)) return;
    if (replied) this.#anyReplied = true;
    if (this.#requests.size > 0 || this.#anyReplied || this.#disposed) return;
    this.#abandoned.abort(
      new RequestError(
        RequestErrorCode.Aborted,
        `every request it may serve ended without a reply (the last: ${request.method})`,
        { method: request.method },
      ),
    );
  }

  /** Let the deadlines run again (each with the time it had left). Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const request of this.#requests) this.#table.release(request, this);
    this.#requests.clear();
  }
}
