import type { BackpressureSide } from "./backpressureBench.js";
import type { BenchResults } from "./benchResults.js";
import { formatMessageSize } from "./framingRows.js";
import { GOAL_CONCURRENCY, GOALS } from "./goals.js";

/** A goal that applies to one bar: its target ratio and, once measured, whether it was met. */
interface BarGoal {
  readonly target: number;
  readonly sense: "≤" | "≥";
  readonly met: boolean | null;
}

/** One bar: a ratio (null when not measured in this run). Labels may hold `\n` for a second line. */
interface Bar {
  readonly label: string;
  readonly ratio: number | null;
  readonly goal?: BarGoal;
}

interface Panel {
  readonly title: string;
  readonly bars: readonly Bar[];
  readonly left: number;
  readonly right: number;
}

const WIDTH = 1400;
const HEIGHT = 580;
const PANEL_TOP = 100;
const PANEL_BOTTOM = 390;
const LEGEND_Y = 500;
const COLOURS = {
  neutral: "#5b7db1",
  met: "#2e8b57",
  missed: "#c0392b",
  goal: "#111111",
  parity: "#888888",
  grid: "#eeeeee",
  axis: "#333333",
  muted: "#555555",
};

/**
 * A hand-written SVG with two bar panels of ratios: latencies and CPU per call (lower is better) and throughputs
 * (higher is better). Each bar says what it compares: "vs floor" is mcpware / the floor relay, "vs direct"
 * mcpware / direct, "floor/direct" the relay alone. A bar that a goal applies to carries its goal line (dashes
 * across its slot, target under its label) and is green when met, red when missed; other bars are blue. A grey
 * dashed line marks parity (1.0). Item 7 (framing) sits in the throughput panel as @mcpware/protocol's reader /
 * the split + `JSON.parse` baseline. Items 5 and 8 (memory) are lines of text under the legend.
 */
export function renderSvgChart(results: BenchResults): string {
  const goal = (id: string, target: number, sense: BarGoal["sense"]): BarGoal => ({
    target,
    sense,
    met: results.goals.find((candidate) => candidate.id === id)?.met ?? null,
  });
  const latency = results.latency;
  const atGoal = results.throughput?.levels.find((level) => level.concurrency === GOAL_CONCURRENCY);
  const latencyBars: Bar[] = [
    {
      label: "echo p50\nvs floor",
      ratio: latency?.p50.gatewayVsFloor ?? null,
      goal: goal("latency-p50-vs-floor", GOALS.latencyP50VsFloor, "≤"),
    },
    { label: "echo p50\nvs direct", ratio: latency?.p50.ratio ?? null },
    { label: "echo p50\nfloor/direct", ratio: latency?.p50.floorVsDirect ?? null },
    { label: "echo p99\nvs floor", ratio: latency?.p99.gatewayVsFloor ?? null },
    {
      label: `CPU middle\nc=${GOAL_CONCURRENCY}\nvs floor`,
      ratio: atGoal?.cpuPerCallUs.middle.gatewayVsFloor ?? null,
      goal: goal("cpu-middle-c32-vs-floor", GOALS.middleCpuVsFloorAt32, "≤"),
    },
    {
      label: `CPU all\nc=${GOAL_CONCURRENCY}\nvs floor`,
      ratio: atGoal?.cpuPerCallUs.total.gatewayVsFloor ?? null,
    },
    {
      label: "initialize\nreply\nvs direct",
      ratio: results.startup?.initializeReply.ratio ?? null,
      goal: goal("initialize", GOALS.initializeRatio, "≤"),
    },
    { label: "first tool\nresult\nvs direct", ratio: results.startup?.firstToolResult.ratio ?? null },
    ...(results.payload?.sizes ?? []).map((size) => ({
      label: `echo\n${size.label}\nvs floor`,
      ratio: size.latency.gatewayVsFloor,
    })),
    { label: "discover\n1 backend\nvs direct", ratio: results.discovery?.warmRatioOneBackend ?? null },
    {
      label: "discover\n16 vs 1",
      ratio: results.discovery?.warmScaleRatio ?? null,
      goal: goal("discovery-16", GOALS.discoveryScaleRatio, "≤"),
    },
  ];
  const throughputBars: Bar[] = [
    ...(results.throughput?.levels ?? []).map((level) => ({
      label: `calls\nc=${level.concurrency}\nvs floor`,
      ratio: level.callsPerSecond.gatewayVsFloor,
      goal:
        level.concurrency === GOAL_CONCURRENCY
          ? goal("throughput-c32-vs-floor", GOALS.throughputVsFloorAt32, "≥")
          : undefined,
    })),
    {
      label: `calls\nc=${GOAL_CONCURRENCY}\nvs direct`,
      ratio: atGoal?.callsPerSecond.ratio ?? null,
    },
    {
      label: `calls\nc=${GOAL_CONCURRENCY}\nfloor/direct`,
      ratio: atGoal?.callsPerSecond.floorVsDirect ?? null,
    },
    ...(results.framing?.throughput ?? []).map((entry) => ({
      label: `framing\n${formatMessageSize(entry.messageBytes)}`,
      ratio: entry.ratio,
    })),
  ];
  const meta = results.meta;
  const footer =
    `${meta.quick ? "quick" : "full"} run ${meta.date} · Node ${meta.node} · ${meta.cpus} CPUs · ` +
    `server-everything ${meta.serverEverythingVersion ?? "?"} · medians over rounds · framing: ours / baseline`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    text(WIDTH / 2, 28, "mcpware against the floor relay and a direct connection", {
      anchor: "middle",
      size: 16,
      weight: "bold",
    }),
    text(
      WIDTH / 2,
      48,
      "vs floor = mcpware / floor relay · vs direct = mcpware / direct · floor/direct = the relay alone",
      {
        anchor: "middle",
        size: 11,
        fill: COLOURS.muted,
      },
    ),
    renderPanel({
      title: "Latency and CPU per call (lower is better)",
      bars: latencyBars,
      left: 70,
      right: 900,
    }),
    renderPanel({ title: "Throughput (higher is better)", bars: throughputBars, left: 970, right: 1380 }),
    renderLegend(),
    ...(results.memory === undefined ? [] : [renderMemoryLine(results)]),
    ...(results.backpressure === undefined ? [] : [renderBackpressureLine(results)]),
    text(WIDTH / 2, HEIGHT - 14, footer, { anchor: "middle", size: 11, fill: COLOURS.muted }),
    `</svg>`,
  ];
  return `${parts.join("\n")}\n`;
}

function renderPanel(panel: Panel): string {
  const { left, right } = panel;
  const heights = panel.bars.flatMap((bar) => [bar.ratio ?? 0, bar.goal?.target ?? 0]);
  const yMax = Math.max(1.5, Math.ceil((Math.max(...heights) * 1.12) / 0.5) * 0.5);
  const y = (ratio: number): number =>
    PANEL_BOTTOM - (Math.min(ratio, yMax) / yMax) * (PANEL_BOTTOM - PANEL_TOP);
  const tickStep = yMax <= 2 ? 0.25 : yMax <= 4 ? 0.5 : yMax <= 10 ? 1 : 5;
  const parts = [text((left + right) / 2, PANEL_TOP - 28, panel.title, { anchor: "middle", weight: "bold" })];
  for (let tick = 0; tick <= yMax + 1e-9; tick += tickStep) {
    parts.push(
      `<line x1="${left}" y1="${fixed(y(tick))}" x2="${right}" y2="${fixed(y(tick))}" stroke="${COLOURS.grid}"/>`,
      text(left - 6, y(tick) + 4, tick.toFixed(2), { anchor: "end", size: 10, fill: COLOURS.muted }),
    );
  }
  parts.push(
    `<line x1="${left}" y1="${PANEL_TOP}" x2="${left}" y2="${PANEL_BOTTOM}" stroke="${COLOURS.axis}"/>`,
    `<line x1="${left}" y1="${PANEL_BOTTOM}" x2="${right}" y2="${PANEL_BOTTOM}" stroke="${COLOURS.axis}"/>`,
    dashedLine(left, right, y(1), COLOURS.parity, 1),
  );
  const slot = (right - left) / Math.max(1, panel.bars.length);
  const barWidth = Math.min(44, slot * 0.6);
  panel.bars.forEach((bar, index) => {
    const centre = left + slot * (index + 0.5);
    const labelLines = bar.label.split("\n");
    labelLines.forEach((line, lineIndex) => {
      parts.push(text(centre, PANEL_BOTTOM + 16 + lineIndex * 13, line, { anchor: "middle", size: 10 }));
    });
    if (bar.ratio === null) {
      parts.push(text(centre, PANEL_BOTTOM - 6, "n/a", { anchor: "middle", size: 10, fill: "#999999" }));
    } else {
      parts.push(renderBar(bar.ratio, bar, centre, barWidth, y, yMax));
    }
    // Drawn after the bar so that the goal line stays visible across it.
    if (bar.goal !== undefined) {
      const goalText = `goal ${bar.goal.sense} ${bar.goal.target.toFixed(2)}`;
      parts.push(
        dashedLine(centre - slot * 0.45, centre + slot * 0.45, y(bar.goal.target), COLOURS.goal, 2),
        text(centre, PANEL_BOTTOM + 16 + labelLines.length * 13, goalText, {
          anchor: "middle",
          size: 10,
          fill: COLOURS.goal,
        }),
      );
    }
  });
  return parts.join("\n");
}

function renderBar(
  ratio: number,
  bar: Bar,
  centre: number,
  barWidth: number,
  y: (ratio: number) => number,
  yMax: number,
): string {
  const colour =
    bar.goal === undefined || bar.goal.met === null
      ? COLOURS.neutral
      : bar.goal.met
        ? COLOURS.met
        : COLOURS.missed;
  const top = y(ratio);
  const title = `${bar.label.replaceAll("\n", " ")}: ${ratio.toFixed(3)}`;
  const rect =
    `<rect x="${fixed(centre - barWidth / 2)}" y="${fixed(top)}" width="${fixed(barWidth)}" ` +
    `height="${fixed(PANEL_BOTTOM - top)}" fill="${colour}"><title>${escapeXml(title)}</title></rect>`;
  const label = text(centre, top - 5, ratio > yMax ? `${ratio.toFixed(2)}↑` : ratio.toFixed(2), {
    anchor: "middle",
    size: 10,
    weight: "bold",
  });
  return `${rect}\n${label}`;
}

/** Item 5 is not a ratio: one line of text under the legend, coloured by its goal. */
function renderMemoryLine(results: BenchResults): string {
  const goal = results.goals.find((candidate) => candidate.id === "rss-growth");
  const memory = results.memory;
  if (memory === undefined || goal === undefined) return "";
  const status = goal.met === null ? "not measured" : goal.met ? "met" : "missed";
  const content =
    `gateway RSS over ${memory.calls.toLocaleString("en-US")} calls: ${memory.baselineMiB.toFixed(1)} → ` +
    `${memory.afterCallsMiB.toFixed(1)} MiB, trend ${memory.trendGrowthMiB >= 0 ? "+" : ""}` +
    `${memory.trendGrowthMiB.toFixed(1)} MiB (goal ${goal.target} MiB: ${status})`;
  const fill = goal.met === null ? COLOURS.muted : goal.met ? COLOURS.met : COLOURS.missed;
  return text(WIDTH / 2, LEGEND_Y + 22, content, { anchor: "middle", size: 11, fill });
}

/** Item 8 is not a ratio either: one line of text under the memory line, coloured by its goal. */
function renderBackpressureLine(results: BenchResults): string {
  const goal = results.goals.find((candidate) => candidate.id === "backpressure-rss");
  const backpressure = results.backpressure;
  if (backpressure === undefined || goal === undefined) return "";
  const side = (name: string, figures: BackpressureSide | null): string => {
    if (figures === null) return `${name} not measured`;
    if (!figures.available) return `${name} n/a (${figures.reason.slice(0, 60)}…)`;
    return (
      `${name} ${figures.idleMiB.toFixed(1)} → peak ${figures.peakMiB.toFixed(1)} MiB ` +
      `(+${figures.growthMiB.toFixed(1)}), ${figures.repliesOk}/${backpressure.requests} replies`
    );
  };
  const status = goal.met === null ? "not measured" : goal.met ? "met" : "missed";
  const content =
    `client not reading, ${backpressure.requests.toLocaleString("en-US")} × ` +
    `${formatMessageSize(backpressure.messageBytes)} replies due: ${side("gateway RSS", backpressure.gateway)}; ` +
    `${side("floor", backpressure.floor)} (goal gateway ${goal.target} MiB: ${status})`;
  const fill = goal.met === null ? COLOURS.muted : goal.met ? COLOURS.met : COLOURS.missed;
  return text(WIDTH / 2, LEGEND_Y + 40, content, { anchor: "middle", size: 11, fill });
}

function renderLegend(): string {
  const items: [string, string][] = [
    [COLOURS.met, "goal met"],
    [COLOURS.missed, "goal missed"],
    [COLOURS.neutral, "no goal (reported)"],
  ];
  const parts: string[] = [];
  let x = 350;
  for (const [colour, label] of items) {
    parts.push(
      `<rect x="${x}" y="${LEGEND_Y - 10}" width="12" height="12" fill="${colour}"/>`,
      text(x + 18, LEGEND_Y, label, { size: 11 }),
    );
    x += 150;
  }
  parts.push(
    dashedLine(x, x + 30, LEGEND_Y - 4, COLOURS.goal, 2),
    text(x + 36, LEGEND_Y, "goal line of that bar", { size: 11 }),
    dashedLine(x + 190, x + 220, LEGEND_Y - 4, COLOURS.parity, 1),
    text(x + 226, LEGEND_Y, "parity (1.00)", { size: 11 }),
  );
  return parts.join("\n");
}

function dashedLine(x1: number, x2: number, y: number, colour: string, width: number): string {
  return (
    `<line x1="${fixed(x1)}" y1="${fixed(y)}" x2="${fixed(x2)}" y2="${fixed(y)}" stroke="${colour}" ` +
    `stroke-width="${width}" stroke-dasharray="6 4"/>`
  );
}

function text(
  x: number,
  y: number,
  content: string,
  style: { anchor?: "start" | "middle" | "end"; size?: number; weight?: string; fill?: string } = {},
): string {
  const attributes = [
    `x="${fixed(x)}"`,
    `y="${fixed(y)}"`,
    `text-anchor="${style.anchor ?? "start"}"`,
    style.size === undefined ? "" : `font-size="${style.size}"`,
    style.weight === undefined ? "" : `font-weight="${style.weight}"`,
    `fill="${style.fill ?? "#222222"}"`,
  ].filter((attribute) => attribute !== "");
  return `<text ${attributes.join(" ")}>${escapeXml(content)}</text>`;
}

function fixed(value: number): string {
  return value.toFixed(1);
}

/** Escapes the five XML special characters. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
