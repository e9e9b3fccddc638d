/**
 * INTEGRATION POINT (item 7). `./framing.ts` is written by another engineer and exports
 * `runFramingBench(options?): Promise<FramingBenchResult>` (framing throughput of @mcpware/protocol against a
 * split-lines + JSON.parse baseline). Until it lands, it is loaded through a computed specifier so this package
 * compiles without it; once it exists this becomes a static import with its real types.
 */
export interface FramingItemResult {
  /** Whatever `runFramingBench` returned, kept verbatim in latest.json. */
  readonly result?: unknown;
  /** Why item 7 has no figures (module missing, or it threw). */
  readonly unavailable?: string;
}

const FRAMING_MODULE = "./framing.js";

/** Runs item 7 through `runFramingBench`, passing `{ quick }`. */
export async function runFramingItem(quick: boolean): Promise<FramingItemResult> {
  let framing: { runFramingBench?: (options?: { quick?: boolean }) => Promise<unknown> };
  try {
    framing = (await import(FRAMING_MODULE)) as typeof framing;
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_MODULE_NOT_FOUND") {
      return { unavailable: "bench/src/framing.ts is not there yet" };
    }
    throw error;
  }
  if (typeof framing.runFramingBench !== "function") {
    return { unavailable: "bench/src/framing.ts does not export runFramingBench" };
  }
  return { result: await framing.runFramingBench({ quick }) };
}
