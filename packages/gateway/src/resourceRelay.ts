import type { McpConnection } from "@mcpware/protocol";
import { ErrorCode, McpMethod, ProtocolError, isObject } from "@mcpware/protocol";
import { RESOURCES, RESOURCE_TEMPLATES } from "./backendListings.js";
import type { CatalogRelay } from "./catalogRelay.js";
import { capabilitiesOf, requestBackend } from "./catalogHost.js";

/**
 * Registers the resource methods on a client connection: `resources/list` and `resources/templates/list` (merged
 * over the backends, under the gateway's cursors), `resources/read` (relayed to the backend that serves the URI,
 * its result passed on as the backend wrote it), `resources/subscribe` and `resources/unsubscribe` (kept per client;
 * the backend is asked once per URI). A client's subscriptions end when it disconnects.
 */
export function registerResourceHandlers(connection: McpConnection, relay: CatalogRelay): void {
  connection.onRequest(McpMethod.ResourcesList, (params, request) =>
    relay.listMerged(RESOURCES, params, request.cancellation),
  );
  connection.onRequest(McpMethod.ResourceTemplatesList, (params, request) =>
    relay.listMerged(RESOURCE_TEMPLATES, params, request.cancellation),
  );
  connection.onRequest(McpMethod.ResourcesRead, async (params, request) => {
    const uri = uriOf(McpMethod.ResourcesRead, params);
    const backend = await relay.router.ownerOf(uri, request.cancellation);
    return requestBackend(relay.host, backend, McpMethod.ResourcesRead, params, {
      signal: request.cancellation,
      raw: true,
      action: `reading resource ${uri}`,
    });
  });
  connection.onRequest(McpMethod.ResourcesSubscribe, async (params, request) => {
    const uri = uriOf(McpMethod.ResourcesSubscribe, params);
    const backend = await relay.router.ownerOf(uri, request.cancellation);
    const capabilities = capabilitiesOf(relay.host, backend);
    if (capabilities !== undefined && capabilities.resources?.subscribe !== true) {
      throw new ProtocolError(
        ErrorCode.MethodNotFound,
        `backend "${backend}", which serves ${uri}, does not support resource subscriptions`,
        { uri, backend },
      );
    }
    await relay.subscriptions.subscribe(connection, uri, backend, request.cancellation);
    return {};
  });
  connection.onRequest(McpMethod.ResourcesUnsubscribe, async (params) => {
    await relay.subscriptions.unsubscribe(connection, uriOf(McpMethod.ResourcesUnsubscribe, params));
    return {};
  });
  connection.onClose(() => relay.subscriptions.dropClient(connection));
}

/** The `uri` param of a resource request; -32602 without one. */
function uriOf(method: string, params: unknown): string {
  const uri = isObject(params) ? params.uri : undefined;
  if (typeof uri !== "string" || uri === "")
    throw new ProtocolError(ErrorCode.InvalidParams, `${method} needs params {uri}`);
  return uri;
}
