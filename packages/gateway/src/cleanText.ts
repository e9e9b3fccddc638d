/**
 * Text from a backend that reaches the model (tool descriptions and titles, prompt descriptions) is cleaned of
 * what a person reading the same text would never see: Unicode tag characters (U+E0000–E007F, which spell
 * hidden ASCII), bidirectional controls, zero-width characters, terminal escape sequences and other control
 * characters; and it is capped in length. Tool poisoning hides instructions exactly there.
 */

/** Longest description that reaches the model (characters); the rest is cut with a marker. */
export const MAX_DESCRIPTION_LENGTH = 4_000;
/** Longest title that reaches the model (characters). */
export const MAX_TITLE_LENGTH = 200;

/** What cleaning removed, by kind, for debug logs and `doctor`. */
export interface RemovedCounts {
  tags: number;
  bidi: number;
  zeroWidth: number;
  escapes: number;
  controls: number;
  /** Characters cut by the length cap. */
  truncated: number;
}

export function emptyCounts(): RemovedCounts {
  return { tags: 0, bidi: 0, zeroWidth: 0, escapes: 0, controls: 0, truncated: 0 };
}

/** Adds `counts` into `total`. */
export function addCounts(total: RemovedCounts, counts: RemovedCounts): void {
  for (const key of Object.keys(total) as (keyof RemovedCounts)[]) total[key] += counts[key];
}

export function totalRemoved(counts: RemovedCounts): number {
  return Object.values(counts).reduce((sum, value) => sum + value, 0);
}

/** E.g. "3 tag characters, 1 escape sequence". */
export function describeCounts(counts: RemovedCounts): string {
  const names: Record<keyof RemovedCounts, [string, string]> = {
    tags: ["tag character", "tag characters"],
    bidi: ["bidi control", "bidi controls"],
    zeroWidth: ["zero-width character", "zero-width characters"],
    escapes: ["escape sequence", "escape sequences"],
    controls: ["control character", "control characters"],
    truncated: ["character over the length cap", "characters over the length cap"],
  };
  return (Object.keys(names) as (keyof RemovedCounts)[])
    .filter((key) => counts[key] > 0)
    .map((key) => `${counts[key]} ${names[key][counts[key] === 1 ? 0 : 1]}`)
    .join(", ");
}

// ESC [ … final byte (CSI), ESC ] … BEL or ESC \ (OSC), ESC P/X/^/_ … ESC \ (DCS, SOS, PM, APC), and any other
// two-character ESC sequence; the 8-bit CSI (U+009B) form too.
const ESCAPES =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[PX^_][^\u001b]*(?:\u001b\\)?|\u001b[ -~]?/g;
const TAGS = /[\u{E0000}-\u{E007F}]/gu;
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
// Zero-width and invisible characters: spaces, joiners, soft hyphen, grapheme joiner, Hangul and Khmer fillers,
// variation selectors (which can smuggle bytes), the byte order mark.
const ZERO_WIDTH =
  // eslint-disable-next-line no-misleading-character-class -- combining marks are listed on purpose: they are removed
  /[\u00AD\u034F\u115F\u1160\u17B4\u17B5\u180E\u200B-\u200D\u2060-\u2064\u3164\uFE00-\uFE0F\uFEFF\uFFA0\u{E0100}-\u{E01EF}]/gu;
// C0 controls but tab, line feed and carriage return; DEL; C1 controls.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

function strip(text: string, pattern: RegExp, counts: RemovedCounts, key: keyof RemovedCounts): string {
  return text.replace(pattern, (match) => {
    // Escape sequences are counted as sequences, everything else as characters.
    counts[key] += key === "escapes" ? 1 : [...match].length;
    return "";
  });
}

/** `text` cleaned and capped at `maxLength`; what was removed is added to `counts`. */
export function cleanText(text: string, maxLength: number, counts: RemovedCounts = emptyCounts()): string {
  let cleaned = strip(text, ESCAPES, counts, "escapes");
  cleaned = strip(cleaned, TAGS, counts, "tags");
  cleaned = strip(cleaned, BIDI, counts, "bidi");
  cleaned = strip(cleaned, ZERO_WIDTH, counts, "zeroWidth");
  cleaned = strip(cleaned, CONTROLS, counts, "controls");
  const characters = [...cleaned];
  if (characters.length > maxLength) {
    counts.truncated += characters.length - maxLength;
    cleaned = `${characters.slice(0, maxLength - 1).join("")}…`;
  }
  return cleaned;
}

/** Fast check: true when `text` needs no cleaning (the common case: plain text of a sane length). */
export function isClean(text: string, maxLength: number): boolean {
  if (text.length > maxLength) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 ? code !== 0x09 && code !== 0x0a && code !== 0x0d : code >= 0x7f && code <= 0x9f)
      return false;
    // Zero-width and bidi marks, bidi embeddings and overrides, word joiner to bidi isolates.
    if (
      (code >= 0x200b && code <= 0x200f) ||
      (code >= 0x202a && code <= 0x202e) ||
      (code >= 0x2060 && code <= 0x2069)
    )
      return false;
    if (code === 0x061c || code === 0x180e || code === 0xfeff) return false;
    if (
      code === 0xad ||
      code === 0x34f ||
      code === 0x115f ||
      code === 0x1160 ||
      code === 0x17b4 ||
      code === 0x17b5
    )
      return false;
    if (code === 0x3164 || code === 0xffa0 || (code >= 0xfe00 && code <= 0xfe0f)) return false;
    if (
      code >= 0xd800 &&
      code <= 0xdbff &&
      text.codePointAt(i)! >= 0xe0000 &&
      text.codePointAt(i)! <= 0xe01ef
    )
      return false;
  }
  return true;
}

/** A schema (or any JSON) with every string `description` and `title` cleaned; copied only where changed. */
function cleanSchema(value: unknown, counts: RemovedCounts, depth = 0): unknown {
  if (value === null || typeof value !== "object") return value;
  // Deeper than a schema ever needs: the rest is cleaned through JSON's own walk, which has no such limit here.
  if (depth > MAX_WALK_DEPTH) return cleanDeep(value, counts);
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item) => {
      const cleaned = cleanSchema(item, counts, depth + 1);
      if (cleaned !== item) changed = true;
      return cleaned;
    });
    return changed ? items : value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    let cleaned: unknown;
    if ((key === "description" || key === "title") && typeof item === "string") {
      const max = key === "title" ? MAX_TITLE_LENGTH : MAX_DESCRIPTION_LENGTH;
      cleaned = isClean(item, max) ? item : cleanText(item, max, counts);
    } else cleaned = cleanSchema(item, counts, depth + 1);
    if (cleaned !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = cleaned;
  }
  return copy ?? value;
}

const MAX_WALK_DEPTH = 64;

/** Every string `description` and `title` under `value` cleaned, at any depth (a copy). */
function cleanDeep(value: object, counts: RemovedCounts): unknown {
  return JSON.parse(JSON.stringify(value), (key: string, item: unknown) => {
    if ((key !== "description" && key !== "title") || typeof item !== "string") return item;
    const max = key === "title" ? MAX_TITLE_LENGTH : MAX_DESCRIPTION_LENGTH;
    return isClean(item, max) ? item : cleanText(item, max, counts);
  }) as unknown;
}

/**
 * A tool as the model may see it: its description, title, and the descriptions and titles inside its schemas
 * cleaned and capped (see {@link cleanText}). The tool itself is returned when nothing needed cleaning.
 */
export function cleanTool<T extends { description?: unknown; title?: unknown }>(
  tool: T,
  counts: RemovedCounts,
): T {
  return cleanSchema(tool, counts) as T;
}
