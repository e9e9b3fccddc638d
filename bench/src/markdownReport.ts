import type { BackpressureResult, BackpressureSide } from "./backpressureBench.js";
import type { BenchResults, GoalOutcome } from "./benchResults.js";
import type { CpuComparison } from "./cpuMeter.js";
import { framingRows } from "./framingRows.js";
import { GOAL_CONCURRENCY } from "./goals.js";
import type { Comparison } from "./stats.js";
import type { TokenSide, TokensResult } from "./tokensBench.js";

/**
 * One line of the main table. `ratio` (mcpware / direct) is free text so rows that compare with something else
 * can say so; the floor columns are a dash when left out.
 */
export interface TableRow {
  readonly item: number;
  readonly measure: string;
  readonly direct: string;
  readonly floor?: string;
  readonly gateway: string;
  readonly ratio: string;
  readonly floorVsDirect?: string;
  readonly gatewayVsFloor?: string;
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

function formatRatio(value: number | null): string {
  return value === null ? DASH : value.toFixed(2);
}

function comparisonRow(item: number, measure: string, comparison: Comparison): TableRow {
  return {
    item,
    measure: `${measure} (${comparison.unit})`,
    direct: formatNumber(comparison.direct),
    floor: formatNumber(comparison.floor),
    gateway: formatNumber(comparison.gateway),
    ratio: formatRatio(comparison.ratio),
    floorVsDirect: formatRatio(comparison.floorVsDirect),
    gatewayVsFloor: formatRatio(comparison.gatewayVsFloor),
  };
}

/** CPU rows of one measurement: all processes and the middle one, plus client and backend when `detailed`. */
function cpuRows(item: number, label: string, cpu: CpuComparison, detailed: boolean): TableRow[] {
  const rows = [
    comparisonRow(item, `CPU per call, all processes, ${label}`, cpu.total),
    comparisonRow(item, `CPU per call, middle process (floor relay, gateway), ${label}`, cpu.middle),
  ];
  if (detailed) {
    rows.push(
      comparisonRow(item, `CPU per call, client, ${label}`, cpu.client),
      comparisonRow(item, `CPU per call, backend, ${label}`, cpu.backend),
    );
  }
  return rows;
}

/** Item 8's rows: the floor relay and the gateway side by side (no direct side, no ratios). */
function backpressureRows(backpressure: BackpressureResult): TableRow[] {
  const { gateway, floor, requests } = backpressure;
  const figure = (
    measure: string,
    get: (side: Extract<BackpressureSide, { available: true }>) => number | null,
  ): TableRow => {
    const cell = (side: BackpressureSide | null): string =>
      side === null ? DASH : side.available ? formatNumber(get(side)) : "n/a";
    return { item: 8, measure, direct: DASH, floor: cell(floor), gateway: cell(gateway), ratio: DASH };
  };
  const count = requests.toLocaleString("en-US");
  return [
    figure("RSS of the middle process, idle (MiB)", (side) => side.idleMiB),
    figure("RSS peak while the client does not read (MiB)", (side) => side.peakWhilePausedMiB),
    figure("RSS peak until every reply is read (MiB)", (side) => side.peakMiB),
    figure("RSS peak − idle while the client does not read (MiB)", (side) => side.growthWhilePausedMiB),
    figure("RSS peak − idle until every reply is read (MiB)", (side) => side.growthMiB),
    figure(
      `requests taken from the client while it does not read (of ${count})`,
      (side) => side.requestsWrittenWhilePaused,
    ),
    figure(`replies received and correct (of ${count})`, (side) => side.repliesOk),
    figure("time to read every reply once reading again (ms)", (side) => side.drainMs),
  ];
}

/** Every row of the main table, in item order. */
export function tableRows(results: BenchResults): TableRow[] {
  const rows: TableRow[] = [];
  const { latency, throughput, startup, discovery, memory, payload, framing, backpressure } = results;
  if (latency) {
    rows.push(
      comparisonRow(1, "sequential echo p50", latency.p50),
      comparisonRow(1, "sequential echo p99", latency.p99),
      ...cpuRows(1, "sequential", latency.cpuPerCallUs, false),
    );
  }
  for (const level of throughput?.levels ?? []) {
    rows.push(comparisonRow(2, `throughput, concurrency ${level.concurrency}`, level.callsPerSecond));
  }
  for (const level of throughput?.levels ?? []) {
    const detailed = level.concurrency === GOAL_CONCURRENCY;
    rows.push(...cpuRows(2, `concurrency ${level.concurrency}`, level.cpuPerCallUs, detailed));
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
  if (backpressure) rows.push(...backpressureRows(backpressure));
  for (const config of results.tokens?.configs ?? []) {
    for (const [mode, side] of [
      ["meta", config.meta],
      ["aggregate", config.aggregate],
    ] as const) {
      rows.push({
        item: 9,
        measure: `tokens to learn the tools and call one, ${config.backends} backends, ${mode} mode (tokens)`,
        direct: formatNumber(config.direct.tokens),
        gateway: formatNumber(side?.tokens),
        ratio: side === null ? DASH : side.ratio.toFixed(3),
      });
    }
  }
  return rows;
}

/** Item 9's tables: tokens per config and side, then what each side's total is made of. */
export function tokenTables(tokens: TokensResult): string[] {
  const count = (value: number): string => value.toLocaleString("en-US");
  const side = (value: TokenSide | null): [string, string] =>
    value === null ? [DASH, DASH] : [count(value.tokens), `${value.ratio.toFixed(3)}×`];
  const lines = [
    `Item 9, tokens (${tokens.tokenizer}) a model reads to learn the tool surface and make a first correct call ` +
      `to \`${tokens.target.backend}\` / \`${tokens.target.tool}\`; backends built from recorded tool lists:`,
    "",
    "| backends | tools | direct | meta | meta / direct | aggregate | aggregate / direct |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...tokens.configs.map(
      (config) =>
        `| ${config.backends} | ${config.tools} | ${count(config.direct.tokens)} | ` +
        `${side(config.meta).join(" | ")} | ${side(config.aggregate).join(" | ")} |`,
    ),
    "",
    "| backends | side | part | tokens |",
    "| ---: | --- | --- | ---: |",
  ];
  for (const config of tokens.configs) {
    for (const [name, value] of [
      ["meta", config.meta],
      ["aggregate", config.aggregate],
    ] as const) {
      for (const part of value?.parts ?? []) {
        lines.push(`| ${config.backends} | ${name} | ${part.label} | ${count(part.tokens)} |`);
      }
    }
  }
  const search = tokens.search;
  if (search !== null) {
    lines.push(
      "",
      `Search quality: ${search.phrasings} task phrasings asked as discover_backend_tools \`query\` on ` +
        `${search.backends} backends: the wanted tool first ${percent(search.hitAt1)}, in the first three ` +
        `${percent(search.hitAt3)}.`,
    );
    if (search.misses.length > 0) {
      lines.push("", "| phrasing | wanted | ranked first | its rank |", "| --- | --- | --- | ---: |");
      for (const miss of search.misses) {
        lines.push(`| ${miss.phrase} | ${miss.wanted} | ${miss.first ?? DASH} | ${miss.rank ?? DASH} |`);
      }
    }
  }
  return lines;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
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
      `load average ${results.meta.loadAverageAtStart.join(" ")} at start; medians over rounds; ` +
      `floor = the minimal relay (bench/src/floorRelay.ts) in front of the same server.`,
    "",
    "| # | measure | direct | floor | mcpware | mcpware / direct | floor / direct | mcpware / floor |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...tableRows(results).map(
      (row) =>
        `| ${row.item} | ${row.measure} | ${row.direct} | ${row.floor ?? DASH} | ${row.gateway} | ${row.ratio} | ` +
        `${row.floorVsDirect ?? DASH} | ${row.gatewayVsFloor ?? DASH} |`,
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
    lines.push("", "The gateway binary was not found: only the direct and floor sides were measured.");
  }
  for (const [name, side] of [
    ["floor", results.backpressure?.floor],
    ["mcpware", results.backpressure?.gateway],
  ] as const) {
    if (side?.available !== true || side.failures.length === 0) continue;
    lines.push(
      "",
      `Backpressure, ${name}: ${side.repliesReceived - side.repliesOk} replies were not the expected echo ` +
        `(${side.missing} missing); the first: ${side.failures[0] ?? "?"}`,
    );
  }
  if (results.tokens) lines.push("", ...tokenTables(results.tokens));
  for (const warning of results.warnings) lines.push("", `Warning: ${warning}`);
  for (const error of results.errors) lines.push("", `Error in ${error.item}: ${error.message}`);
  return `${lines.join("\n")}\n`;
}
