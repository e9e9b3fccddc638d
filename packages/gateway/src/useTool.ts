import { BackendError, BackendErrorCode } from "@mcpware/backend-pool";
import type { InputRequiredMode } from "@mcpware/backend-pool";
import type {
  CallToolResult,
  CancelSignal,
  JsonObject,
  ProgressNotificationParams,
  ProgressToken,
  RawJson,
} from "@mcpware/protocol";
import { McpMethod } from "@mcpware/protocol";
import type { Audience, Wording } from "./audience.js";
import { currentAudience, wordingFor } from "./audience.js";
import { closestNames } from "./closestNames.js";
import { describeFailure, errorResult } from "./describeFailure.js";
import { unknownBackendMessage } from "./discoverBackendTools.js";
import type { GatewayContext } from "./gatewayContext.js";
import { findBackend, timeoutOf, unavailableReason } from "./gatewayContext.js";
import { needsTasks, needsTasksMessage } from "./taskSupport.js";

/** Up to this many tool names are listed when a tool name is unknown and nothing is close. */
const MAX_LISTED_TOOLS = 40;

export interface UseToolOptions {
  /** Aborted when the client cancels: the backend request is cancelled too. */
  signal: CancelSignal;
  /**
   * The client's progress token: sent to the backend, and used for every progress notification relayed back.
   * Without one, `sendProgress` still gets progress under a token the pool minted for this call.
   */
  progressToken?: ProgressToken | undefined;
  /** Sends one `notifications/progress` to the client (already carrying the client's token, if it gave one). */
  sendProgress?: (params: ProgressNotificationParams) => void;
  /** Who reads the error texts: what to do next is said in their terms. Default: `currentAudience()`. */
  audience?: Audience | undefined;
  /** Called with the backend's name just before `tools/call` is sent to it (the input bridge's cue). */
  onForward?: ((backend: string) => void) | undefined;
  /**
   * What the pool does with a 2026-07-28 backend's `input_required` result: answer it through the client relay
   * (`"fulfil"`, the default: for a client that takes requests) or hand it back (`"return"`: for a 2026-07-28
   * client, which answers it itself).
   */
  inputRequired?: InputRequiredMode | undefined;
  /** Members added to the `tools/call` params: a retry's `inputResponses` and the backend's `requestState`. */
  extraParams?: Record<string, unknown> | undefined;
  /** Members added to the `_meta` sent to the backend (a 2026-07-28 client's log level). */
  meta?: Record<string, unknown> | undefined;
}

/** Parsed use_tool arguments. */
interface UseToolRequest {
  backend: string;
  tool: string;
  args: JsonObject;
}

/**
 * use_tool: checks the request (backend, tool, arguments against the tool's `inputSchema`) and forwards
 * `tools/call`, returning the backend's result unchanged: as the text the backend wrote (a `RawJson`, never
 * parsed) when it replied in the usual shape. Everything the model can fix, and every backend failure, comes back
 * as an `isError` result saying what to do. Listing the backend's tools (when not cached) and the call share
 * one deadline, the backend's `timeout`.
 */
export async function useTool(
  context: GatewayContext,
  args: unknown,
  options: UseToolOptions,
): Promise<CallToolResult | RawJson> {
  const startedAt = performance.now();
  const wording = wordingFor(options.audience ?? currentAudience());
  const parsed = parseArguments(args, wording);
  if (!parsed.ok) return parsed.result;
  const request = parsed.request;
  const backend = findBackend(context, request.backend);
  if (backend === undefined) return errorResult(unknownBackendMessage(context, request.backend));
  const reason = unavailableReason(context, backend);
  if (reason !== undefined) return errorResult(reason);
  const timeoutMs = timeoutOf(backend);
  const call: CallFacts = { context, backend: backend.name, timeoutMs, startedAt, signal: options.signal };

  let list = context.catalog.peek(backend.name);
  if (list === undefined) {
    try {
      list = await context.catalog.get(backend.name, options.signal, timeoutMs);
    } catch (error) {
      return failureResult(call, error, "listing its tools", `run tool "${request.tool}"`);
    }
  }
  const hidden = list.filtered.get(request.tool);
  if (hidden !== undefined) {
    return errorResult(
      `tool "${request.tool}" of backend "${backend.name}" cannot be called: ${hidden}; the backend was not called.`,
    );
  }
  const tool = list.byName.get(request.tool);
  if (tool === undefined)
    return errorResult(unknownToolMessage(backend.name, request.tool, [...list.byName.keys()], wording));
  if (needsTasks(tool)) return errorResult(needsTasksMessage(backend.name, tool.name));
  const blocked = list.blockedBecause(tool.name);
  if (blocked !== undefined) return errorResult(`${blocked}; the backend was not called.`);
  let problems: readonly string[] | undefined;
  try {
    problems = list.checkArguments(tool.name)?.(request.args);
  } catch (error) {
    // A recursive schema walking arguments nested too deep for the stack.
    const reason = error instanceof Error ? error.message : String(error);
    return errorResult(
      `${wording.args} could not be checked against the input schema of tool "${tool.name}" on backend ` +
        `"${backend.name}" (${reason}); the backend was not called. Fix ${wording.args} to nest less deeply ` +
        `and ${wording.again}.`,
    );
  }
  if (problems !== undefined) {
    return errorResult(
      `${wording.args} do not match the input schema of tool "${tool.name}" on backend "${backend.name}"; the ` +
        `backend was not called. Fix ${wording.args} and ${wording.again}:\n` +
        // The problems name their place from the root of the arguments, called tool_arguments.
        problems.map((problem) => `- ${problem.replace(/^tool_arguments/, wording.args)}`).join("\n") +
        `\nInput schema: ${JSON.stringify(tool.inputSchema)}`,
    );
  }

  const params: JsonObject = {
    name: tool.name,
    arguments: request.args,
    ...(options.extraParams as JsonObject),
  };
  const { progressToken, sendProgress } = options;
  let settled = false;
  const relay =
    sendProgress === undefined
      ? undefined
      : (progress: ProgressNotificationParams): void => {
          // Progress after the result would break the spec's "notifications stop when the request completes".
          if (settled) return;
          sendProgress(progressToken === undefined ? progress : { ...progress, progressToken });
        };
  if (progressToken !== undefined || options.meta !== undefined) {
    params._meta = {
      ...(options.meta as JsonObject),
      ...(progressToken === undefined ? {} : { progressToken }),
    };
  }
  // Checked first: serializing the arguments of every call only to drop the line costs CPU on the hot path.
  if (context.logger.isDebugEnabled) {
    context.logger.debug(
      `call ${backend.name}/${tool.name} arguments=${describeJson(() => JSON.stringify(request.args))}`,
    );
  }
  const remainingMs = Math.round(timeoutMs - (performance.now() - startedAt));
  if (remainingMs < 1) {
    return failureResult(
      call,
      new BackendError(BackendErrorCode.Timeout, `no time left to call ${tool.name}`, {
        backend: backend.name,
      }),
      `calling tool "${tool.name}"`,
      `run tool "${tool.name}"`,
    );
  }
  options.onForward?.(backend.name);
  try {
    const result = await context.pool.request<RawJson>(backend.name, McpMethod.ToolsCall, params, {
      signal: options.signal,
      timeoutMs: remainingMs,
      raw: true,
      onProgress: relay,
      ...(options.inputRequired === undefined ? {} : { inputRequired: options.inputRequired }),
    });
    // Resource links in the result: where their URIs are read (a scan for one substring, no parse).
    context.catalogRelay?.learnResourceLinks(backend.name, result.text);
    if (context.logger.isDebugEnabled) {
      context.logger.debug(
        `result ${backend.name}/${tool.name} in ${Math.round(performance.now() - startedAt)} ms: ${describeJson(() => result.text)}`,
      );
    }
    return result;
  } catch (error) {
    return failureResult(call, error, `calling tool "${tool.name}"`, `run tool "${tool.name}"`);
  } finally {
    settled = true;
  }
}

/** What a failure message of one use_tool needs to know. */
interface CallFacts {
  readonly context: GatewayContext;
  readonly backend: string;
  readonly timeoutMs: number;
  readonly startedAt: number;
  readonly signal: CancelSignal;
}

/**
 * The `isError` result for a failure (logged as a warning); rethrows the client's cancellation instead. `action`
 * is what the request was doing, `purpose` what it was for (said when the backend failed while starting).
 */
function failureResult(call: CallFacts, error: unknown, action: string, purpose: string): CallToolResult {
  if (call.signal.aborted) throw call.signal.reason;
  const text = describeFailure(error, {
    backend: call.backend,
    timeoutMs: call.timeoutMs,
    elapsedMs: performance.now() - call.startedAt,
    action,
    purpose,
    redactor: call.context.redactor,
  });
  call.context.logger.warn(text);
  return errorResult(text);
}

function parseArguments(
  args: unknown,
  wording: Wording,
): { ok: true; request: UseToolRequest } | { ok: false; result: CallToolResult } {
  const fail = (message: string): { ok: false; result: CallToolResult } => ({
    ok: false,
    result: errorResult(message),
  });
  const usage = wording.usage;
  if (args === null || typeof args !== "object" || Array.isArray(args)) return fail(usage);
  const { backend_server: backend, server_tool: tool, tool_arguments: raw } = args as Record<string, unknown>;
  if (typeof backend !== "string" || backend === "") return fail(`${wording.missing("backend")} ${usage}`);
  if (typeof tool !== "string" || tool === "") return fail(`${wording.missing("tool")} ${usage}`);
  let toolArgs: unknown = raw ?? {};
  // Models sometimes send the arguments as a JSON string; accept it when it holds an object.
  if (typeof toolArgs === "string") {
    try {
      toolArgs = JSON.parse(toolArgs) as unknown;
    } catch {
      // reported below
    }
  }
  if (toolArgs === null || typeof toolArgs !== "object" || Array.isArray(toolArgs)) {
    return fail(
      `tool_arguments must be an object with the tool's arguments (got ${describeType(raw)}). ${usage}`,
    );
  }
  return { ok: true, request: { backend, tool, args: toolArgs as JsonObject } };
}

/** JSON text for a debug line; never throws (arguments nested too deep for `JSON.stringify`). */
function describeJson(serialize: () => string): string {
  try {
    return serialize();
  } catch (error) {
    return `<not serializable: ${error instanceof Error ? error.message : String(error)}>`;
  }
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

function unknownToolMessage(
  backend: string,
  tool: string,
  names: readonly string[],
  wording: Wording,
): string {
  if (names.length === 0) return `backend "${backend}" has no tools.`;
  const closest = closestNames(tool, names);
  const hint =
    closest.length > 0
      ? ` Did you mean ${closest.map((name) => `"${name}"`).join(" or ")}?`
      : names.length <= MAX_LISTED_TOOLS
        ? ` Its tools: ${names.join(", ")}.`
        : "";
  return `backend "${backend}" has no tool "${tool}".${hint} ${wording.listTools(backend)}`;
}
