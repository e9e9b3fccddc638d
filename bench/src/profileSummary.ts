import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { REPO_ROOT } from "./benchPaths.js";

/** The parts of a V8 `.cpuprofile` (written by `node --cpu-prof`) this summary reads. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self and inclusive time of one function (all its profile nodes merged), in ms and % of the profile. */
export interface FunctionTime {
  readonly name: string;
  readonly selfMs: number;
  readonly selfPercent: number;
  readonly totalMs: number;
  readonly totalPercent: number;
}

const TOP_FUNCTIONS = 25;

/**
 * Merges the nodes of a CPU profile by function (name + file + line) and returns them by descending self time.
 * Inclusive time counts a function once per sample even when it recurses.
 */
export function summarizeProfile(profile: CpuProfile): FunctionTime[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const keyOf = (id: number): string => {
    const frame = (byId.get(id) as CpuProfile["nodes"][number]).callFrame;
    const file = frame.url === "" ? "" : ` ${shortenUrl(frame.url)}:${frame.lineNumber + 1}`;
    return `${frame.functionName || "(anonymous)"}${file}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let profileUs = 0;
  profile.samples.forEach((id, index) => {
    const deltaUs = Math.max(0, profile.timeDeltas[index] ?? 0);
    profileUs += deltaUs;
    self.set(keyOf(id), (self.get(keyOf(id)) ?? 0) + deltaUs);
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
      const key = keyOf(current);
      if (seen.has(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + deltaUs);
    }
  });
  const percent = (us: number): number => Math.round((us / Math.max(1, profileUs)) * 1000) / 10;
  return [...total.keys()]
    .map((name) => ({
      name,
      selfMs: Math.round((self.get(name) ?? 0) / 100) / 10,
      selfPercent: percent(self.get(name) ?? 0),
      totalMs: Math.round((total.get(name) ?? 0) / 100) / 10,
      totalPercent: percent(total.get(name) ?? 0),
    }))
    .sort((a, b) => b.selfMs - a.selfMs);
}

/** Self time by origin: a workspace package, an npm package, Node's internals, or V8/native (no file). */
export function selfTimeByOrigin(
  rows: readonly FunctionTime[],
): { origin: string; selfMs: number; selfPercent: number }[] {
  const totals = new Map<string, number>();
  let profileMs = 0;
  for (const row of rows) {
    const origin = originOf(row.name);
    totals.set(origin, (totals.get(origin) ?? 0) + row.selfMs);
    profileMs += row.selfMs;
  }
  return [...totals.entries()]
    .map(([origin, selfMs]) => ({
      origin,
      selfMs: Math.round(selfMs * 10) / 10,
      selfPercent: Math.round((selfMs / Math.max(1, profileMs)) * 1000) / 10,
    }))
    .sort((a, b) => b.selfMs - a.selfMs);
}

function originOf(name: string): string {
  const file = /\s(\S+):\d+$/.exec(name)?.[1];
  if (file === undefined) return /^\(.*\)$/.test(name) ? name : "native (V8 builtins, syscalls)";
  if (file.startsWith("node:")) return "node: internals";
  const workspace = /^(packages\/[^/]+)\//.exec(file);
  if (workspace) return workspace[1] as string;
  const npm = /^((?:@[^/]+\/)?[^/]+)/.exec(file);
  return npm ? (npm[1] as string) : file;
}

function shortenUrl(url: string): string {
  if (!url.startsWith("file:")) return url;
  const path = relative(REPO_ROOT, fileURLToPath(url));
  return path.replace(/^node_modules\/\.pnpm\/[^/]+\/node_modules\//, "");
}

function printTable(title: string, rows: readonly FunctionTime[], key: "self" | "total"): void {
  process.stdout.write(`\n${title}\n\n| ms | % | function |\n| ---: | ---: | --- |\n`);
  for (const row of rows.slice(0, TOP_FUNCTIONS)) {
    const ms = key === "self" ? row.selfMs : row.totalMs;
    const share = key === "self" ? row.selfPercent : row.totalPercent;
    process.stdout.write(`| ${ms} | ${share} | ${row.name} |\n`);
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write("Usage: node bench/dist/profileSummary.js <file.cpuprofile>\n");
    process.exitCode = 2;
  } else {
    const rows = summarizeProfile(JSON.parse(readFileSync(file, "utf8")) as CpuProfile);
    const profileMs = rows.find((row) => row.name === "(root)")?.totalMs ?? 0;
    const idleMs = rows.find((row) => row.name === "(idle)")?.selfMs ?? 0;
    process.stdout.write(
      `${file}: ${profileMs} ms profiled, ${Math.round((profileMs - idleMs) * 10) / 10} ms busy\n`,
    );
    process.stdout.write("\nBy origin (self time)\n\n| ms | % | origin |\n| ---: | ---: | --- |\n");
    for (const origin of selfTimeByOrigin(rows)) {
      process.stdout.write(`| ${origin.selfMs} | ${origin.selfPercent} | ${origin.origin} |\n`);
    }
    printTable("By self time", rows, "self");
    printTable(
      "By inclusive time",
      [...rows].sort((a, b) => b.totalMs - a.totalMs),
      "total",
    );
  }
}
