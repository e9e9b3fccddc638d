/**
 * Splits a stream of UTF-8 text chunks (a readable with `setEncoding("utf8")`) into lines without the `\n`.
 * Only the new chunk is searched for a newline and the pieces of a line that spans chunks are joined once, so a
 * 5 MiB line arriving in 64 KiB chunks costs one copy, not one per chunk.
 */
export class LineSplitter {
  private pending: string[] = [];

  /** The complete lines ending in `chunk`, in order; a trailing partial line is kept for the next chunk. */
  push(chunk: string): string[] {
    const lines: string[] = [];
    let start = 0;
    let newline = chunk.indexOf("\n");
    while (newline !== -1) {
      let line = chunk.slice(start, newline);
      if (this.pending.length > 0) {
        this.pending.push(line);
        line = this.pending.join("");
        this.pending = [];
      }
      lines.push(line);
      start = newline + 1;
      newline = chunk.indexOf("\n", start);
    }
    if (start < chunk.length) this.pending.push(start === 0 ? chunk : chunk.slice(start));
    return lines;
  }
}
