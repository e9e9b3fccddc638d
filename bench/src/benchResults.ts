import type { BackpressureResult } from "./backpressureBench.js";
import type { DiscoveryResult } from "./discoveryBench.js";
import type { FramingItemResult } from "./framingItem.js";
import type { LatencyResult } from "./latencyBench.js";
import type { MemoryResult } from "./memoryBench.js";
import type { PayloadResult } from "./payloadBench.js";
import type { StartupResult } from "./startupBench.js";
import type { ThroughputResult } from "./throughputBench.js";
import type { TokensResult } from "./tokensBench.js";

/** Where and with what the run happened. */
export interface BenchMeta {
  readonly date: string;
  readonly quick: boolean;
  readonly items: readonly string[];
  readonly node: string;
  readonly platform: string;
  readonly cpus: number;
  readonly cpuModel: string;
  /** 1, 5 and 15 minute load averages: how busy the shared machine was. */
  readonly loadAverageAtStart: readonly number[];
  readonly loadAverageAtEnd?: readonly number[];
  readonly gitCommit?: string;
  readonly gatewayVersion?: string;
  readonly sdkVersion?: string;
  readonly serverEverythingVersion?: string;
  /** False when the gateway binary was missing: every gateway figure is then null (direct and floor are measured). */
  readonly gatewayMeasured: boolean;
  readonly durationS: number;
}

/** One goal: reported, never asserted. */
export interface GoalOutcome {
  readonly id: string;
  readonly description: string;
  /** The measured value the goal compares (null when not measured in this run). */
  readonly value: number | null;
  readonly target: string;
  /** null: not measured in this run. */
  readonly met: boolean | null;
}

/** Everything written to bench/results/latest.json. */
export interface BenchResults {
  meta: BenchMeta;
  latency?: LatencyResult;
  throughput?: ThroughputResult;
  startup?: StartupResult;
  discovery?: DiscoveryResult;
  memory?: MemoryResult;
  payload?: PayloadResult;
  framing?: FramingItemResult;
  backpressure?: BackpressureResult;
  tokens?: TokensResult;
  goals: GoalOutcome[];
  /** Items that threw, with the message. */
  errors: { item: string; message: string }[];
  warnings: string[];
}
