/**
 * Recognises, without parsing it, a success reply line in one of the two shapes peers write:
 * `{"result":R,"jsonrpc":"2.0","id":N}` (the MCP SDKs: `JSON.stringify({result, jsonrpc, id})`) and
 * `{"jsonrpc":"2.0","id":N,"result":R}`, where N is a non-negative integer (the ids this side gives its own
 * requests) and R an object. Anything else (an error reply, another member order, a member before or after the
 * result, a string id, a raw `\r` inside the line) is left to the parser.
 */

const RESULT_FIRST = '{"result":';
const ID_AFTER_RESULT = ',"jsonrpc":"2.0","id":';
const ID_FIRST = '{"jsonrpc":"2.0","id":';
const RESULT_AFTER_ID = ',"result":';
/** Nesting the cheap check follows (one bit per level in a safe integer); a deeper result is parsed. */
const MAX_TRACKED_DEPTH = 52;
/** Ids this side mints stay far below 2^53: at most 15 digits are read. */
const MAX_ID_DIGITS = 15;

/** Where a matched line's id and result are: filled in by {@link matchResultLine}. */
export interface ResultLineMatch {
  id: number;
  /** The result's text is `line.slice(start, end)`. */
  start: number;
  end: number;
}

/** True (and `match` filled in) when `line` is a success reply of one of the two shapes. */
export function matchResultLine(line: string, match: ResultLineMatch): boolean {
  const last = line.length - 1;
  if (last < 20 || line.charCodeAt(last) !== 0x7d || line.indexOf("\r") !== -1) return false;
  if (line.startsWith(RESULT_FIRST)) {
    let digitsStart = last;
    while (digitsStart > 0 && isDigit(line.charCodeAt(digitsStart - 1))) digitsStart--;
    const idStart = digitsStart - ID_AFTER_RESULT.length;
    if (!validDigits(line, digitsStart, last) || !line.startsWith(ID_AFTER_RESULT, idStart)) return false;
    return fill(line, match, digitsStart, last, RESULT_FIRST.length, idStart);
  }
  if (line.startsWith(ID_FIRST)) {
    const digitsStart = ID_FIRST.length;
    let digitsEnd = digitsStart;
    while (digitsEnd < last && isDigit(line.charCodeAt(digitsEnd))) digitsEnd++;
    if (!validDigits(line, digitsStart, digitsEnd) || !line.startsWith(RESULT_AFTER_ID, digitsEnd))
      return false;
    return fill(line, match, digitsStart, digitsEnd, digitsEnd + RESULT_AFTER_ID.length, last);
  }
  return false;
}

function fill(
  line: string,
  match: ResultLineMatch,
  digitsStart: number,
  digitsEnd: number,
  start: number,
  end: number,
): boolean {
  // The result must be one object: the `{` at `start` closes just before `end` (otherwise other members sit
  // between it and the id, as in `"result":{…},"x":{…}`).
  if (end - start < 2 || line.charCodeAt(start) !== 0x7b || line.charCodeAt(end - 1) !== 0x7d) return false;
  if (closingBrace(line, start, end) !== end - 1) return false;
  match.id = Number(line.slice(digitsStart, digitsEnd));
  match.start = start;
  match.end = end;
  return true;
}

/**
 * The index of the `}` that closes the object opening at `start`, or -1 when none does before `end`. It does not
 * validate the JSON (the peer's text is trusted), it only tells where the object ends: strings are skipped with
 * `indexOf`, so text costs little; brackets are counted.
 */
function closingBrace(line: string, start: number, end: number): number {
  // Open brackets as bits, 1 for `{` and 0 for `[`, innermost lowest: each closing bracket must match its kind.
  // Deeper than MAX_TRACKED_DEPTH, the parser decides.
  let depth = 0;
  let kinds = 0;
  for (let index = start; index < end; index++) {
    const code = line.charCodeAt(index);
    if (code === 0x22) {
      // The closing quote is the next one not escaped, i.e. not preceded by an odd number of backslashes.
      for (;;) {
        index = line.indexOf('"', index + 1);
        if (index < 0 || index >= end) return -1;
        let backslashes = 0;
        while (line.charCodeAt(index - 1 - backslashes) === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
      }
    } else if (code === 0x7b || code === 0x5b) {
      if (++depth > MAX_TRACKED_DEPTH) return -1;
      kinds = kinds * 2 + (code === 0x7b ? 1 : 0);
    } else if (code === 0x7d || code === 0x5d) {
      if (depth === 0 || kinds % 2 !== (code === 0x7d ? 1 : 0)) return -1;
      kinds = Math.floor(kinds / 2);
      if (--depth === 0) return index;
    }
  }
  return -1;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** One to {@link MAX_ID_DIGITS} digits, no leading zero. */
function validDigits(line: string, start: number, end: number): boolean {
  const count = end - start;
  return count >= 1 && count <= MAX_ID_DIGITS && (count === 1 || line.charCodeAt(start) !== 0x30);
}
