import type { ProgressToken } from "@mcpware/protocol";

let mintedTokens = 0;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A progress token unique in this process. */
export function mintProgressToken(): string {
  mintedTokens++;
  return `mcpware-${mintedTokens}`;
}

/** Map key of a token, type-tagged so `1` and `"1"` never collide. */
export function progressTokenKey(token: ProgressToken): string {
  return typeof token === "number" ? `n:${token}` : `s:${token}`;
}

/** A copy of params with `_meta.progressToken` set (params are never mutated). */
export function withProgressToken(params: unknown, token: ProgressToken): Record<string, unknown> {
  const base = isObject(params) ? params : {};
  const meta = isObject(base._meta) ? base._meta : {};
  return { ...base, _meta: { ...meta, progressToken: token } };
}

/** The caller's `params._meta.progressToken`, if it set a valid one. */
export function existingProgressToken(params: unknown): ProgressToken | undefined {
  if (!isObject(params) || !isObject(params._meta)) return undefined;
  const token = params._meta.progressToken;
  return typeof token === "string" || typeof token === "number" ? token : undefined;
}
