import { ErrorCode, ProtocolError, toProtocolError } from "./errors.js";
import type {
  Disposable,
  FallbackNotificationHandler,
  FallbackRequestHandler,
  IncomingRequestContext,
  NotificationHandler,
  RequestHandler,
} from "./mcpConnection.js";

/**
 * The request and notification handlers of one connection: one per method (a later registration replaces an
 * earlier one) plus one fallback each for every other method. Registries are `Map`s, so method names such as
 * `__proto__` or `constructor` are ordinary keys.
 */
export class McpHandlers {
  readonly #requests = new Map<string, RequestHandler>();
  #fallbackRequest: FallbackRequestHandler | undefined;
  readonly #notifications = new Map<string, NotificationHandler>();
  #fallbackNotification: FallbackNotificationHandler | undefined;

  onRequest(methodOrHandler: string | FallbackRequestHandler, handler?: RequestHandler): Disposable {
    if (typeof methodOrHandler === "function") {
      this.#fallbackRequest = methodOrHandler;
      return {
        dispose: () => {
          if (this.#fallbackRequest === methodOrHandler) this.#fallbackRequest = undefined;
        },
      };
    }
    if (typeof handler !== "function") {
      throw new TypeError(`onRequest(${String(methodOrHandler)}): handler must be a function`);
    }
    this.#requests.set(methodOrHandler, handler);
    return {
      dispose: () => {
        if (this.#requests.get(methodOrHandler) === handler) this.#requests.delete(methodOrHandler);
      },
    };
  }

  onNotification(
    methodOrHandler: string | FallbackNotificationHandler,
    handler?: NotificationHandler,
  ): Disposable {
    if (typeof methodOrHandler === "function") {
      this.#fallbackNotification = methodOrHandler;
      return {
        dispose: () => {
          if (this.#fallbackNotification === methodOrHandler) this.#fallbackNotification = undefined;
        },
      };
    }
    if (typeof handler !== "function") {
      throw new TypeError(`onNotification(${String(methodOrHandler)}): handler must be a function`);
    }
    this.#notifications.set(methodOrHandler, handler);
    return {
      dispose: () => {
        if (this.#notifications.get(methodOrHandler) === handler) this.#notifications.delete(methodOrHandler);
      },
    };
  }

  /**
   * The result to send for a request: the handler's (`undefined` or `null` → `{}`, since MCP results are objects
   * and vscode-jsonrpc would send `result: null`). Rejects with the `ProtocolError` to answer: the one the handler
   * threw (private codes made public), -32603 for anything else it threw, -32601 when no handler exists.
   */
  async handleRequest(method: string, params: unknown, context: IncomingRequestContext): Promise<unknown> {
    try {
      const handler = this.#requests.get(method);
      const fallback = this.#fallbackRequest;
      let result: unknown;
      if (handler !== undefined) result = await handler(params, context);
      else if (fallback !== undefined) result = await fallback(method, params, context);
      else throw new ProtocolError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
      return result ?? {};
    } catch (error) {
      throw toProtocolError(error);
    }
  }

  /** Run the notification's handler (or the fallback); rejects with what the handler threw. */
  async handleNotification(method: string, params: unknown): Promise<void> {
    const handler = this.#notifications.get(method);
    if (handler !== undefined) await handler(params);
    else await this.#fallbackNotification?.(method, params);
  }
}
