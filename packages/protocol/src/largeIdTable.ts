import { randomBytes } from "node:crypto";

const PLACEHOLDER_PREFIX = "\u0000mcpware-large-id:";
const INTEGER_LITERAL = /^-?(?:0|[1-9][0-9]*)$/;

/**
 * Keeps request ids that are integers beyond 2^53 exact across a reader and a writer.
 *
 * `JSON.parse` turns `9007199254740993` into `9007199254740992`, so a reply built from the parsed value would
 * carry the wrong id. Share one table between an {@link NdjsonMessageReader} and an {@link NdjsonMessageWriter}
 * (option `largeIds`): the reader replaces such an id with a placeholder string registered here (the raw digits
 * from the line text); the writer, when it writes a message whose `id` is a live placeholder, writes the raw
 * digits back verbatim and releases the entry. Placeholders carry a random per-table nonce, so a peer cannot
 * forge one.
 *
 * Whoever drops a request without replying (a cancelled request whose response is suppressed) calls
 * {@link LargeIdTable.release}, otherwise the entry stays until the table is cleared.
 */
export class LargeIdTable {
  readonly #nonce = randomBytes(6).toString("hex");
  readonly #rawByPlaceholder = new Map<string, string>();
  #sequence = 0;

  /** Register the raw digits of an id and return a fresh placeholder for it (unique even for equal digits). */
  register(rawDigits: string): string {
    if (!INTEGER_LITERAL.test(rawDigits)) {
      throw new TypeError(
        `LargeIdTable.register: rawDigits must be an integer literal, got ${JSON.stringify(rawDigits)}`,
      );
    }
    this.#sequence += 1;
    const placeholder = `${PLACEHOLDER_PREFIX}${this.#nonce}:${this.#sequence}:${rawDigits}`;
    this.#rawByPlaceholder.set(placeholder, rawDigits);
    return placeholder;
  }

  /** True when `id` is a live placeholder of this table. */
  isPlaceholder(id: unknown): id is string {
    return typeof id === "string" && this.#rawByPlaceholder.has(id);
  }

  /** The raw digits behind a live placeholder (e.g. `"9007199254740993"`), or `undefined`. */
  rawOf(id: unknown): string | undefined {
    return typeof id === "string" ? this.#rawByPlaceholder.get(id) : undefined;
  }

  /**
   * The live placeholders whose raw digits denote `id`: a string of digits must match exactly; a number matches
   * every entry whose digits parse to the same double (what a lossy `JSON.parse` of the id produced, e.g. a
   * `requestId` inside `notifications/cancelled` params). Most recent first.
   */
  findPlaceholders(id: string | number): string[] {
    const found: string[] = [];
    for (const [placeholder, raw] of this.#rawByPlaceholder) {
      if (typeof id === "string" ? raw === id : Number(raw) === id) found.unshift(placeholder);
    }
    return found;
  }

  /** Forget a placeholder whose reply will never be written. Idempotent; returns whether it was live. */
  release(id: unknown): boolean {
    return typeof id === "string" && this.#rawByPlaceholder.delete(id);
  }

  /** Number of live placeholders. */
  get size(): number {
    return this.#rawByPlaceholder.size;
  }

  /** Forget every placeholder (e.g. when the connection closes). */
  clear(): void {
    this.#rawByPlaceholder.clear();
  }
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

/** True when `text` is a plain integer literal (no fraction, no exponent). */
export function isIntegerLiteral(text: string): boolean {
  return INTEGER_LITERAL.test(text);
}
