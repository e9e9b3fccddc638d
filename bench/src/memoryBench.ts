import { setTimeout as delay } from "node:timers/promises";
import { type BenchContext, withSession } from "./benchContext.js";
import type { BenchSession } from "./benchSession.js";
import { BYTES_PER_MIB, readRssBytes, rssMiB } from "./procfs.js";
import { roundTo3 } from "./stats.js";
import { runCalls, warmUp } from "./callLoops.js";

/** Pause before reading RSS so that in-flight work and the sockets' buffers settle. */
const SETTLE_MS = 1000;
/** RSS is sampled after every chunk of this many calls (often enough for the trend to see through GC cycles). */
const SAMPLE_EVERY_CALLS = 2_000;
const LOG_EVERY_CALLS = 10_000;

/** RSS of the gateway's backends, MiB. */
export interface BackendsRss {
  readonly count: number;
  readonly totalMiB: number;
  readonly maxMiB: number;
}

/** Item 5: the gateway's resident memory at rest, with its backends started, and across many calls. */
export interface MemoryResult {
  readonly backends: number;
  readonly calls: number;
  readonly concurrency: number;
  /** Gateway RSS after `initialize`, no backend started. */
  readonly idleMiB: number;
  /** Gateway RSS with every backend started (after one discovery) and idle. */
  readonly backendsStartedMiB: number;
  /** Gateway RSS after the warm-up (`plan.warmupMs` of load over every backend): the baseline of the growth. */
  readonly baselineMiB: number;
  /** Gateway RSS after `calls` more calls and a pause. */
  readonly afterCallsMiB: number;
  /** afterCallsMiB − baselineMiB: depends on where in its GC cycle the heap happens to be at both reads. */
  readonly growthMiB: number;
  /**
   * The least-squares slope of RSS over the samples, times the calls: the growth the whole run shows with the
   * GC sawtooth averaged out (the goal: < 10 MiB).
   */
  readonly trendGrowthMiB: number;
  /** Highest gateway RSS seen between chunks of calls. */
  readonly peakMiB: number;
  readonly samples: readonly { readonly calls: number; readonly rssMiB: number }[];
  readonly backendsRssStarted: BackendsRss;
  readonly backendsRssAfterCalls: BackendsRss;
}

/**
 * Runs item 5 (gateway only: there is no gateway process on the direct side). The calls are spread round-robin
 * over every backend, `memoryConcurrency` in flight.
 */
export async function runMemoryBench(context: BenchContext): Promise<MemoryResult | undefined> {
  if (!context.gatewayAvailable) return undefined;
  const { memoryBackendCount, warmupMs, memoryCalls, memoryConcurrency } = context.plan;
  return withSession(context, "gateway", memoryBackendCount, async (session) => {
    await delay(SETTLE_MS);
    const idleMiB = rssMiB(session.pid);
    await session.discover();
    await delay(SETTLE_MS);
    const backendsStartedMiB = rssMiB(session.pid);
    const backendsRssStarted = backendsRss(session);
    await warmUp(session, warmupMs);
    await delay(SETTLE_MS);
    const baselineMiB = rssMiB(session.pid);
    const samples = [{ calls: 0, rssMiB: baselineMiB }];
    for (let done = 0; done < memoryCalls;) {
      const chunk = Math.min(SAMPLE_EVERY_CALLS, memoryCalls - done);
      await runCalls(session, memoryConcurrency, chunk);
      done += chunk;
      samples.push({ calls: done, rssMiB: rssMiB(session.pid) });
      if (done % LOG_EVERY_CALLS === 0) {
        context.log(`  memory: ${done} calls, gateway RSS ${samples[samples.length - 1]?.rssMiB} MiB`);
      }
    }
    await delay(SETTLE_MS);
    const afterCallsMiB = rssMiB(session.pid);
    return {
      backends: memoryBackendCount,
      calls: memoryCalls,
      concurrency: memoryConcurrency,
      idleMiB,
      backendsStartedMiB,
      baselineMiB,
      afterCallsMiB,
      growthMiB: roundTo3(afterCallsMiB - baselineMiB),
      trendGrowthMiB: roundTo3(slope(samples) * memoryCalls),
      peakMiB: Math.max(...samples.map((sample) => sample.rssMiB), afterCallsMiB),
      samples,
      backendsRssStarted,
      backendsRssAfterCalls: backendsRss(session),
    };
  });
}

/** Least-squares slope of RSS (MiB) over calls. */
export function slope(samples: readonly { readonly calls: number; readonly rssMiB: number }[]): number {
  const count = samples.length;
  if (count < 2) return 0;
  const meanX = samples.reduce((sum, sample) => sum + sample.calls, 0) / count;
  const meanY = samples.reduce((sum, sample) => sum + sample.rssMiB, 0) / count;
  let covariance = 0;
  let variance = 0;
  for (const sample of samples) {
    covariance += (sample.calls - meanX) * (sample.rssMiB - meanY);
    variance += (sample.calls - meanX) ** 2;
  }
  return variance === 0 ? 0 : covariance / variance;
}

function backendsRss(session: BenchSession): BackendsRss {
  const values = session
    .descendantPids()
    .map((pid) => readRssBytes(pid))
    .filter((bytes): bytes is number => bytes !== undefined)
    .map((bytes) => bytes / BYTES_PER_MIB);
  return {
    count: values.length,
    totalMiB: roundTo3(values.reduce((sum, value) => sum + value, 0)),
    maxMiB: roundTo3(values.length > 0 ? Math.max(...values) : 0),
  };
}
