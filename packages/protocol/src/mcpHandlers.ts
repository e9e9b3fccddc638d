import { ErrorCode, ProtocolError } from "./errors.js";
import type {
  Disposable,
  FallbackNotificationHandler,
  FallbackRequestHandler,
  IncomingRequestContext,
  NotificationHandler,
  RequestHandler,
} from "./mcpConnectionTypes.js";

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
   * Call the request's handler (or the fallback) synchronously and return what it returns (perhaps a promise).
   * Throws what the handler throws, and a -32601 `ProtocolError` when there is no handler.
   */
  callRequest(method: string, params: unknown, context: IncomingRequestContext): unknown {
    const handler = this.#requests.get(method);
    if (handler !== undefined) return handler(params, context);
    const fallback = this.#fallbackRequest;
    if (fallback !== undefined) return fallback(method, params, context);
    throw new ProtocolError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
  }

  /** Call the notification's handler (or the fallback) synchronously; returns what it returns. */
  callNotification(method: string, params: unknown): unknown {
    const handler = this.#notifications.get(method);
    if (handler !== undefined) return handler(params);
    return this.#fallbackNotification?.(method, params);
  }
}
