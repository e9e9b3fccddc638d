import type { BenchResults, GoalOutcome } from "./benchResults.js";
import { framingRows } from "./framingRows.js";
import type { Comparison } from "./stats.js";

/** One line of the main table. `ratio` is free text so rows that compare with something else can say so. */
export interface TableRow {
  readonly item: number;
  readonly measure: string;
  readonly direct: string;
  readonly gateway: string;
  readonly ratio: string;
}

const DASH = "—";

/** Formats a figure with about three significant digits; a dash when missing. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return DASH;
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString("en-US");
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function comparisonRow(item: number, measure: string, comparison: Comparison): TableRow {
  return {
    item,
    measure: `${measure} (${comparison.unit})`,
    direct: formatNumber(comparison.direct),
    gateway: formatNumber(comparison.gateway),
    ratio: comparison.ratio === null ? DASH : comparison.ratio.toFixed(2),
  };
}

/** Every row of the main table, in item order. */
export function tableRows(results: BenchResults): TableRow[] {
  const rows: TableRow[] = [];
  const { latency, throughput, startup, discovery, memory, payload, framing } = results;
  if (latency) {
    rows.push(
      comparisonRow(1, "sequential echo p50", latency.p50),
      comparisonRow(1, "sequential echo p99", latency.p99),
    );
  }
  for (const level of throughput?.levels ?? []) {
    rows.push(comparisonRow(2, `throughput, concurrency ${level.concurrency}`, level.callsPerSecond));
  }
  for (const level of throughput?.levels ?? []) {
    rows.push(
      comparisonRow(2, `CPU per call, all processes, concurrency ${level.concurrency}`, level.cpuPerCallUs),
    );
  }
  if (startup) {
    rows.push(
      comparisonRow(3, "spawn → initialize reply", startup.initializeReply),
      comparisonRow(3, "spawn → first tool result", startup.firstToolResult),
    );
  }
  if (discovery) {
    const one = discovery.gateway.find((timing) => timing.backends === 1);
    for (const kind of ["warm", "cold"] as const) {
      const key = kind === "warm" ? "warmMs" : "coldMs";
      for (const timing of discovery.gateway) {
        const versusDirect =
          timing.backends === 1 ? `${(timing[key] / discovery.direct[key]).toFixed(2)}` : "";
        const versusOne =
          one && timing.backends !== 1 ? `${(timing[key] / one[key]).toFixed(2)} vs 1 backend` : versusDirect;
        rows.push({
          item: 4,
          measure: `discovery ${kind}, ${timing.backends} backend${timing.backends === 1 ? "" : "s"} (ms)`,
          direct: timing.backends === 1 ? formatNumber(discovery.direct[key]) : DASH,
          gateway: formatNumber(timing[key]),
          ratio: versusOne || DASH,
        });
      }
      if (discovery.gateway.length === 0) {
        rows.push({
          item: 4,
          measure: `discovery ${kind}, tools/list (ms)`,
          direct: formatNumber(discovery.direct[key]),
          gateway: DASH,
          ratio: DASH,
        });
      }
    }
  }
  if (memory) {
    const mib = (measure: string, value: number): TableRow => ({
      item: 5,
      measure: `${measure} (MiB)`,
      direct: DASH,
      gateway: formatNumber(value),
      ratio: DASH,
    });
    rows.push(
      mib("gateway RSS idle, no backend started", memory.idleMiB),
      mib(`gateway RSS, ${memory.backends} backends started`, memory.backendsStartedMiB),
      mib("gateway RSS after warm-up (baseline)", memory.baselineMiB),
      mib(`gateway RSS after ${memory.calls.toLocaleString("en-US")} calls`, memory.afterCallsMiB),
      mib("gateway RSS growth, last − baseline", memory.growthMiB),
      mib("gateway RSS growth, trend over all samples", memory.trendGrowthMiB),
      mib(
        `backends RSS total (${memory.backendsRssAfterCalls.count}), after calls`,
        memory.backendsRssAfterCalls.totalMiB,
      ),
      mib("one backend RSS (max), after calls", memory.backendsRssAfterCalls.maxMiB),
    );
  }
  for (const size of payload?.sizes ?? []) rows.push(comparisonRow(6, `echo ${size.label}`, size.latency));
  if (framing) rows.push(...framingRows(framing));
  return rows;
}

function goalStatus(goal: GoalOutcome): string {
  if (goal.met === null) return "not measured";
  return goal.met ? "met" : "MISSED";
}

/** The whole stdout report: the figures, then the goals. */
export function renderMarkdown(results: BenchResults): string {
  const lines = [
    `## mcpware benchmark (${results.meta.quick ? "quick" : "full"} run, ${results.meta.date})`,
    "",
    `Node ${results.meta.node}, ${results.meta.cpus} × ${results.meta.cpuModel}; ` +
      `server-everything ${results.meta.serverEverythingVersion ?? "?"}, SDK ${results.meta.sdkVersion ?? "?"}; ` +
      `load average ${results.meta.loadAverageAtStart.join(" ")} at start; medians over rounds, ` +
      `ratio = mcpware / direct.`,
    "",
    "| # | measure | direct | mcpware | ratio |",
    "| --- | --- | ---: | ---: | ---: |",
    ...tableRows(results).map(
      (row) => `| ${row.item} | ${row.measure} | ${row.direct} | ${row.gateway} | ${row.ratio} |`,
    ),
    "",
    "| goal | value | target | status |",
    "| --- | ---: | ---: | --- |",
    ...results.goals.map(
      (goal) =>
        `| ${goal.description} | ${goal.value === null ? DASH : goal.value.toFixed(3)} | ${goal.target} | ` +
        `${goalStatus(goal)} |`,
    ),
  ];
  if (!results.meta.gatewayMeasured) {
    lines.push("", "The gateway binary was not found: only the direct side was measured.");
  }
  for (const warning of results.warnings) lines.push("", `Warning: ${warning}`);
  for (const error of results.errors) lines.push("", `Error in ${error.item}: ${error.message}`);
  return `${lines.join("\n")}\n`;
}
