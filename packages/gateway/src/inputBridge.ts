import { randomUUID } from "node:crypto";
import type {
  CancelSignal,
  IncomingRequestContext,
  McpConnection,
  ProgressNotificationParams,
  ProgressToken,
} from "@mcpware/protocol";
import { ErrorCode, McpMethod, ProtocolError, RawJson, ResultType, isObject } from "@mcpware/protocol";
import type { Logger } from "./logger.js";
import type { RequestStateCodec } from "./requestState.js";
import { requestDigest } from "./requestState.js";

/** What a bridged call's runner is given: the call's own signal, where its progress goes, who it calls. */
export interface BridgedRun {
  readonly signal: CancelSignal;
  readonly sendProgress: (progress: ProgressNotificationParams) => void;
  /** Called with the backend's name just before the backend is called. */
  readonly onForward: (backend: string) => void;
  /** A retry of a 2026-07-28 backend's own `input_required`: the client's answers and the backend's state. */
  readonly extraParams: Record<string, unknown> | undefined;
}

/** A backend's request waiting for the modern client's answer, which comes with the retry. */
interface ParkedRequest {
  readonly key: string;
  readonly method: string;
  readonly params: unknown;
  readonly answer: (result: unknown) => void;
  readonly fail: (error: Error) => void;
}

/** The client request waiting on a call now: answered with the call's result or an `input_required`. */
interface Waiter {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly progressToken: ProgressToken | undefined;
  readonly release: () => void;
}

/** One `tools/call` of a modern client whose backend may ask the client something while it runs. */
class BridgedCall {
  readonly id = randomUUID();
  readonly controller = new AbortController();
  backend: string | undefined;
  waiter: Waiter | undefined;
  /** Requests not yet put to the client; `asked`: those in the last `input_required`. */
  readonly pending: ParkedRequest[] = [];
  readonly asked = new Map<string, ParkedRequest>();
  outcome: { value: unknown } | { error: unknown } | undefined;
  timer: NodeJS.Timeout | undefined;
  flushing = false;
  sequence = 0;
  /** The nonce of the state of the latest `input_required`: only that state resumes the call. */
  stateNonce: string | undefined;

  constructor(
    readonly connection: McpConnection,
    readonly digest: string,
  ) {}
}

/** The spec names no code for a bad state; -32602 with this reason is what the official SDK answers. */
function invalidState(): ProtocolError {
  return new ProtocolError(ErrorCode.InvalidParams, "Invalid or expired requestState", {
    reason: "invalid_request_state",
  });
}

/**
 * The bridge between a modern (2026-07-28) client, which takes no requests, and legacy backends, which send
 * them: a backend's `elicitation/create`, `sampling/createMessage` or `roots/list` during a modern client's
 * `tools/call` is parked, and the client's request is answered with an `input_required` result naming it, whose
 * `requestState` (signed, expiring: see {@link RequestStateCodec}) names the call. The backend's call stays open;
 * the client's retry with `inputResponses` answers the parked requests and waits on the call again, until its
 * result. No retry within the codec's TTL cancels the backend's call.
 */
export class InputBridge {
  readonly #calls = new Map<string, BridgedCall>();
  readonly #clientIds = new WeakMap<McpConnection, string>();
  /** Nonces of the states used, until they expire: each state opens once. */
  readonly #used = new Map<string, number>();

  constructor(
    readonly codec: RequestStateCodec,
    private readonly logger: Logger,
  ) {}

  /**
   * Serves one modern `tools/call`: a first call runs `run`; a retry (with `requestState`) resumes its call.
   *
   * @throws ProtocolError -32602 for an unknown, forged or expired `requestState`, or one of another request.
   */
  call(
    connection: McpConnection,
    params: Record<string, unknown>,
    request: IncomingRequestContext,
    run: (bridged: BridgedRun) => Promise<unknown>,
  ): Promise<unknown> {
    const digest = requestDigest(McpMethod.ToolsCall, params.name, params.arguments);
    const state = params.requestState;
    if (state === undefined) return this.#start(connection, digest, params, request, run, undefined);
    const payload = this.codec.open(state);
    if (
      payload === undefined ||
      payload.digest !== digest ||
      payload.client !== this.#clientId(connection) ||
      !this.#burn(payload.nonce, payload.expires)
    ) {
      throw invalidState();
    }
    if (payload.backend !== undefined) {
      // The backend asked itself: it gets the client's answers and its own state back, in a new call.
      const extra: Record<string, unknown> = { inputResponses: params.inputResponses ?? {} };
      if (payload.backend.state !== undefined) extra.requestState = payload.backend.state;
      return this.#start(connection, digest, params, request, run, extra);
    }
    const call = this.#calls.get(payload.call);
    // Only the state of the call's latest round opens it.
    if (call === undefined || call.connection !== connection || call.stateNonce !== payload.nonce) {
      throw invalidState();
    }
    return this.#resume(call, params.inputResponses, request, progressTokenOf(params));
  }

  /** A random id per client connection, bound into its states. */
  #clientId(connection: McpConnection): string {
    let id = this.#clientIds.get(connection);
    if (id === undefined) this.#clientIds.set(connection, (id = randomUUID()));
    return id;
  }

  /** Marks a state's nonce used; false when it already was (a replay). Expired nonces are dropped. */
  #burn(nonce: string, expires: number): boolean {
    const now = Date.now();
    for (const [used, until] of this.#used) if (until <= now) this.#used.delete(used);
    if (this.#used.has(nonce)) return false;
    this.#used.set(nonce, expires);
    return true;
  }

  #start(
    connection: McpConnection,
    digest: string,
    params: Record<string, unknown>,
    request: IncomingRequestContext,
    run: (bridged: BridgedRun) => Promise<unknown>,
    extraParams: Record<string, unknown> | undefined,
  ): Promise<unknown> {
    const call = new BridgedCall(connection, digest);
    this.#calls.set(call.id, call);
    const waiting = this.#wait(call, request, progressTokenOf(params));
    // A runner that throws at once (an unknown tool) settles the call like one that rejects.
    Promise.resolve()
      .then(() =>
        run({
          signal: call.controller.signal,
          sendProgress: (progress) => {
            const token = call.waiter?.progressToken;
            if (token === undefined) return;
            connection
              .sendNotification(McpMethod.Progress, { ...progress, progressToken: token })
              .catch(() => {});
          },
          onForward: (backend) => (call.backend = backend),
          extraParams,
        }),
      )
      .then(
        (value) => this.#settle(call, { value: this.#ownState(value, digest, connection) }),
        (error: unknown) => this.#settle(call, { error }),
      );
    return waiting;
  }

  /**
   * A 2026-07-28 backend's `input_required` result goes to the client as it is, but with mcpware's state in
   * place of the backend's (which it carries): the retry must come back here to find its way to the backend.
   */
  #ownState(value: unknown, digest: string, connection: McpConnection): unknown {
    let result = value;
    if (value instanceof RawJson) {
      if (!value.text.includes(`"${ResultType.InputRequired}"`)) return value;
      result = value.value;
    }
    if (!isObject(result) || result.resultType !== ResultType.InputRequired) return value;
    const backendState = typeof result.requestState === "string" ? { state: result.requestState } : {};
    return {
      ...result,
      requestState: this.codec.mint({
        call: "",
        client: this.#clientId(connection),
        digest,
        backend: backendState,
      }).state,
    };
  }

  /**
   * A backend's request to the client of `connection`: parked on that client's call to the backend (the oldest
   * one in flight), and answered once the client retries with its response.
   *
   * @throws ProtocolError -32601 when no call of that client to that backend is in flight.
   */
  ask(
    connection: McpConnection,
    backend: string,
    method: string,
    params: unknown,
    signal: AbortSignal,
  ): Promise<unknown> {
    const call = [...this.#calls.values()].find(
      (candidate) =>
        candidate.connection === connection &&
        candidate.backend === backend &&
        candidate.outcome === undefined,
    );
    if (call === undefined) {
      throw new ProtocolError(
        ErrorCode.MethodNotFound,
        `the client speaks MCP 2026-07-28 and takes ${method} only as the input of a tool call; no call of ` +
          `backend "${backend}" is in flight`,
      );
    }
    return new Promise((resolve, reject) => {
      call.sequence += 1;
      const parked: ParkedRequest = {
        key: `${method.replace(/\W+/g, "-")}-${call.sequence}`,
        method,
        params,
        answer: resolve,
        fail: reject,
      };
      const onAbort = (): void => {
        const at = call.pending.indexOf(parked);
        if (at >= 0) call.pending.splice(at, 1);
        call.asked.delete(parked.key);
        reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      call.pending.push(parked);
      this.#scheduleFlush(call);
    });
  }

  /** Ends every call of a client that went away: their backends' calls are cancelled. */
  forget(connection: McpConnection): void {
    for (const call of this.#calls.values()) {
      if (call.connection === connection) this.#cancel(call, new Error("the client disconnected"));
    }
  }

  #wait(call: BridgedCall, request: IncomingRequestContext, progressToken: ProgressToken | undefined) {
    return new Promise<unknown>((resolve, reject) => {
      // The client cancelling the request it waits with cancels the call.
      const onCancel = (): void => call.controller.abort(request.cancellation.reason);
      request.cancellation.addEventListener("abort", onCancel, { once: true });
      call.waiter = {
        resolve,
        reject,
        progressToken,
        release: () => request.cancellation.removeEventListener("abort", onCancel),
      };
      if (call.outcome !== undefined) this.#settle(call, call.outcome);
    });
  }

  #resume(
    call: BridgedCall,
    responses: unknown,
    request: IncomingRequestContext,
    progressToken: ProgressToken | undefined,
  ): Promise<unknown> {
    clearTimeout(call.timer);
    call.timer = undefined;
    if (call.waiter !== undefined) throw invalidState();
    const answers = isObject(responses) ? responses : {};
    for (const [key, parked] of [...call.asked]) {
      call.asked.delete(key);
      if (answers[key] === undefined) call.pending.unshift(parked);
      else parked.answer(answers[key]);
    }
    const waiting = this.#wait(call, request, progressToken);
    if (call.pending.length > 0) this.#scheduleFlush(call);
    return waiting;
  }

  /** Puts what the backend asked to the waiting client, once the requests sent together have all arrived. */
  #scheduleFlush(call: BridgedCall): void {
    if (call.flushing) return;
    call.flushing = true;
    setImmediate(() => {
      call.flushing = false;
      const waiter = call.waiter;
      if (waiter === undefined || call.pending.length === 0 || call.outcome !== undefined) return;
      const inputRequests: Record<string, unknown> = {};
      for (const parked of call.pending.splice(0)) {
        call.asked.set(parked.key, parked);
        inputRequests[parked.key] =
          parked.params === undefined
            ? { method: parked.method }
            : { method: parked.method, params: parked.params };
      }
      const minted = this.codec.mint({
        call: call.id,
        client: this.#clientId(call.connection),
        digest: call.digest,
      });
      call.stateNonce = minted.nonce;
      call.waiter = undefined;
      waiter.release();
      call.timer = setTimeout(
        () => this.#cancel(call, new Error("the client did not retry within the input TTL")),
        this.codec.ttlMs,
      );
      call.timer.unref();
      this.logger.debug(`asking the client for ${Object.keys(inputRequests).join(", ")} (input_required)`);
      waiter.resolve({
        resultType: ResultType.InputRequired,
        inputRequests,
        requestState: minted.state,
      });
    });
  }

  #settle(call: BridgedCall, outcome: { value: unknown } | { error: unknown }): void {
    call.outcome = outcome;
    const waiter = call.waiter;
    if (waiter === undefined) return; // Kept for the retry (until the TTL).
    call.waiter = undefined;
    waiter.release();
    clearTimeout(call.timer);
    this.#calls.delete(call.id);
    for (const parked of [...call.pending, ...call.asked.values()]) {
      parked.fail(new Error("the tool call ended before the client answered"));
    }
    if ("value" in outcome) waiter.resolve(outcome.value);
    else waiter.reject(outcome.error);
  }

  #cancel(call: BridgedCall, reason: Error): void {
    this.#calls.delete(call.id);
    clearTimeout(call.timer);
    this.logger.debug(`bridged call ${call.id} cancelled: ${reason.message}`);
    for (const parked of [...call.pending.splice(0), ...call.asked.values()]) parked.fail(reason);
    call.asked.clear();
    call.controller.abort(reason);
    call.waiter?.release();
    call.waiter?.reject(reason);
    call.waiter = undefined;
  }
}

function progressTokenOf(params: Record<string, unknown>): ProgressToken | undefined {
  const meta = params._meta;
  if (!isObject(meta)) return undefined;
  const token = meta.progressToken;
  return typeof token === "string" || typeof token === "number" ? token : undefined;
}
