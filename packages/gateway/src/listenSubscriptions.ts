import type { IncomingRequestContext, McpConnection, RequestId } from "@mcpware/protocol";
import { ErrorCode, McpMethod, MetaKey, ModernMethod, ProtocolError, isObject } from "@mcpware/protocol";

/** What one `subscriptions/listen` asked for and was granted. */
interface Subscription {
  readonly id: RequestId;
  readonly toolsListChanged: boolean;
  readonly promptsListChanged: boolean;
  readonly resourcesListChanged: boolean;
  readonly uris: ReadonlySet<string>;
  readonly end: (result: unknown) => void;
}

/** Calls the connection's own handler of a method (resources/subscribe, resources/unsubscribe). */
export type HandlerCall = (method: string, params: unknown, request: IncomingRequestContext) => unknown;

/** Most `subscriptions/listen` requests one client may hold open at once. */
export const MAX_LISTEN_SUBSCRIPTIONS = 1_024;

/**
 * The 2026-07-28 `subscriptions/listen` requests of one client: each is acknowledged with what it is granted
 * (`notifications/subscriptions/acknowledged`), then receives the list changes and resource updates it asked
 * for, stamped with its id as `io.modelcontextprotocol/subscriptionId`, until the client cancels it (its
 * resources are then unsubscribed) or the gateway closes (it is then answered).
 */
export class ListenSubscriptions {
  readonly #subscriptions = new Map<RequestId, Subscription>();

  constructor(
    private readonly connection: McpConnection,
    private readonly callHandler: HandlerCall,
  ) {}

  async listen(params: unknown, request: IncomingRequestContext): Promise<unknown> {
    const filter = isObject(params) ? params.notifications : undefined;
    if (!isObject(filter)) {
      throw new ProtocolError(
        ErrorCode.InvalidParams,
        "subscriptions/listen needs params.notifications: {toolsListChanged?, promptsListChanged?, " +
          "resourcesListChanged?, resourceSubscriptions?: [uri, …]}",
      );
    }
    if (this.#subscriptions.size >= MAX_LISTEN_SUBSCRIPTIONS) {
      throw new ProtocolError(ErrorCode.InternalError, "Subscription limit reached");
    }
    const uris = new Set<string>();
    const asked = Array.isArray(filter.resourceSubscriptions) ? filter.resourceSubscriptions : [];
    for (const uri of asked) {
      if (typeof uri !== "string") continue;
      if (this.#held(uri)) {
        uris.add(uri); // Another listen of this client holds it already.
        continue;
      }
      try {
        await this.callHandler(McpMethod.ResourcesSubscribe, { uri }, request);
        uris.add(uri);
      } catch {
        // Not granted: left out of the acknowledgement.
      }
    }
    const granted: Record<string, unknown> = {};
    for (const key of ["toolsListChanged", "promptsListChanged", "resourcesListChanged"] as const) {
      if (filter[key] === true) granted[key] = true;
    }
    if (uris.size > 0) granted.resourceSubscriptions = [...uris];
    return new Promise((resolve) => {
      const subscription: Subscription = {
        id: request.id,
        toolsListChanged: granted.toolsListChanged === true,
        promptsListChanged: granted.promptsListChanged === true,
        resourcesListChanged: granted.resourcesListChanged === true,
        uris,
        end: resolve,
      };
      if (request.cancellation.aborted) return resolve(undefined);
      this.#subscriptions.set(request.id, subscription);
      request.cancellation.addEventListener(
        "abort",
        () => {
          this.#subscriptions.delete(request.id);
          for (const uri of uris) {
            if (this.#held(uri)) continue; // Still wanted by another listen.
            Promise.resolve(this.callHandler(McpMethod.ResourcesUnsubscribe, { uri }, request)).catch(
              () => {},
            );
          }
          resolve(undefined); // The client cancelled: the connection sends no response.
        },
        { once: true },
      );
      this.#send(ModernMethod.SubscriptionsAcknowledged, { notifications: granted }, request.id);
    });
  }

  /** Whether a listen of this client subscribed to `uri`. */
  #held(uri: string): boolean {
    for (const subscription of this.#subscriptions.values()) if (subscription.uris.has(uri)) return true;
    return false;
  }

  /** Sends a list change or resource update to each subscription that asked for it. */
  async deliver(method: string, params: unknown): Promise<void> {
    const uri = isObject(params) ? params.uri : undefined;
    for (const subscription of this.#subscriptions.values()) {
      const wanted =
        method === McpMethod.ToolsListChanged
          ? subscription.toolsListChanged
          : method === McpMethod.PromptsListChanged
            ? subscription.promptsListChanged
            : method === McpMethod.ResourcesListChanged
              ? subscription.resourcesListChanged
              : typeof uri === "string" && subscription.uris.has(uri);
      if (wanted) await this.#send(method, params, subscription.id);
    }
  }

  /** Answers every subscription (the server's graceful close). */
  close(): void {
    for (const subscription of this.#subscriptions.values()) {
      subscription.end({ _meta: { [MetaKey.SubscriptionId]: subscription.id } });
    }
    this.#subscriptions.clear();
  }

  #send(method: string, params: unknown, id: RequestId): Promise<void> {
    const own = isObject(params) ? params : {};
    const meta = isObject(own._meta) ? own._meta : {};
    const stamped = { ...own, _meta: { ...meta, [MetaKey.SubscriptionId]: id } };
    return this.connection.sendNotification(method, stamped).catch(() => {});
  }
}
