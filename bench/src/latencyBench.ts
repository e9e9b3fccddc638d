import { performance } from "node:perf_hooks";
import { alternate, type BenchContext, sessionOf, withSessionPair } from "./benchContext.js";
import type { Side } from "./benchSession.js";
import { ECHO_MESSAGE } from "./callLoops.js";
import { compare, type Comparison, percentile } from "./stats.js";

/** Item 1: sequential `echo` latency after warm-up. */
export interface LatencyResult {
  /** Sustained load on each side before the rounds. */
  readonly warmupMs: number;
  readonly callsPerRound: number;
  readonly rounds: number;
  /** Median over rounds of each round's p50, in ms. */
  readonly p50: Comparison;
  /** Median over rounds of each round's p99, in ms. */
  readonly p99: Comparison;
}

/** Runs item 1: one call at a time, each timed from send to result. */
export async function runLatencyBench(context: BenchContext): Promise<LatencyResult> {
  const { rounds, warmupMs, latencyCallsPerRound } = context.plan;
  const p50: Record<Side, number[]> = { direct: [], gateway: [] };
  const p99: Record<Side, number[]> = { direct: [], gateway: [] };
  await withSessionPair(context, async (sessions) => {
    await alternate(context, rounds, async (side) => {
      const session = sessionOf(sessions, side);
      const samples: number[] = [];
      for (let call = 0; call < latencyCallsPerRound; call++) {
        const start = performance.now();
        await session.echo(ECHO_MESSAGE);
        samples.push(performance.now() - start);
      }
      p50[side].push(percentile(samples, 50));
      p99[side].push(percentile(samples, 99));
    });
  });
  return {
    warmupMs,
    callsPerRound: latencyCallsPerRound,
    rounds,
    p50: compare("ms", p50.direct, p50.gateway),
    p99: compare("ms", p99.direct, p99.gateway),
  };
}
