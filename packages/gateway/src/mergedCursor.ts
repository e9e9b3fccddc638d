import { ErrorCode, ProtocolError, isObject } from "@mcpware/protocol";

/** Longest cursor accepted from a client (characters); a longer one is invalid. */
export const MAX_CURSOR_LENGTH = 16_384;

/** Where the next page of a merged listing starts: a backend, and that backend's own cursor (none: its start). */
export interface MergedPosition {
  readonly backend: string;
  readonly cursor: string | undefined;
  /** Pages the client was given so far in this listing (a guard against a backend's cursor loop). */
  readonly page: number;
}

/**
 * The gateway's opaque cursor for `position` in the listing `list` (e.g. `resources/list`): base64url of a small
 * JSON object. It says which listing it belongs to, so a cursor of one listing is refused by another.
 */
export function encodeCursor(list: string, position: MergedPosition): string {
  const fields: Record<string, unknown> = { l: list, b: position.backend, p: position.page };
  if (position.cursor !== undefined) fields.c = position.cursor;
  return Buffer.from(JSON.stringify(fields), "utf8").toString("base64url");
}

/**
 * The position a cursor from {@link encodeCursor} points at.
 *
 * @throws ProtocolError -32602 when `cursor` is not a cursor of `list` or names a backend not in `backends`.
 */
export function decodeCursor(list: string, cursor: unknown, backends: ReadonlySet<string>): MergedPosition {
  const invalid = (why: string): ProtocolError =>
    new ProtocolError(ErrorCode.InvalidParams, `Invalid cursor for ${list}: ${why}`);
  if (typeof cursor !== "string" || cursor === "") throw invalid("it must be a non-empty string");
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor))
    throw invalid("it is not one mcpware gave out");
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid("it is not one mcpware gave out");
  }
  if (
    !isObject(fields) ||
    fields.l !== list ||
    typeof fields.b !== "string" ||
    !(fields.c === undefined || typeof fields.c === "string") ||
    !Number.isSafeInteger(fields.p) ||
    (fields.p as number) < 0
  ) {
    throw invalid("it is not one mcpware gave out");
  }
  if (!backends.has(fields.b)) throw invalid(`its backend "${fields.b}" is not configured`);
  return { backend: fields.b, cursor: fields.c as string | undefined, page: fields.p as number };
}
