/** Helpers of the reader for a line over the cap: the bytes it keeps of it, and the id it can still tell. */

const ID_VALUE = String.raw`(-?\d+|"(?:[^"\\]|\\.)*")`;
const HEAD_ID = new RegExp(
  String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${ID_VALUE}\s*[,}]`,
);
const TAIL_ID = new RegExp(String.raw`[{,]\s*"id"\s*:\s*${ID_VALUE}\s*\}\s*$`);

/** The over-cap line being dropped: copies of its first and last bytes, and its size so far. */
export interface Overflow {
  readonly head: Buffer;
  tail: Buffer;
  bytes: number;
}

/** A copy of the first `count` bytes across `pieces`. */
export function firstBytes(pieces: readonly Buffer[], count: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  for (const piece of pieces) {
    if (total >= count) break;
    const part = piece.subarray(0, count - total);
    parts.push(part);
    total += part.length;
  }
  return Buffer.concat(parts, total);
}

/** A copy of the last `count` bytes across `pieces` (never a view: the chunks must not be retained). */
export function lastBytes(pieces: readonly Buffer[], count: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  for (let index = pieces.length - 1; index >= 0 && total < count; index -= 1) {
    const piece = pieces[index]!;
    const part = piece.subarray(Math.max(0, piece.length - (count - total)));
    parts.unshift(part);
    total += part.length;
  }
  return Buffer.concat(parts, total);
}

/** The id captured by `pattern` in `text`, when it is a string or a safe integer. */
function matchId(pattern: RegExp, text: string): string | number | undefined {
  const raw = pattern.exec(text)?.[1];
  if (raw === undefined) return undefined;
  try {
    const id: unknown = JSON.parse(raw);
    return typeof id === "string" || Number.isSafeInteger(id) ? (id as string | number) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The id of an over-cap line when it can be told from its first or last bytes: an `id` member at the start
 * (`{"jsonrpc":"2.0","id":…`) or at the end (`…,"id":…}`, where SDK peers write it).
 */
export function findOversizeLineId(headText: string, tailText: string): string | number | undefined {
  return matchId(HEAD_ID, headText) ?? matchId(TAIL_ID, tailText);
}
