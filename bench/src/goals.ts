import type { BenchResults, GoalOutcome } from "./benchResults.js";

/** The targets: the per-call ones against the floor relay, start-up and memory ones as before. */
export const GOALS = {
  /** Sequential p50, mcpware / floor. */
  latencyP50VsFloor: 1.15,
  /** Calls/s at concurrency 32, mcpware / floor. */
  throughputVsFloorAt32: 0.9,
  /** CPU µs per call of the middle process at concurrency 32, gateway / floor relay. */
  middleCpuVsFloorAt32: 2.0,
  initializeRatio: 1.0,
  discoveryScaleRatio: 1.5,
  rssGrowthMiB: 10,
  /** Gateway RSS peak − idle while a client that stopped reading has 2,000 × 100 KiB replies due. */
  backpressureRssMiB: 64,
  /** Tokens of the meta path / direct exposure, by backend count (item 9). */
  metaTokensVsDirect: { 3: 0.5, 10: 0.2, 30: 0.08 },
  /** Share of the search phrasings whose tool a query ranks first, and within the first three (item 9). */
  searchHitAt1: 0.9,
  searchHitAt3: 1,
} as const;

/** The concurrency the throughput and CPU goals are evaluated at. */
export const GOAL_CONCURRENCY = 32;

/** Evaluates each goal against what this run measured (null: not measured). */
export function evaluateGoals(results: BenchResults): GoalOutcome[] {
  const atGoal = results.throughput?.levels.find((level) => level.concurrency === GOAL_CONCURRENCY);
  const backpressure = results.backpressure;
  const gatewayBackpressure = backpressure?.gateway?.available === true ? backpressure.gateway : undefined;
  const allReplies =
    gatewayBackpressure !== undefined && gatewayBackpressure.repliesOk === backpressure?.requests;
  return [
    outcome(
      "latency-p50-vs-floor",
      "sequential echo p50, mcpware/floor",
      results.latency?.p50.gatewayVsFloor,
      `≤ ${GOALS.latencyP50VsFloor.toFixed(2)}`,
      (value) => value <= GOALS.latencyP50VsFloor,
    ),
    outcome(
      "throughput-c32-vs-floor",
      `throughput at concurrency ${GOAL_CONCURRENCY}, mcpware/floor`,
      atGoal?.callsPerSecond.gatewayVsFloor,
      `≥ ${GOALS.throughputVsFloorAt32.toFixed(2)}`,
      (value) => value >= GOALS.throughputVsFloorAt32,
    ),
    outcome(
      "cpu-middle-c32-vs-floor",
      `CPU per call of the middle process at concurrency ${GOAL_CONCURRENCY}, gateway/floor relay`,
      atGoal?.cpuPerCallUs.middle.gatewayVsFloor,
      `≤ ${GOALS.middleCpuVsFloorAt32.toFixed(2)}`,
      (value) => value <= GOALS.middleCpuVsFloorAt32,
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
    outcome(
      "backpressure-rss",
      `gateway RSS peak − idle while the client does not read, ${backpressure?.requests ?? 2000} replies due ` +
        `(MiB; every reply must arrive)`,
      gatewayBackpressure?.growthWhilePausedMiB,
      `≤ ${GOALS.backpressureRssMiB}`,
      (value) => value <= GOALS.backpressureRssMiB && allReplies,
    ),
    ...Object.entries(GOALS.metaTokensVsDirect).map(([backends, target]) =>
      outcome(
        `tokens-meta-${backends}`,
        `tokens to learn the tools and make a first call, ${backends} backends, meta mode/direct exposure`,
        results.tokens?.configs.find((config) => config.backends === Number(backends))?.meta?.ratio,
        `≤ ${target.toFixed(2)}`,
        (value) => value <= target,
      ),
    ),
    ...(["hitAt1", "hitAt3"] as const).map((key) => {
      const goal = key === "hitAt1" ? GOALS.searchHitAt1 : GOALS.searchHitAt3;
      const search = results.tokens?.search;
      return outcome(
        `search-${key}`,
        `discover_backend_tools query ranks the wanted tool ${key === "hitAt1" ? "first" : "in the first three"} ` +
          `(${search?.phrasings ?? "≥ 30"} task phrasings, ${search?.backends ?? 9} backends)`,
        search?.[key],
        `≥ ${goal.toFixed(2)}`,
        (value) => value >= goal,
      );
    }),
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
