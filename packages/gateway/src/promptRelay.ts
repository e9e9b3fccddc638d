import type { McpConnection } from "@mcpware/protocol";
import { ErrorCode, McpMethod, ProtocolError, isObject } from "@mcpware/protocol";
import type { CatalogRelay } from "./catalogRelay.js";
import { requestBackend } from "./catalogHost.js";

/**
 * Registers the prompt methods on a client connection: `prompts/list` (every backend's prompts in one page, named
 * `<backend>__<prompt>` or a stable hashed name, descriptions cleaned) and `prompts/get` (relayed under the
 * prompt's own name to its backend, the result passed on as the backend wrote it).
 */
export function registerPromptHandlers(connection: McpConnection, relay: CatalogRelay): void {
  connection.onRequest(McpMethod.PromptsList, async (params, request) => {
    if (isObject(params) && params.cursor !== undefined) {
      throw new ProtocolError(
        ErrorCode.InvalidParams,
        "Invalid cursor for prompts/list: mcpware lists every prompt in one page and gives out no cursor",
      );
    }
    const { prompts } = await relay.prompts.list(request.cancellation);
    return { prompts };
  });
  connection.onRequest(McpMethod.PromptsGet, async (params, request) => {
    if (!isObject(params) || typeof params.name !== "string")
      throw new ProtocolError(ErrorCode.InvalidParams, "prompts/get needs params {name, arguments?}");
    const target = await relay.prompts.resolve(params.name, request.cancellation);
    return requestBackend(
      relay.host,
      target.backend,
      McpMethod.PromptsGet,
      { ...params, name: target.name },
      { signal: request.cancellation, raw: true, action: `getting prompt "${target.name}"` },
    );
  });
}
