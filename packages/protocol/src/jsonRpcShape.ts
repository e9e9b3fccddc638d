import type { RequestId } from "./mcpConnectionTypes.js";

const INTEGER_LITERAL = /^-?(?:0|[1-9][0-9]*)$/;

/** A plain object (not null, not an array): what JSON-RPC messages, params and results are. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Why `value` (a parsed line) is not one JSON-RPC 2.0 message object, or `undefined` when it is: a batch
 * array, a scalar, no `jsonrpc: "2.0"`, a non-string `method`, params that are not an object or array, a
 * request id that is null, fractional or not a string or number, a response without `result`/`error`, an
 * `error` that is not an object, a response id that is missing, null or not a string or integer. A request id
 * that is an integer beyond 2^53 passes: its exact digits are read from the line ({@link exactRequestId}).
 */
export function shapeProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) {
    return value === null ? "the line is null" : `the line is a ${typeof value}`;
  }
  if (Array.isArray(value)) return "batch arrays are not supported";
  const message = value as Record<string, unknown>;
  if (message.jsonrpc !== "2.0") return 'member "jsonrpc" is not "2.0"';
  const id = message.id;
  const method = message.method;
  if (method !== undefined) {
    if (typeof method !== "string") return 'member "method" is not a string';
    const params = message.params;
    if (params !== undefined && params !== null && typeof params !== "object") {
      return 'member "params" is not an object or array';
    }
    if (id === undefined || typeof id === "string") return undefined;
    if (typeof id !== "number") return `request id is ${id === null ? "null" : `a ${typeof id}`}`;
    return Number.isInteger(id) ? undefined : "request id is not an integer";
  }
  if (message.result === undefined && message.error === undefined) {
    return 'neither "method" nor "result"/"error" present';
  }
  if (message.error !== undefined && !isObject(message.error)) return 'member "error" is not an object';
  if (id === undefined || id === null) {
    const error = message.error as { code?: unknown; message?: unknown } | undefined;
    return error === undefined
      ? `response id is ${String(id)}`
      : `error response without id (${String(error.code)}: ${String(error.message)})`;
  }
  if (typeof id === "string") return undefined;
  if (typeof id !== "number") return `response id is a ${typeof id}`;
  if (!Number.isInteger(id)) return "response id is not an integer";
  return undefined;
}

/** An object with a `result` or `error` member and no `method`: a response, however malformed. */
export function isResponseShaped(value: unknown): boolean {
  if (!isObject(value)) return false;
  return value.method === undefined && (value.result !== undefined || value.error !== undefined);
}

/**
 * The id of a request exactly as the peer wrote it: `id` itself when it is a string or a safe integer; for an
 * integer beyond 2^53 (which `JSON.parse` rounds: 9007199254740993 → …992) a `bigint` of the digits written in
 * `line`. `undefined` when such an id is not written as a plain integer literal.
 */
export function exactRequestId(id: string | number, line: string): RequestId | undefined {
  if (typeof id === "string" || Number.isSafeInteger(id)) return id;
  const raw = findTopLevelIdText(line);
  return raw !== undefined && INTEGER_LITERAL.test(raw) ? BigInt(raw) : undefined;
}

/** The JSON text of a request id, as it goes into a response line. */
export function idText(id: RequestId): string {
  return typeof id === "string" ? JSON.stringify(id) : String(id);
}

/**
 * The raw text of the last top-level `"id"` member's value in a JSON object text, or `undefined` when the text is
 * not an object or has no such member. The text must be valid JSON (it has already been parsed); the scan is
 * iterative, so nesting depth does not matter.
 */
export function findTopLevelIdText(text: string): string | undefined {
  let i = skipWhitespace(text, 0);
  if (text.charCodeAt(i) !== 0x7b) return undefined;
  i += 1;
  let found: string | undefined;
  for (;;) {
    i = skipWhitespace(text, i);
    if (text.charCodeAt(i) !== 0x22) return found;
    const keyEnd = skipString(text, i);
    const rawKey = text.slice(i, keyEnd);
    const key = rawKey.includes("\\") ? (JSON.parse(rawKey) as string) : rawKey.slice(1, -1);
    i = skipWhitespace(text, keyEnd) + 1; // past ':'
    i = skipWhitespace(text, i);
    const valueEnd = skipValue(text, i);
    if (key === "id") found = text.slice(i, valueEnd);
    i = skipWhitespace(text, valueEnd);
    if (text.charCodeAt(i) !== 0x2c) return found;
    i += 1;
  }
}

function skipWhitespace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
    i += 1;
  }
}

/** `i` is at an opening quote; returns the index just past the closing quote. */
function skipString(text: string, i: number): number {
  i += 1;
  for (;;) {
    const c = text.charCodeAt(i);
    if (Number.isNaN(c)) return i;
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i + 1;
    else i += 1;
  }
}

function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x22) return skipString(text, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (;;) {
      const d = text.charCodeAt(i);
      if (Number.isNaN(d)) return i;
      if (d === 0x22) {
        i = skipString(text, i);
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth += 1;
      else if (d === 0x7d || d === 0x5d) {
        depth -= 1;
        if (depth === 0) return i + 1;
      }
      i += 1;
    }
  }
  // number, true, false, null
  let j = i;
  for (;;) {
    const d = text.charCodeAt(j);
    if (
      Number.isNaN(d) ||
      d === 0x2c ||
      d === 0x7d ||
      d === 0x5d ||
      d === 0x20 ||
      d === 0x09 ||
      d === 0x0a ||
      d === 0x0d
    ) {
      return j;
    }
    j += 1;
  }
}
