import { performance } from "node:perf_hooks";
import { alternate, type BenchContext, sessionOf, sides, withSessionPair } from "./benchContext.js";
import type { Side } from "./benchSession.js";
import { runForDuration } from "./callLoops.js";
import { type CpuPerCall, measureCpuPerCall } from "./cpuMeter.js";
import { compare, type Comparison, median, roundTo3 } from "./stats.js";

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
  /** Client + server (direct) vs client + gateway + backend (mcpware), µs per call. */
  readonly cpuPerCallUs: Comparison;
  readonly cpuBreakdownUs: Partial<Record<Side, CpuPerCall>>;
}

/** Runs item 2: for each concurrency, alternating timed blocks on each side. */
export async function runThroughputBench(context: BenchContext): Promise<ThroughputResult> {
  const { rounds, throughputConcurrencies, throughputBlockMs } = context.plan;
  const levels: ThroughputLevel[] = [];
  await withSessionPair(context, async (sessions) => {
    for (const concurrency of throughputConcurrencies) {
      const rates: Record<Side, number[]> = { direct: [], gateway: [] };
      const cpu: Record<Side, CpuPerCall[]> = { direct: [], gateway: [] };
      await alternate(context, rounds, async (side) => {
        const session = sessionOf(sessions, side);
        const start = performance.now();
        const measured = await measureCpuPerCall(session.pid, session.descendantPids(), () =>
          runForDuration(session, concurrency, throughputBlockMs),
        );
        rates[side].push(measured.calls / ((performance.now() - start) / 1000));
        cpu[side].push(measured.cpu);
      });
      const cpuBreakdownUs: Partial<Record<Side, CpuPerCall>> = {};
      for (const side of sides(context)) cpuBreakdownUs[side] = medianCpu(cpu[side]);
      levels.push({
        concurrency,
        callsPerSecond: compare("calls/s", rates.direct, rates.gateway),
        cpuPerCallUs: compare(
          "µs",
          cpu.direct.map((each) => each.totalUs),
          cpu.gateway.map((each) => each.totalUs),
        ),
        cpuBreakdownUs,
      });
    }
  });
  return { blockMs: throughputBlockMs, rounds, levels };
}

function medianCpu(values: readonly CpuPerCall[]): CpuPerCall {
  const pick = (key: keyof CpuPerCall): number => roundTo3(median(values.map((each) => each[key])));
  return {
    clientUs: pick("clientUs"),
    serverUs: pick("serverUs"),
    backendsUs: pick("backendsUs"),
    totalUs: pick("totalUs"),
  };
}
