import { isObject } from "@mcpware/protocol";
import type { ProgressNotificationParams, ProgressToken } from "@mcpware/protocol";

let mintedTokens = 0;

/** A progress token unique in this process. */
export function mintProgressToken(): string {
  mintedTokens++;
  return `mcpware-${mintedTokens}`;
}

/** Map key of a token, type-tagged so `1` and `"1"` never collide. */
function tokenKey(token: ProgressToken): string {
  return typeof token === "number" ? `n:${token}` : `s:${token}`;
}

/** The caller's `params._meta.progressToken`, if it set a valid one. */
function existingProgressToken(params: unknown): ProgressToken | undefined {
  if (!isObject(params) || !isObject(params._meta)) return undefined;
  const token = params._meta.progressToken;
  return typeof token === "string" || typeof token === "number" ? token : undefined;
}

/** A copy of params with `_meta.progressToken` set (params are never mutated). */
function withProgressToken(params: unknown, token: ProgressToken): Record<string, unknown> {
  const base = isObject(params) ? params : {};
  const meta = isObject(base._meta) ? base._meta : {};
  return { ...base, _meta: { ...meta, progressToken: token } };
}

/** Where the progress of one request in flight goes. */
export interface ProgressRoute {
  readonly key: string;
  /** The params to send: the caller's, or a copy with a minted token. */
  readonly params: unknown;
  readonly onProgress: ((progress: ProgressNotificationParams) => void) | undefined;
  /** The caller's token when the backend was sent a minted one instead (the caller's was already routed). */
  readonly callerToken: ProgressToken | undefined;
}

/**
 * The progress routes of one backend process: `notifications/progress` reach the request in flight that owns
 * the token, until it settles; later or unknown ones are dropped.
 */
export class ProgressRoutes {
  readonly #routes = new Map<string, ProgressRoute>();
  readonly #unrouted: (params: ProgressNotificationParams) => void;
  readonly #listenerFailed: (error: unknown) => void;

  /**
   * @param unrouted receives progress for a caller's token sent without `onProgress`.
   * @param listenerFailed receives what an `onProgress` threw.
   */
  constructor(
    unrouted: (params: ProgressNotificationParams) => void,
    listenerFailed: (error: unknown) => void,
  ) {
    this.#unrouted = unrouted;
    this.#listenerFailed = listenerFailed;
  }

  /**
   * The route of a request about to be sent, or `undefined` when it needs none (no token and no `onProgress`).
   * With `onProgress` and no token, a token is minted. A token already routed to another request in flight would
   * steal its progress: the backend then gets a minted one, and progress is handed back under the caller's.
   */
  open(
    params: unknown,
    onProgress: ((progress: ProgressNotificationParams) => void) | undefined,
  ): ProgressRoute | undefined {
    const given = existingProgressToken(params);
    if (given === undefined && onProgress === undefined) return undefined;
    let route: ProgressRoute;
    if (given !== undefined && !this.#routes.has(tokenKey(given))) {
      route = { key: tokenKey(given), params, onProgress, callerToken: undefined };
    } else {
      let token = mintProgressToken();
      // A caller may have picked a value that looks minted.
      while (this.#routes.has(tokenKey(token))) token = mintProgressToken();
      route = {
        key: tokenKey(token),
        params: withProgressToken(params, token),
        onProgress,
        callerToken: given,
      };
    }
    this.#routes.set(route.key, route);
    return route;
  }

  /** The request settled: its progress is dropped from now on. */
  close(route: ProgressRoute): void {
    if (this.#routes.get(route.key) === route) this.#routes.delete(route.key);
  }

  clear(): void {
    this.#routes.clear();
  }

  /** A `notifications/progress` from the backend. */
  deliver(params: unknown): void {
    if (!isObject(params)) return;
    const token = params.progressToken;
    if (typeof token !== "string" && typeof token !== "number") return;
    const route = this.#routes.get(tokenKey(token));
    if (route === undefined) return; // settled or unknown: dropped
    const progress = (
      route.callerToken === undefined ? params : { ...params, progressToken: route.callerToken }
    ) as ProgressNotificationParams;
    if (route.onProgress === undefined) {
      this.#unrouted(progress);
      return;
    }
    try {
      route.onProgress(progress);
    } catch (error) {
      this.#listenerFailed(error);
    }
  }
}
