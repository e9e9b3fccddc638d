import type { BenchResults } from "./benchResults.js";
import { GOALS } from "./goals.js";

/** One bar: a ratio mcpware/direct; `goal` says whether a goal applies to it and whether it was met. */
interface Bar {
  readonly label: string;
  readonly ratio: number | null;
  readonly goal?: "met" | "missed";
}

interface Panel {
  readonly title: string;
  readonly bars: readonly Bar[];
  readonly goalLine: { readonly value: number; readonly label: string };
}

const WIDTH = 980;
const HEIGHT = 460;
const PANEL_TOP = 70;
const PANEL_BOTTOM = 370;
const COLOURS = { neutral: "#5b7db1", met: "#2e8b57", missed: "#c0392b", goal: "#c0392b", parity: "#888888" };

/**
 * A hand-written SVG with two bar panels of mcpware/direct ratios: latencies (lower is better, goal line at the
 * p50 target) and throughputs (higher is better, goal line at the concurrency-32 target). Bars a goal applies to
 * are green when met and red when missed; a dashed grey line marks parity (1.0).
 */
export function renderSvgChart(results: BenchResults): string {
  const latencyBars: Bar[] = [
    { label: "echo p50", ratio: results.latency?.p50.ratio ?? null, goal: goalState(results, "latency-p50") },
    { label: "echo p99", ratio: results.latency?.p99.ratio ?? null },
    {
      label: "initialize",
      ratio: results.startup?.initializeReply.ratio ?? null,
      goal: goalState(results, "initialize"),
    },
    { label: "first result", ratio: results.startup?.firstToolResult.ratio ?? null },
    ...(results.payload?.sizes ?? []).map((size) => ({
      label: `echo ${size.label}`,
      ratio: size.latency.ratio,
    })),
    { label: "discover (1)", ratio: results.discovery?.warmRatioOneBackend ?? null },
    {
      label: "discover 16/1",
      ratio: results.discovery?.warmScaleRatio ?? null,
      goal: goalState(results, "discovery-16"),
    },
  ];
  const throughputBars: Bar[] = (results.throughput?.levels ?? []).map((level) => ({
    label: `c=${level.concurrency}`,
    ratio: level.callsPerSecond.ratio,
    goal: level.concurrency === 32 ? goalState(results, "throughput-c32") : undefined,
  }));
  const panels: [Panel, number, number][] = [
    [
      {
        title: "Latency, mcpware / direct (lower is better)",
        bars: latencyBars,
        goalLine: { value: GOALS.latencyP50Ratio, label: `goal p50 ≤ ${GOALS.latencyP50Ratio.toFixed(2)}` },
      },
      70,
      640,
    ],
    [
      {
        title: "Throughput, mcpware / direct (higher is better)",
        bars: throughputBars,
        goalLine: {
          value: GOALS.throughputRatioAt32,
          label: `goal c=32 ≥ ${GOALS.throughputRatioAt32.toFixed(2)}`,
        },
      },
      710,
      950,
    ],
  ];
  const meta = results.meta;
  const footer =
    `${meta.quick ? "quick" : "full"} run ${meta.date} · Node ${meta.node} · ${meta.cpus} CPUs · ` +
    `server-everything ${meta.serverEverythingVersion ?? "?"} · medians over rounds`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    text(WIDTH / 2, 28, "mcpware overhead against a direct connection (ratio mcpware / direct)", {
      anchor: "middle",
      size: 16,
      weight: "bold",
    }),
    ...panels.map(([panel, left, right]) => renderPanel(panel, left, right)),
    text(WIDTH / 2, HEIGHT - 12, footer, { anchor: "middle", size: 11, fill: "#555555" }),
    `</svg>`,
  ];
  return `${parts.join("\n")}\n`;
}

function goalState(results: BenchResults, id: string): "met" | "missed" | undefined {
  const goal = results.goals.find((candidate) => candidate.id === id);
  if (goal === undefined || goal.met === null) return undefined;
  return goal.met ? "met" : "missed";
}

function renderPanel(panel: Panel, left: number, right: number): string {
  const measured = panel.bars.map((bar) => bar.ratio).filter((ratio): ratio is number => ratio !== null);
  const yMax = Math.max(1.5, Math.ceil((Math.max(0, ...measured) * 1.15) / 0.5) * 0.5);
  const y = (ratio: number): number =>
    PANEL_BOTTOM - (Math.min(ratio, yMax) / yMax) * (PANEL_BOTTOM - PANEL_TOP);
  const tickStep = yMax <= 2 ? 0.25 : yMax <= 4 ? 0.5 : 1;
  const parts: string[] = [
    text((left + right) / 2, PANEL_TOP - 22, panel.title, { anchor: "middle", weight: "bold" }),
  ];
  for (let tick = 0; tick <= yMax + 1e-9; tick += tickStep) {
    parts.push(
      `<line x1="${left}" y1="${fixed(y(tick))}" x2="${right}" y2="${fixed(y(tick))}" stroke="#eeeeee"/>`,
      text(left - 6, y(tick) + 4, tick.toFixed(2), { anchor: "end", size: 10, fill: "#555555" }),
    );
  }
  parts.push(
    `<line x1="${left}" y1="${PANEL_TOP}" x2="${left}" y2="${PANEL_BOTTOM}" stroke="#333333"/>`,
    `<line x1="${left}" y1="${PANEL_BOTTOM}" x2="${right}" y2="${PANEL_BOTTOM}" stroke="#333333"/>`,
  );
  const slot = (right - left) / Math.max(1, panel.bars.length);
  const barWidth = Math.min(44, slot * 0.6);
  panel.bars.forEach((bar, index) => {
    const centre = left + slot * (index + 0.5);
    parts.push(text(centre, PANEL_BOTTOM + 16, bar.label, { anchor: "middle", size: 10 }));
    if (bar.ratio === null) {
      parts.push(text(centre, PANEL_BOTTOM - 6, "n/a", { anchor: "middle", size: 10, fill: "#999999" }));
      return;
    }
    const colour = bar.goal === undefined ? COLOURS.neutral : COLOURS[bar.goal];
    const top = y(bar.ratio);
    parts.push(
      `<rect x="${fixed(centre - barWidth / 2)}" y="${fixed(top)}" width="${fixed(barWidth)}" ` +
        `height="${fixed(PANEL_BOTTOM - top)}" fill="${colour}"><title>${escapeXml(bar.label)}: ` +
        `${bar.ratio.toFixed(3)}</title></rect>`,
      text(centre, top - 4, bar.ratio.toFixed(2), { anchor: "middle", size: 10 }),
    );
  });
  parts.push(
    dashedLine(left, right, y(1), COLOURS.parity),
    text(right, y(1) - 4, "parity 1.00", { anchor: "end", size: 10, fill: COLOURS.parity }),
    dashedLine(left, right, y(panel.goalLine.value), COLOURS.goal),
    text(right, y(panel.goalLine.value) + 12, panel.goalLine.label, {
      anchor: "end",
      size: 10,
      fill: COLOURS.goal,
    }),
  );
  return parts.join("\n");
}

function dashedLine(left: number, right: number, y: number, colour: string): string {
  return (
    `<line x1="${left}" y1="${fixed(y)}" x2="${right}" y2="${fixed(y)}" stroke="${colour}" ` +
    `stroke-width="1.5" stroke-dasharray="6 4"/>`
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
