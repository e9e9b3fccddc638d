import { performance } from "node:perf_hooks";
import { type BenchContext, closeSession } from "./benchContext.js";
import { BenchSession } from "./benchSession.js";
import { median, roundTo3 } from "./stats.js";

/** Discovery timings of one configuration, ms: medians over rounds. */
export interface DiscoveryTiming {
  /** First discovery of a fresh session: backends not yet started (gateway: lazy start of all of them;
   * direct: spawn + `initialize` + `tools/list`). */
  readonly coldMs: number;
  /** Later discoveries, backends ready: median of the warm calls, then median over rounds. */
  readonly warmMs: number;
  readonly coldRounds: readonly number[];
  readonly warmRounds: readonly number[];
}

/** Item 4: `discover_backend_tools` with 1, 4 and 16 backends, against `tools/list` on one direct backend. */
export interface DiscoveryResult {
  readonly rounds: number;
  readonly warmCalls: number;
  readonly direct: DiscoveryTiming;
  readonly gateway: readonly ({ readonly backends: number } & DiscoveryTiming)[];
  /** Warm discovery of the largest count / warm discovery of one backend (the goal: ≤ 1.5). */
  readonly warmScaleRatio: number | null;
  /** Cold discovery of the largest count / cold discovery of one backend (bounded by cores: every start is
   * a Node process booting). */
  readonly coldScaleRatio: number | null;
  /** Warm discovery through mcpware with one backend / warm `tools/list` direct. */
  readonly warmRatioOneBackend: number | null;
}

/**
 * Runs item 4. Each round: a fresh direct server (cold = spawn to `tools/list` result), then for each backend
 * count a fresh gateway (cold = its first `discover_backend_tools`, which starts every backend), then warm calls
 * alternating a direct `tools/list` and a gateway discovery.
 */
export async function runDiscoveryBench(context: BenchContext): Promise<DiscoveryResult> {
  const { discoveryRounds, discoveryWarmCalls, discoveryBackendCounts } = context.plan;
  const direct = { cold: [] as number[], warm: [] as number[] };
  const gateway = new Map<number, { cold: number[]; warm: number[] }>(
    discoveryBackendCounts.map((count) => [count, { cold: [], warm: [] }]),
  );
  for (let round = 0; round < discoveryRounds; round++) {
    const start = performance.now();
    const directSession = await BenchSession.open(context.environment, "direct");
    try {
      await directSession.discover();
      direct.cold.push(performance.now() - start);
      const directWarm: number[] = [];
      for (const count of context.gatewayAvailable ? discoveryBackendCounts : []) {
        const timings = gateway.get(count) as { cold: number[]; warm: number[] };
        const gatewaySession = await BenchSession.open(context.environment, "gateway", count);
        try {
          timings.cold.push(await time(() => gatewaySession.discover()));
          const gatewayWarm: number[] = [];
          for (let call = 0; call < discoveryWarmCalls; call++) {
            directWarm.push(await time(() => directSession.discover()));
            gatewayWarm.push(await time(() => gatewaySession.discover()));
          }
          timings.warm.push(median(gatewayWarm));
        } finally {
          await closeSession(context, gatewaySession);
        }
      }
      if (!context.gatewayAvailable) {
        for (let call = 0; call < discoveryWarmCalls; call++)
          directWarm.push(await time(() => directSession.discover()));
      }
      direct.warm.push(median(directWarm));
    } finally {
      await closeSession(context, directSession);
    }
  }
  const gatewayTimings = [...gateway.entries()]
    .filter(([, timings]) => timings.cold.length > 0)
    .map(([backends, timings]) => ({ backends, ...summarize(timings) }));
  const smallest = gatewayTimings[0];
  const largest = gatewayTimings[gatewayTimings.length - 1];
  const directTiming = summarize(direct);
  return {
    rounds: discoveryRounds,
    warmCalls: discoveryWarmCalls,
    direct: directTiming,
    gateway: gatewayTimings,
    warmScaleRatio: smallest && largest && smallest !== largest ? largest.warmMs / smallest.warmMs : null,
    coldScaleRatio: smallest && largest && smallest !== largest ? largest.coldMs / smallest.coldMs : null,
    warmRatioOneBackend: smallest?.backends === 1 ? smallest.warmMs / directTiming.warmMs : null,
  };
}

async function time(operation: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await operation();
  return performance.now() - start;
}

function summarize(timings: { cold: number[]; warm: number[] }): DiscoveryTiming {
  return {
    coldMs: median(timings.cold),
    warmMs: median(timings.warm),
    coldRounds: timings.cold.map(roundTo3),
    warmRounds: timings.warm.map(roundTo3),
  };
}
