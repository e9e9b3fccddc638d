import {
  STDERR_MAX_LINE_BYTES,
  STDERR_RING_BYTES,
  STDERR_TAIL_BYTES,
  STDERR_TAIL_LINES,
} from "./defaults.js";

/**
 * Splits a backend's stderr into lines and keeps the newest ones within a byte budget. Never grows past
 * `maxBytes` (plus one partial line of at most `maxLineBytes`).
 */
export class StderrRing {
  readonly #maxBytes: number;
  readonly #maxLineBytes: number;
  #lines: string[] = [];
  #head = 0;
  #bytes = 0;
  #partial = "";

  constructor(options: { maxBytes?: number; maxLineBytes?: number } = {}) {
    this.#maxBytes = options.maxBytes ?? STDERR_RING_BYTES;
    this.#maxLineBytes = options.maxLineBytes ?? STDERR_MAX_LINE_BYTES;
  }

  /** Feed a decoded chunk; returns the complete lines it finished (without `\r\n`). */
  push(chunk: string): string[] {
    const parts = (this.#partial + chunk).split("\n");
    this.#partial = parts.pop() ?? "";
    if (this.#partial.length > this.#maxLineBytes) {
      parts.push(this.#partial);
      this.#partial = "";
    }
    const lines: string[] = [];
    for (const part of parts) {
      let line = part.endsWith("\r") ? part.slice(0, -1) : part;
      if (line.length > this.#maxLineBytes) line = `${line.slice(0, this.#maxLineBytes)}…`;
      this.#add(line);
      lines.push(line);
    }
    return lines;
  }

  /** Flush a final line without a newline (at stream end). */
  flush(): string[] {
    if (this.#partial === "") return [];
    const line = this.#partial;
    this.#partial = "";
    this.#add(line);
    return [line];
  }

  /** The newest lines: at most `maxLines`, and at most `maxBytes` characters in total. */
  tail(maxLines = STDERR_TAIL_LINES, maxBytes = STDERR_TAIL_BYTES): string[] {
    const out: string[] = [];
    let bytes = 0;
    for (let i = this.#lines.length - 1; i >= this.#head && out.length < maxLines; i--) {
      const line = this.#lines[i] ?? "";
      if (bytes + line.length > maxBytes) {
        if (out.length === 0) out.push(line.slice(line.length - maxBytes));
        break;
      }
      bytes += line.length + 1;
      out.push(line);
    }
    return out.reverse();
  }

  /** Characters currently kept (a bound check for tests). */
  get size(): number {
    return this.#bytes;
  }

  #add(line: string): void {
    this.#lines.push(line);
    this.#bytes += line.length + 1;
    while (this.#bytes > this.#maxBytes && this.#head < this.#lines.length) {
      this.#bytes -= (this.#lines[this.#head] ?? "").length + 1;
      this.#head++;
    }
    // Compact once the dropped prefix dominates, so the array stays proportional to what is kept.
    if (this.#head > 1024 && this.#head * 2 > this.#lines.length) {
      this.#lines = this.#lines.slice(this.#head);
      this.#head = 0;
    }
  }
}
