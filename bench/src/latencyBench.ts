import { performance } from "node:perf_hooks";
import { alternate, type BenchContext, sessionOf, withSideSessions } from "./benchContext.js";
import { ECHO_MESSAGE } from "./callLoops.js";
import { compareCpu, type CpuComparison, type CpuPerCall, measureCpuPerCall } from "./cpuMeter.js";
import { compare, type Comparison, emptyRounds, percentile, type Side } from "./stats.js";

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
  /** CPU µs per sequential call of each process, medians over rounds. */
  readonly cpuPerCallUs: CpuComparison;
}

/** Runs item 1: one call at a time, each timed from send to result. */
export async function runLatencyBench(context: BenchContext): Promise<LatencyResult> {
  const { rounds, warmupMs, latencyCallsPerRound } = context.plan;
  const p50 = emptyRounds();
  const p99 = emptyRounds();
  const cpu: Record<Side, CpuPerCall[]> = { direct: [], floor: [], gateway: [] };
  await withSideSessions(context, async (sessions) => {
    await alternate(context, rounds, async (side) => {
      const session = sessionOf(sessions, side);
      const samples: number[] = [];
      const measured = await measureCpuPerCall(session.processes(), async () => {
        for (let call = 0; call < latencyCallsPerRound; call++) {
          const start = performance.now();
          await session.echo(ECHO_MESSAGE);
          samples.push(performance.now() - start);
        }
        return latencyCallsPerRound;
      });
      p50[side].push(percentile(samples, 50));
      p99[side].push(percentile(samples, 99));
      cpu[side].push(measured.cpu);
    });
  });
  return {
    warmupMs,
    callsPerRound: latencyCallsPerRound,
    rounds,
    p50: compare("ms", p50),
    p99: compare("ms", p99),
    cpuPerCallUs: compareCpu(cpu),
  };
}
