import { McpMethod, RawJson, ResultType, isObject, raceAbort } from "@mcpware/protocol";
import type { CancelSignal } from "@mcpware/protocol";
import { anySignal } from "./anySignal.js";
import { BackendError, BackendErrorCode } from "./backendError.js";
import type { ProcessRequestOptions } from "./backendProcess.js";
import { MAX_INPUT_REQUIRED_ROUNDS } from "./defaults.js";

/** The methods whose results may be `input_required` (MCP 2026-07-28, multi-round-trip requests). */
export const INPUT_REQUIRED_METHODS: ReadonlySet<string> = new Set([
  McpMethod.ToolsCall,
  McpMethod.PromptsGet,
  McpMethod.ResourcesRead,
]);

/** The requests an `input_required` result may embed: those a legacy server would have sent the client. */
const INPUT_REQUEST_METHODS: ReadonlySet<string> = new Set([
  McpMethod.Elicit,
  McpMethod.CreateMessage,
  McpMethod.RootsList,
]);

/** An `input_required` result: input requests keyed by the server's names, and state to echo. */
export interface InputRequiredResult {
  resultType: typeof ResultType.InputRequired;
  inputRequests?: Record<string, unknown>;
  requestState?: string;
  [key: string]: unknown;
}

/**
 * The result as an `input_required` one, or undefined for any other. A `RawJson` is parsed only when its text
 * names `input_required` at all: the check costs ordinary results a substring search, not a parse.
 */
export function inputRequiredOf(result: unknown): InputRequiredResult | undefined {
  let value = result;
  if (result instanceof RawJson) {
    if (!result.text.includes(`"${ResultType.InputRequired}"`)) return undefined;
    value = result.value;
  }
  return isObject(value) && value.resultType === ResultType.InputRequired
    ? (value as InputRequiredResult)
    : undefined;
}

/** What fulfilling one request's input needs from the process it runs on. */
export interface InputRoundsHost {
  backend: string;
  /** Send one round (a new request) on the process, as any request is sent. */
  send(method: string, params: unknown, options: ProcessRequestOptions): Promise<unknown>;
  /** Answer one input request: the pool's request handler, as for a legacy backend's own request. */
  answer(method: string, params: unknown, signal: AbortSignal): Promise<unknown>;
  /** Aborted, with the process's death error, when the process is gone. */
  readonly died: AbortSignal;
}

/**
 * Fulfil a modern backend's `input_required` result: answer every input request of a round through the host (in
 * parallel), then send `method` again with the original `params` plus `inputResponses` (each key's bare result)
 * and `requestState` (echoed exactly; omitted when the backend sent none), until the result is complete; resolves
 * with that result. The deadline (`options.timeoutMs`, counted from `sentAt`) does not run while the handler is
 * answering; `options.maxTotalMs` does. Rejects with ERR_BACKEND_INPUT_FAILED (a handler failed, naming the input
 * request, its error as `cause`; a malformed result; still input after {@link MAX_INPUT_REQUIRED_ROUNDS} rounds),
 * ERR_BACKEND_ABORTED (the caller's signal, while a handler answered), ERR_BACKEND_TIMEOUT (`maxTotalMs` passed
 * while a handler answered), the process's death error, or what a round's request rejects with.
 */
export async function fulfilInputRequired(
  first: InputRequiredResult,
  method: string,
  params: Record<string, unknown>,
  options: ProcessRequestOptions,
  sentAt: number,
  host: InputRoundsHost,
): Promise<unknown> {
  let pending = first;
  let waitedMs = 0;
  for (let round = 1; ; round++) {
    if (round > MAX_INPUT_REQUIRED_ROUNDS) {
      throw inputFailed(
        host,
        method,
        sentAt,
        `still required input for ${method} after ${MAX_INPUT_REQUIRED_ROUNDS} rounds`,
      );
    }
    const { inputRequests, requestState } = pending;
    const hasRequests = isObject(inputRequests) && Object.keys(inputRequests).length > 0;
    if ((!hasRequests && requestState === undefined) || !isStateValid(requestState)) {
      throw inputFailed(host, method, sentAt, `answered ${method} with a malformed input_required result`);
    }
    const waitStart = performance.now();
    const inputResponses = hasRequests
      ? await answerAll(inputRequests, method, options, sentAt, waitedMs, host)
      : undefined;
    waitedMs += performance.now() - waitStart;
    const retry: Record<string, unknown> = { ...params };
    if (inputResponses !== undefined) retry.inputResponses = inputResponses;
    if (requestState !== undefined) retry.requestState = requestState;
    const elapsedMs = performance.now() - sentAt;
    const reply = await host.send(method, retry, {
      ...options,
      // Never zero: a request whose time is up is still sent and fails with the usual timeout error.
      timeoutMs: Math.max(1, options.timeoutMs - (elapsedMs - waitedMs)),
      maxTotalMs: options.maxTotalMs === undefined ? undefined : Math.max(1, options.maxTotalMs - elapsedMs),
    });
    const next = inputRequiredOf(reply);
    if (next === undefined) return reply;
    pending = next;
  }
}

function isStateValid(state: unknown): boolean {
  return state === undefined || typeof state === "string";
}

/** Answer the input requests of one round in parallel; resolves with `{key: bare result}`. */
async function answerAll(
  inputRequests: Record<string, unknown>,
  method: string,
  options: ProcessRequestOptions,
  sentAt: number,
  waitedMs: number,
  host: InputRoundsHost,
): Promise<Record<string, unknown>> {
  const elapsedMs = performance.now() - sentAt;
  const limit = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  if (options.maxTotalMs !== undefined) {
    timer = setTimeout(() => limit.abort(), Math.max(0, options.maxTotalMs - elapsedMs));
    timer.unref();
  }
  const caller: CancelSignal | undefined = options.signal;
  // Aborted when one input request fails: the others are of no use any more.
  const round = new AbortController();
  const linked = anySignal([caller, host.died, limit.signal, round.signal]);
  const abortError = (): Error => {
    if (host.died.aborted) return host.died.reason as Error;
    const fields = { backend: host.backend, method, elapsedMs: Math.round(performance.now() - sentAt) };
    if (caller?.aborted === true) {
      return new BackendError(
        BackendErrorCode.Aborted,
        `request ${method} to backend "${host.backend}" was aborted while its input was being answered`,
        { ...fields, cause: caller.reason },
      );
    }
    return new BackendError(
      BackendErrorCode.Timeout,
      `request ${method} to backend "${host.backend}" took longer than ${options.maxTotalMs} ms in all (${Math.round(waitedMs)} ms of it before this round waiting for input)`,
      fields,
    );
  };
  try {
    const entries = Object.entries(inputRequests).map(async ([key, request]) => {
      if (
        !isObject(request) ||
        typeof request.method !== "string" ||
        !INPUT_REQUEST_METHODS.has(request.method)
      ) {
        throw inputFailed(
          host,
          method,
          sentAt,
          `sent an input request "${key}" for ${method} that is not elicitation/create, sampling/createMessage or roots/list`,
        );
      }
      const inputMethod = request.method;
      let answer: unknown;
      try {
        answer = await raceAbort(
          host.answer(inputMethod, request.params, linked.signal),
          linked.signal,
          abortError,
        );
      } catch (error) {
        if (linked.signal.aborted) throw abortError();
        round.abort();
        throw inputFailed(
          host,
          method,
          sentAt,
          `input request "${key}" (${inputMethod}) for ${method} failed: ${error instanceof Error ? error.message : String(error)}`,
          error,
        );
      }
      return [key, answer instanceof RawJson ? answer.value : answer] as const;
    });
    return Object.fromEntries(await Promise.all(entries));
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    linked.dispose();
  }
}

function inputFailed(
  host: InputRoundsHost,
  method: string,
  sentAt: number,
  what: string,
  cause?: unknown,
): BackendError {
  return new BackendError(BackendErrorCode.InputFailed, `backend "${host.backend}" ${what}`, {
    backend: host.backend,
    method,
    elapsedMs: Math.round(performance.now() - sentAt),
    cause,
  });
}
