import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** How long a client has to retry an `input_required` result (ms) by default: then its call is cancelled. */
export const DEFAULT_INPUT_REQUIRED_TTL_MS = 300_000;

/** Longest `requestState` accepted (characters): room for a backend's own state inside one of ours. */
const MAX_STATE_LENGTH = 262_144;

/** What a `requestState` says once its signature and expiry were checked. */
export interface RequestStatePayload {
  /** The parked call it names. */
  readonly call: string;
  /** The client connection it was given to (a random id per connection): no other client may use it. */
  readonly client: string;
  /** Random, per state: a state is used once (see `InputBridge`). */
  readonly nonce: string;
  /** A digest of the request it belongs to (method, tool name and arguments): a retry must repeat them. */
  readonly digest: string;
  /** When it expires (ms since the epoch). */
  readonly expires: number;
  /**
   * Set when a 2026-07-28 backend itself answered `input_required`: the retry goes to it again, with the
   * client's `inputResponses` and (when it gave one) its own `requestState`, which is this.
   */
  readonly backend?: { readonly state?: string };
}

/**
 * Mints and opens the `requestState` of mcpware's `input_required` results: a base64url JSON payload and its
 * HMAC-SHA256 under a key made for this process, so a state can be neither forged nor replayed after the gateway
 * restarts; it expires after `ttlMs`.
 */
export class RequestStateCodec {
  readonly #key = randomBytes(32);

  constructor(readonly ttlMs: number = DEFAULT_INPUT_REQUIRED_TTL_MS) {}

  /** A new state for `payload`, and its nonce. */
  mint(
    payload: Omit<RequestStatePayload, "expires" | "nonce">,
    now = Date.now(),
  ): { state: string; nonce: string } {
    const nonce = randomBytes(16).toString("base64url");
    const body = Buffer.from(JSON.stringify({ ...payload, nonce, expires: now + this.ttlMs })).toString(
      "base64url",
    );
    return { state: `${body}.${this.#sign(body)}`, nonce };
  }

  /** The payload of a state this process minted and that has not expired; undefined for anything else. */
  open(state: unknown, now = Date.now()): RequestStatePayload | undefined {
    if (typeof state !== "string" || state.length > MAX_STATE_LENGTH) return undefined;
    const dot = state.indexOf(".");
    if (dot <= 0) return undefined;
    const body = state.slice(0, dot);
    const given = Buffer.from(state.slice(dot + 1), "base64url");
    const expected = Buffer.from(this.#sign(body), "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as RequestStatePayload;
      if (
        typeof payload.call !== "string" ||
        typeof payload.digest !== "string" ||
        typeof payload.client !== "string" ||
        typeof payload.nonce !== "string"
      ) {
        return undefined;
      }
      return typeof payload.expires === "number" && payload.expires > now ? payload : undefined;
    } catch {
      return undefined;
    }
  }

  #sign(body: string): string {
    return createHmac("sha256", this.#key).update(body).digest("base64url");
  }
}

/** The digest that ties a state to its request: the method, the tool's name and its arguments. */
export function requestDigest(method: string, name: unknown, args: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify([method, name, args ?? {}]))
    .digest("base64url");
}
