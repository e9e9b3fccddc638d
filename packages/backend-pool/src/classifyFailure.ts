import { ErrorCode, ProtocolError } from "@mcpware/protocol";
import { isObject } from "./progressToken.js";

/** Codes vscode-jsonrpc gives its own local failures (message write error, disposed, inactive). */
function isLocalJsonRpcCode(code: number): boolean {
  return code >= -32099 && code <= -32096;
}

/**
 * Where a rejection of the connection's `sendRequest` came from: the backend's own error reply (`remote`: the
 * cause is the library's ResponseError with a public code), its reply over the size cap (`too-large`), or a
 * local failure (`local`: the connection closed, a write to the child failed).
 */
export function classifyFailure(error: unknown): "remote" | "too-large" | "local" {
  if (!(error instanceof ProtocolError)) return "local";
  if (error.code === ErrorCode.ConnectionClosed) return "local";
  const cause = error.cause as { code?: unknown } | undefined;
  if (isObject(error.data) && error.data.reason === "tooLarge" && cause instanceof Error) return "too-large";
  const causeCode = cause?.code;
  if (typeof causeCode === "number" && !isLocalJsonRpcCode(causeCode)) return "remote";
  return "local";
}
