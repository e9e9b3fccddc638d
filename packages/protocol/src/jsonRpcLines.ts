import { ErrorCode, ProtocolError } from "./errors.js";
import type { FramingError } from "./framingError.js";
import { exceedsJsonDepth } from "./jsonDepth.js";
import { isObject } from "./jsonRpcShape.js";
import { McpMethod } from "./mcpTypes.js";
import { RawJson } from "./rawJson.js";
import { MAX_JSON_DEPTH, RequestError, RequestErrorCode } from "./requestError.js";

/**
 * The lines a connection writes, built as text: ids spliced in as their JSON text (exact for any peer id), a
 * `RawJson` result written as it is, params checked for depth. Each returns one line without its `\n`.
 */

/** A request, or the {@link RequestError} saying why its params cannot be sent (see {@link serializeMessage}). */
export function requestLine(id: number, method: string, params: unknown): string | RequestError {
  return serializeMessage(`{"jsonrpc":"2.0","id":${id},"method":`, method, params);
}

/** A notification, or the {@link RequestError} saying why its params cannot be sent. */
export function notificationLine(method: string, params: unknown): string | RequestError {
  return serializeMessage(`{"jsonrpc":"2.0","method":`, method, params);
}

/** `notifications/cancelled` for our request `id`. */
export function cancelledLine(id: number, reason: string): string {
  return `{"jsonrpc":"2.0","method":"${McpMethod.Cancelled}","params":{"requestId":${id},"reason":${JSON.stringify(reason)}}}`;
}

/**
 * The response carrying `result` (`undefined` or `null` → `{}`: MCP results are objects; a `RawJson` as its
 * text), or a -32603 error response when it cannot be serialized.
 */
export function resultLine(idText: string, method: string, result: unknown): string {
  let resultText: string | undefined;
  try {
    resultText = result instanceof RawJson ? result.text : JSON.stringify(result ?? {});
  } catch (error) {
    const message = `the result of ${method} could not be serialized: ${toError(error).message}`;
    return errorLine(idText, new ProtocolError(ErrorCode.InternalError, message));
  }
  // A handler returning a function or a symbol answers {}.
  return `{"jsonrpc":"2.0","id":${idText},"result":${resultText ?? "{}"}}`;
}

/** The answer to a bad line: -32700 for invalid JSON, else -32600; with `id` when one could be told. */
export function framingErrorLine(error: FramingError, id: string | number | undefined): string {
  const parse = error.code === "ERR_FRAME_PARSE";
  const wire = new ProtocolError(
    parse ? ErrorCode.ParseError : ErrorCode.InvalidRequest,
    parse ? "Parse error" : "Invalid Request",
    { detail: error.message },
  );
  return errorLine(id === undefined ? undefined : JSON.stringify(id), wire);
}

/** An error response; `idText` undefined: without `id` (the request could not be read). */
export function errorLine(idText: string | undefined, error: ProtocolError): string {
  let errorText: string;
  try {
    errorText = JSON.stringify(error.toJSON());
  } catch {
    errorText = JSON.stringify({ code: error.code, message: error.message });
  }
  const id = idText === undefined ? "" : `"id":${idText},`;
  return `{"jsonrpc":"2.0",${id}"error":${errorText}}`;
}

/**
 * `head` + the method + params as one line, or the {@link RequestError} ERR_MESSAGE_UNSERIALIZABLE saying why
 * the params cannot be sent: `JSON.stringify` failed (a cycle, a BigInt, a stack overflow on deep nesting) or the
 * message would nest deeper than {@link MAX_JSON_DEPTH}.
 */
export function serializeMessage(head: string, method: string, params: unknown): string | RequestError {
  if (params === undefined) return `${head}${JSON.stringify(method)}}`;
  let paramsText: string | undefined;
  try {
    paramsText = JSON.stringify(params);
  } catch (error) {
    return new RequestError(
      RequestErrorCode.Unserializable,
      `the params of ${method} cannot be serialized: ${toError(error).message}`,
      { method, cause: error },
    );
  }
  if (paramsText === undefined) return `${head}${JSON.stringify(method)}}`;
  if (exceedsJsonDepth(paramsText, MAX_JSON_DEPTH - 1)) {
    return new RequestError(
      RequestErrorCode.Unserializable,
      `the params of ${method} nest deeper than ${MAX_JSON_DEPTH} levels`,
      { method },
    );
  }
  return `${head}${JSON.stringify(method)},"params":${paramsText}}`;
}

/** The peer's error object as a {@link ProtocolError} (a code that is not an integer becomes -32603). */
export function peerError(error: unknown): ProtocolError {
  const object = isObject(error) ? error : {};
  const code = Number.isInteger(object.code) ? (object.code as number) : ErrorCode.InternalError;
  const message = typeof object.message === "string" ? object.message : "";
  return new ProtocolError(code, message, object.data);
}

export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
