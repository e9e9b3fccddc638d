import type { FramingItemResult } from "./framingItem.js";
import { formatNumber, type TableRow } from "./markdownReport.js";
import { BYTES_PER_MIB } from "./procfs.js";

const DASH = "—";

/** A message size as the table prints it (`200 B`, `10 KiB`, `1 MiB`). */
export function formatMessageSize(bytes: number): string {
  if (bytes >= BYTES_PER_MIB) return `${trim(bytes / BYTES_PER_MIB)} MiB`;
  if (bytes >= 1024) return `${trim(bytes / 1024)} KiB`;
  return `${bytes} B`;
}

function trim(value: number): string {
  return Number.isInteger(value) ? String(value) : formatNumber(value);
}

/**
 * Table rows for item 7. There is no gateway here: the "direct" column holds the baseline reader (split lines +
 * `JSON.parse`), the "mcpware" column @mcpware/protocol's reader, and the ratio is ours / baseline (higher is
 * better). The one-line memory runs fill the mcpware column only.
 */
export function framingRows(framing: FramingItemResult): TableRow[] {
  const rows: TableRow[] = framing.throughput.map((entry) => ({
    item: 7,
    measure: `framing ${formatMessageSize(entry.messageBytes)} messages (MB/s; direct = split + JSON.parse)`,
    direct: formatNumber(entry.baseline.mbPerSec),
    gateway: formatNumber(entry.ours.mbPerSec),
    ratio: `${entry.ratio.toFixed(2)} (by CPU time ${entry.cpuRatio.toFixed(2)})`,
  }));
  for (const memory of framing.memory) {
    rows.push({
      item: 7,
      measure:
        `framing one ${formatMessageSize(memory.lineBytes)} line (${memory.case}): peak RSS growth MiB, ` +
        `longest stall ${formatNumber(memory.longestStallMs)} ms` +
        (memory.errors.length > 0 ? `, ${memory.errors.join(", ")}` : ""),
      direct: DASH,
      gateway: formatNumber(memory.peakRssGrowthBytes / BYTES_PER_MIB),
      ratio: DASH,
    });
  }
  return rows;
}
