import type { BenchResults, GoalOutcome } from "./benchResults.js";

/** Targets of issue 6. */
export const GOALS = {
  latencyP50Ratio: 1.1,
  throughputRatioAt32: 0.9,
  initializeRatio: 1.0,
  discoveryScaleRatio: 1.5,
  rssGrowthMiB: 10,
} as const;

const GOAL_CONCURRENCY = 32;

/** Evaluates each goal against what this run measured (null: not measured). */
export function evaluateGoals(results: BenchResults): GoalOutcome[] {
  const at32 = results.throughput?.levels.find((level) => level.concurrency === GOAL_CONCURRENCY);
  return [
    outcome(
      "latency-p50",
      "sequential echo p50, mcpware/direct",
      results.latency?.p50.ratio,
      `≤ ${GOALS.latencyP50Ratio.toFixed(2)}`,
      (value) => value <= GOALS.latencyP50Ratio,
    ),
    outcome(
      "throughput-c32",
      "throughput at concurrency 32, mcpware/direct",
      at32?.callsPerSecond.ratio,
      `≥ ${GOALS.throughputRatioAt32.toFixed(2)}`,
      (value) => value >= GOALS.throughputRatioAt32,
    ),
    outcome(
      "initialize",
      "spawn → initialize reply, mcpware/direct",
      results.startup?.initializeReply.ratio,
      `≤ ${GOALS.initializeRatio.toFixed(2)}`,
      (value) => value <= GOALS.initializeRatio,
    ),
    outcome(
      "discovery-16",
      "discover_backend_tools, 16 backends / 1 backend (warm)",
      results.discovery?.warmScaleRatio,
      `≤ ${GOALS.discoveryScaleRatio.toFixed(2)}`,
      (value) => value <= GOALS.discoveryScaleRatio,
    ),
    outcome(
      "rss-growth",
      `gateway RSS growth over ${results.memory?.calls ?? 100_000} calls, trend (MiB)`,
      results.memory?.trendGrowthMiB,
      `< ${GOALS.rssGrowthMiB}`,
      (value) => value < GOALS.rssGrowthMiB,
    ),
  ];
}

function outcome(
  id: string,
  description: string,
  value: number | null | undefined,
  target: string,
  isMet: (value: number) => boolean,
): GoalOutcome {
  const measured = value === undefined || value === null || Number.isNaN(value) ? null : value;
  return { id, description, value: measured, target, met: measured === null ? null : isMet(measured) };
}
