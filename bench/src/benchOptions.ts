import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_GATEWAY_BIN } from "./benchPaths.js";

/** The nine items of the suite, in the order they run (`--only` accepts names or numbers 1–9). */
export const BENCH_ITEMS = [
  "latency",
  "throughput",
  "startup",
  "discovery",
  "memory",
  "payload",
  "framing",
  "backpressure",
  "tokens",
] as const;
export type BenchItem = (typeof BENCH_ITEMS)[number];

/** How much work each item does; `--quick` picks a smaller plan for a smoke run. */
export interface BenchPlan {
  /** Rounds of items 1, 2 and 6, each side once per round in rotating order. */
  readonly rounds: number;
  /** Sustained load on each session of items 1, 2 and 6 before anything is timed. */
  readonly warmupMs: number;
  readonly latencyCallsPerRound: number;
  readonly throughputConcurrencies: readonly number[];
  readonly throughputBlockMs: number;
  readonly startupRounds: number;
  readonly discoveryBackendCounts: readonly number[];
  readonly discoveryRounds: number;
  readonly discoveryWarmCalls: number;
  readonly memoryBackendCount: number;
  readonly memoryCalls: number;
  readonly memoryConcurrency: number;
  readonly payloads: readonly {
    readonly label: string;
    readonly bytes: number;
    readonly callsPerRound: number;
  }[];
  /** Item 8: requests written at once while the client stops reading, each echoing this many bytes. */
  readonly backpressureRequests: number;
  readonly backpressureMessageBytes: number;
  /** How long the client does not read stdout after writing the requests. */
  readonly backpressurePauseMs: number;
  /** Bound on the wait for every reply once the client reads again. */
  readonly backpressureDrainTimeoutMs: number;
  /** Item 9: backend counts of the token configs (recorded tool lists reused under distinct names). */
  readonly tokenBackendCounts: readonly number[];
}

const KIB = 1024;
const MIB = 1024 * KIB;

export const DEFAULT_PLAN: BenchPlan = {
  rounds: 5,
  warmupMs: 8000,
  latencyCallsPerRound: 1000,
  throughputConcurrencies: [1, 8, 32, 128],
  throughputBlockMs: 1500,
  startupRounds: 7,
  discoveryBackendCounts: [1, 4, 16],
  discoveryRounds: 3,
  discoveryWarmCalls: 10,
  memoryBackendCount: 16,
  memoryCalls: 100_000,
  memoryConcurrency: 32,
  payloads: [
    { label: "1 KiB", bytes: KIB, callsPerRound: 100 },
    { label: "100 KiB", bytes: 100 * KIB, callsPerRound: 30 },
    { label: "5 MiB", bytes: 5 * MIB, callsPerRound: 3 },
  ],
  backpressureRequests: 2000,
  backpressureMessageBytes: 100 * KIB,
  backpressurePauseMs: 10_000,
  backpressureDrainTimeoutMs: 120_000,
  tokenBackendCounts: [3, 10, 30],
};

export const QUICK_PLAN: BenchPlan = {
  ...DEFAULT_PLAN,
  rounds: 2,
  warmupMs: 2000,
  latencyCallsPerRound: 200,
  throughputBlockMs: 400,
  startupRounds: 2,
  discoveryRounds: 1,
  discoveryWarmCalls: 3,
  memoryCalls: 5_000,
  payloads: [
    { label: "1 KiB", bytes: KIB, callsPerRound: 20 },
    { label: "100 KiB", bytes: 100 * KIB, callsPerRound: 5 },
    { label: "5 MiB", bytes: 5 * MIB, callsPerRound: 1 },
  ],
};

/** The resolved command line of `node bench/dist/run.js`. */
export interface BenchOptions {
  readonly quick: boolean;
  readonly items: readonly BenchItem[];
  readonly plan: BenchPlan;
  /** The gateway's entry script; when it does not exist only the direct side is measured. */
  readonly gatewayBin: string;
  /** When set, every gateway runs with `--cpu-prof` and writes its profile into this folder on exit. */
  readonly profileDir: string | undefined;
  /** Whether to write `bench/results/latest.json` and `latest.svg`. */
  readonly writeResults: boolean;
  readonly help: boolean;
}

export const USAGE = `Usage: node bench/dist/run.js [options]

  --quick            fewer rounds and calls (a smoke run of a minute or two)
  --only <items>     comma-separated items by name or number:
                     1 latency, 2 throughput, 3 startup, 4 discovery, 5 memory, 6 payload, 7 framing,
                     8 backpressure, 9 tokens
  --gateway <file>   gateway entry script (default packages/gateway/dist/bin.js)
  --profile <dir>    run every gateway under node --cpu-prof, profiles written to <dir> on its exit
                     (summarise one with: node bench/dist/profileSummary.js <file.cpuprofile>)
  --no-write         print the table only; leave bench/results untouched
  -h, --help         this text
`;

/**
 * Parses the bench's command line. Throws a `TypeError` naming the option and the value when an item is
 * unknown.
 */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      gateway: { type: "string" },
      profile: { type: "string" },
      "no-write": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const items = values.only === undefined ? [...BENCH_ITEMS] : parseItems(values.only);
  return {
    quick: values.quick,
    items,
    plan: values.quick ? QUICK_PLAN : DEFAULT_PLAN,
    gatewayBin: values.gateway === undefined ? DEFAULT_GATEWAY_BIN : resolve(values.gateway),
    profileDir: values.profile === undefined ? undefined : resolve(values.profile),
    writeResults: !values["no-write"],
    help: values.help,
  };
}

function parseItems(list: string): BenchItem[] {
  const selected = new Set<BenchItem>();
  for (const raw of list.split(",")) {
    const token = raw.trim().toLowerCase();
    if (token === "") continue;
    const byNumber = /^\d+$/.test(token) ? BENCH_ITEMS[Number(token) - 1] : undefined;
    const item = byNumber ?? BENCH_ITEMS.find((name) => name === token);
    if (item === undefined) {
      throw new TypeError(
        `--only: unknown item ${JSON.stringify(raw)}; expected 1-${BENCH_ITEMS.length} or ${BENCH_ITEMS.join(", ")}`,
      );
    }
    selected.add(item);
  }
  if (selected.size === 0) throw new TypeError(`--only: no item in ${JSON.stringify(list)}`);
  return BENCH_ITEMS.filter((item) => selected.has(item));
}
