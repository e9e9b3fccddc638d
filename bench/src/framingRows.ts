import type { FramingItemResult } from "./framingItem.js";
import type { TableRow } from "./markdownReport.js";

const MAX_FRAMING_ROWS = 12;

/**
 * Table rows for item 7. INTEGRATION POINT: until the shape of `FramingBenchResult` is known, every numeric
 * leaf of the result becomes a row under the protocol column.
 */
export function framingRows(framing: FramingItemResult): TableRow[] {
  if (framing.unavailable !== undefined) {
    return [{ item: 7, measure: `framing: ${framing.unavailable}`, direct: "—", gateway: "—", ratio: "—" }];
  }
  const rows: TableRow[] = [];
  const visit = (value: unknown, path: string): void => {
    if (typeof value === "number") {
      rows.push({ item: 7, measure: `framing ${path}`, direct: "—", gateway: String(value), ratio: "—" });
    } else if (value !== null && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) visit(child, path === "" ? key : `${path}.${key}`);
    }
  };
  visit(framing.result, "");
  return rows.slice(0, MAX_FRAMING_ROWS);
}
