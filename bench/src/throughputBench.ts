import { performance } from "node:perf_hooks";
import { alternate, type BenchContext, sessionOf, withSideSessions } from "./benchContext.js";
import { runForDuration } from "./callLoops.js";
import { compareCpu, type CpuComparison, type CpuPerCall, measureCpuPerCall } from "./cpuMeter.js";
import { compare, type Comparison, emptyRounds, type Side } from "./stats.js";

/** Item 2: completed calls per second with a fixed number of calls in flight. */
export interface ThroughputResult {
  readonly blockMs: number;
  readonly rounds: number;
  readonly levels: readonly ThroughputLevel[];
}

/** One concurrency level: calls/s, and CPU µs per call of every process (medians over rounds). */
export interface ThroughputLevel {
  readonly concurrency: number;
  readonly callsPerSecond: Comparison;
  /** CPU µs per call: all processes, the middle one (floor relay, gateway), the client, the backend. */
  readonly cpuPerCallUs: CpuComparison;
}

/** Runs item 2: for each concurrency, timed blocks on each side in rotating order. */
export async function runThroughputBench(context: BenchContext): Promise<ThroughputResult> {
  const { rounds, throughputConcurrencies, throughputBlockMs } = context.plan;
  const levels: ThroughputLevel[] = [];
  await withSideSessions(context, async (sessions) => {
    for (const concurrency of throughputConcurrencies) {
      const rates = emptyRounds();
      const cpu: Record<Side, CpuPerCall[]> = { direct: [], floor: [], gateway: [] };
      await alternate(context, rounds, async (side) => {
        const session = sessionOf(sessions, side);
        const start = performance.now();
        const measured = await measureCpuPerCall(session.processes(), () =>
          runForDuration(session, concurrency, throughputBlockMs),
        );
        rates[side].push(measured.calls / ((performance.now() - start) / 1000));
        cpu[side].push(measured.cpu);
      });
      levels.push({
        concurrency,
        callsPerSecond: compare("calls/s", rates),
        cpuPerCallUs: compareCpu(cpu),
      });
    }
  });
  return { blockMs: throughputBlockMs, rounds, levels };
}
