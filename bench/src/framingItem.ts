import { type FramingBenchResult, runFramingBench } from "./framing.js";

/** Item 7 as stored in latest.json: `runFramingBench`'s result verbatim. */
export type FramingItemResult = FramingBenchResult;

/**
 * Runs item 7: framing throughput of @mcpware/protocol's `NdjsonMessageReader` against a split-lines +
 * `JSON.parse` baseline, in this process (no child), plus the one-line memory runs at and over the size cap.
 */
export function runFramingItem(quick: boolean): Promise<FramingItemResult> {
  return runFramingBench({ quick });
}
