import { performance } from "node:perf_hooks";
import { alternate, type BenchContext, sessionOf, withSessionPair } from "./benchContext.js";
import type { BenchSession, Side } from "./benchSession.js";
import { ECHO_MESSAGE } from "./latencyBench.js";
import { compare, type Comparison } from "./stats.js";

/** Calls each session makes before any block is timed (JIT, buffers, the gateway's lazy start). */
const THROUGHPUT_WARMUP_CALLS = 300;
const WARMUP_CONCURRENCY = 8;

/** Item 2: completed calls per second with a fixed number of calls in flight. */
export interface ThroughputResult {
  readonly blockMs: number;
  readonly rounds: number;
  readonly levels: readonly { readonly concurrency: number; readonly callsPerSecond: Comparison }[];
}

/** Runs item 2: for each concurrency, alternating timed blocks on each side. */
export async function runThroughputBench(context: BenchContext): Promise<ThroughputResult> {
  const { rounds, throughputConcurrencies, throughputBlockMs } = context.plan;
  const levels: { concurrency: number; callsPerSecond: Comparison }[] = [];
  await withSessionPair(context, async (sessions) => {
    for (const session of Object.values(sessions)) {
      await runCalls(session, WARMUP_CONCURRENCY, THROUGHPUT_WARMUP_CALLS);
    }
    for (const concurrency of throughputConcurrencies) {
      const perRound: Record<Side, number[]> = { direct: [], gateway: [] };
      await alternate(context, rounds, async (side) => {
        perRound[side].push(
          await measureCallsPerSecond(sessionOf(sessions, side), concurrency, throughputBlockMs),
        );
      });
      levels.push({ concurrency, callsPerSecond: compare("calls/s", perRound.direct, perRound.gateway) });
    }
  });
  return { blockMs: throughputBlockMs, rounds, levels };
}

/**
 * Keeps `concurrency` echo calls in flight for `durationMs` (each worker starts its next call as soon as its
 * previous one completes) and returns completed calls per second, counting the tail of in-flight calls.
 */
export async function measureCallsPerSecond(
  session: BenchSession,
  concurrency: number,
  durationMs: number,
): Promise<number> {
  let completed = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await session.echo(ECHO_MESSAGE, completed);
      completed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return completed / ((performance.now() - start) / 1000);
}

/**
 * Makes exactly `total` echo calls with `concurrency` in flight, spreading them over the session's backends
 * round-robin.
 */
export async function runCalls(session: BenchSession, concurrency: number, total: number): Promise<void> {
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < total) {
      const index = started++;
      await session.echo(ECHO_MESSAGE, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}
