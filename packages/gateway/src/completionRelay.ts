import type { McpConnection } from "@mcpware/protocol";
import { ErrorCode, McpMethod, ProtocolError, isObject } from "@mcpware/protocol";
import type { CatalogRelay } from "./catalogRelay.js";
import { capabilitiesOf, requestBackend } from "./catalogHost.js";

/**
 * Registers `completion/complete` on a client connection, routed by its `ref`: a `ref/prompt` by the prompt's
 * exposed name (sent under the prompt's own name), a `ref/resource` to the backend that lists that URI template
 * or serves that URI. A backend known not to offer completions answers no values (the gateway declares
 * `completions` for all of them).
 */
export function registerCompletionHandler(connection: McpConnection, relay: CatalogRelay): void {
  connection.onRequest(McpMethod.Complete, async (params, request) => {
    const signal = request.cancellation;
    if (!isObject(params) || !isObject(params.ref) || !isObject(params.argument)) {
      throw new ProtocolError(ErrorCode.InvalidParams, "completion/complete needs params {ref, argument}");
    }
    const ref = params.ref;
    let backend: string;
    let forwarded = params;
    if (ref.type === "ref/prompt" && typeof ref.name === "string") {
      const target = await relay.prompts.resolve(ref.name, signal);
      backend = target.backend;
      forwarded = { ...params, ref: { ...ref, name: target.name } };
    } else if (ref.type === "ref/resource" && typeof ref.uri === "string") {
      backend = await relay.router.ownerOfReference(ref.uri, signal);
    } else {
      throw new ProtocolError(
        ErrorCode.InvalidParams,
        'completion/complete needs a ref {type: "ref/prompt", name} or {type: "ref/resource", uri}',
      );
    }
    const capabilities = capabilitiesOf(relay.host, backend);
    if (capabilities !== undefined && capabilities.completions === undefined)
      return { completion: { values: [], hasMore: false } };
    return requestBackend(relay.host, backend, McpMethod.Complete, forwarded, {
      signal,
      raw: true,
      action: "completing an argument",
    });
  });
}
