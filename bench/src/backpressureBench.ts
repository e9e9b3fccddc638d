import { execFile } from "node:child_process";
import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import type { BenchContext } from "./benchContext.js";
import { LEFTOVER_GRACE_MS, REQUEST_TIMEOUT_MS } from "./benchSession.js";
import { backendNames, writeGatewayConfig } from "./gatewayConfig.js";
import { BYTES_PER_MIB, readRssBytes, rssMiB } from "./procfs.js";
import { RawClient, type RawResponse } from "./rawClient.js";
import { roundTo3 } from "./stats.js";

/** The backend's in-flight limit in the gateway config of item 8: every request is let through to the backend. */
export const BACKPRESSURE_MAX_IN_FLIGHT = 2048;

const INITIALIZE_TIMEOUT_MS = 30_000;
const VALIDATE_TIMEOUT_MS = 60_000;
/** Pause after the warm-up call before the idle RSS is read. */
const SETTLE_MS = 1000;
const SAMPLE_EVERY_MS = 100;
/** Each request's message starts with its id, padded to this many digits, so every reply is checked against its own request. */
const ID_WIDTH = 8;
const FIRST_ID = 1000;
const MAX_FAILURES_KEPT = 5;

/** What one middle process did while its client stopped reading. */
export interface BackpressureFigures {
  /** VmRSS after `initialize` and one warm-up echo of the same size, then a one-second pause. */
  readonly idleMiB: number;
  /** Highest VmRSS sampled (every 100 ms) while the client did not read. */
  readonly peakWhilePausedMiB: number;
  /** Highest VmRSS sampled from the first request until the last reply was read. */
  readonly peakMiB: number;
  /** peakMiB − idleMiB: includes the garbage of relaying 2 × 200 MiB at full speed once the client reads again. */
  readonly growthMiB: number;
  /** peakWhilePausedMiB − idleMiB: what a client that stops reading costs (the goal's figure). */
  readonly growthWhilePausedMiB: number;
  /**
   * Requests the client had handed to the pipe when the pause ended: all of them means the process kept reading
   * its stdin while it could not write its stdout.
   */
  readonly requestsWrittenWhilePaused: number;
  /** Replies with one of the requests' ids (each id counted once). */
  readonly repliesReceived: number;
  /** Replies that were a success carrying the echo of their own request's message. */
  readonly repliesOk: number;
  /** Requests without a reply when the wait ended. */
  readonly missing: number;
  /** Responses with an unknown or repeated id. */
  readonly unexpectedResponses: number;
  /** The first few replies that were not the expected success, described. */
  readonly failures: readonly string[];
  /** From reading again to the last reply, ms (null when not every reply arrived). */
  readonly drainMs: number | null;
  readonly rssSamples: number;
}

/** One side of item 8: measured, or why not (e.g. the gateway rejected the config). */
export type BackpressureSide =
  | ({ readonly available: true } & BackpressureFigures)
  | { readonly available: false; readonly reason: string };

/** Item 8: memory of the middle process while its client stops reading and large replies are due. */
export interface BackpressureResult {
  readonly requests: number;
  readonly messageBytes: number;
  readonly pauseMs: number;
  readonly drainTimeoutMs: number;
  /** `maxInFlight` of the gateway's backend. */
  readonly maxInFlight: number;
  /** null when the gateway binary was not found. */
  readonly gateway: BackpressureSide | null;
  /** The floor relay with the same client, for comparison (a figure, not a goal). */
  readonly floor: BackpressureSide;
}

/**
 * Runs item 8 against the gateway (one server-everything backend with `maxInFlight` 2048) and against the floor
 * relay: a raw client initializes, warms up with one echo, reads the middle process's idle VmRSS, writes all
 * the requests (`use_tool` → `echo` of a 100 KiB message, distinct ids) and does not read stdout for the pause,
 * sampling VmRSS; then it reads again until every reply has arrived or the wait is over. Each side's processes
 * are stopped before the next side starts.
 */
export async function runBackpressureBench(context: BenchContext): Promise<BackpressureResult> {
  const { environment, plan } = context;
  let gateway: BackpressureSide | null = null;
  if (context.gatewayAvailable) {
    const config = await writeGatewayConfig(environment.workDir, environment.everythingEntry, 1, {
      label: "backpressure",
      fields: { maxInFlight: BACKPRESSURE_MAX_IN_FLIGHT },
    });
    const rejected = await validateConfig(environment.gatewayBin, config);
    if (rejected === undefined) {
      gateway = await measureSide(context, "gateway", backendNames(1)[0] as string, [
        ...environment.gatewayNodeArgs,
        environment.gatewayBin,
        "--config",
        config,
      ]);
    } else {
      const reason = rejected.replaceAll(config, "<config>");
      gateway = { available: false, reason: `the gateway rejected the config: ${reason}` };
      context.warn(`backpressure: mcpware not measured, ${gateway.reason}`);
    }
  }
  const floor = await measureSide(context, "floor", "everything", [
    environment.floorRelayScript,
    process.execPath,
    environment.everythingEntry,
    "stdio",
  ]);
  return {
    requests: plan.backpressureRequests,
    messageBytes: plan.backpressureMessageBytes,
    pauseMs: plan.backpressurePauseMs,
    drainTimeoutMs: plan.backpressureDrainTimeoutMs,
    maxInFlight: BACKPRESSURE_MAX_IN_FLIGHT,
    gateway,
    floor,
  };
}

/** Runs `mcpware validate --config <file>`; undefined when it accepts the file, else its stderr. */
function validateConfig(gatewayBin: string, config: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [gatewayBin, "validate", "--config", config],
      { timeout: VALIDATE_TIMEOUT_MS },
      (error, _stdout, stderr) => {
        if (error === null) resolve(undefined);
        else resolve(stderr.trim().replace(/\s+/g, " ").slice(-2000) || error.message);
      },
    );
  });
}

async function measureSide(
  context: BenchContext,
  side: "floor" | "gateway",
  backend: string,
  args: readonly string[],
): Promise<BackpressureSide> {
  const { backpressureRequests: requests, backpressureMessageBytes: bytes } = context.plan;
  const filler = "x".repeat(bytes - ID_WIDTH);
  const messageFor = (id: number): string => `${String(id).padStart(ID_WIDTH, "0")}${filler}`;
  const requestLine = (id: number): string =>
    `${JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: useTool(backend, messageFor(id)) })}\n`;
  const client = RawClient.spawn(args);
  const failed = (what: string, error?: unknown): Error =>
    new Error(`${side}: ${what}; stderr tail: ${client.tail()}`, { cause: error });
  let sampler: RssSampler | undefined;
  try {
    await client.initialize(INITIALIZE_TIMEOUT_MS).catch((error: unknown) => {
      throw failed("initialize failed", error);
    });
    const warm = await client.request(1, "tools/call", useTool(backend, messageFor(1)), REQUEST_TIMEOUT_MS);
    const warmProblem = echoProblem(warm, messageFor(1));
    if (warmProblem !== undefined) throw failed(`warm-up echo: ${warmProblem}`);
    await delay(SETTLE_MS);
    const idleMiB = rssMiB(client.pid);

    const answered = new Set<number>();
    const failures: string[] = [];
    let repliesOk = 0;
    let unexpectedResponses = 0;
    let allAnswered: () => void = () => undefined;
    const everyReply = new Promise<void>((resolve) => (allAnswered = resolve));
    client.onResponse = (response) => {
      const id = response.id;
      if (typeof id !== "number" || id < FIRST_ID || id >= FIRST_ID + requests || answered.has(id)) {
        unexpectedResponses++;
        return;
      }
      answered.add(id);
      const problem = echoProblem(response, messageFor(id));
      if (problem === undefined) repliesOk++;
      else if (failures.length < MAX_FAILURES_KEPT) failures.push(`id ${id}: ${problem}`);
      if (answered.size === requests) allAnswered();
    };

    client.pauseReading();
    sampler = new RssSampler(client.pid);
    let written = 0;
    let stopWriting = false;
    const writing = (async () => {
      for (let index = 0; index < requests && !stopWriting && !client.hasExited; index++) {
        await client.write(requestLine(FIRST_ID + index));
        written++;
      }
    })();
    context.log(
      `  backpressure ${side}: ${requests} requests queued, not reading for ${context.plan.backpressurePauseMs} ms`,
    );
    await delay(context.plan.backpressurePauseMs);
    const peakWhilePausedMiB = sampler.peakMiB;
    const requestsWrittenWhilePaused = written;
    const resumedAt = performance.now();
    client.resumeReading();
    const outcome = await Promise.race([
      everyReply.then(() => "done" as const),
      delay(context.plan.backpressureDrainTimeoutMs, "timeout" as const, { ref: false }),
    ]);
    const drainMs = outcome === "done" ? performance.now() - resumedAt : null;
    stopWriting = true;
    sampler.stop();
    if (outcome === "done") await writing;
    context.log(
      `  backpressure ${side}: ${answered.size}/${requests} replies (${repliesOk} correct), RSS idle ${idleMiB} MiB, ` +
        `peak ${sampler.peakMiB} MiB${failures.length > 0 ? `; first failure ${failures[0]}` : ""}`,
    );
    return {
      available: true,
      idleMiB,
      peakWhilePausedMiB,
      peakMiB: sampler.peakMiB,
      growthMiB: roundTo3(sampler.peakMiB - idleMiB),
      growthWhilePausedMiB: roundTo3(peakWhilePausedMiB - idleMiB),
      requestsWrittenWhilePaused,
      repliesReceived: answered.size,
      repliesOk,
      missing: requests - answered.size,
      unexpectedResponses,
      failures,
      drainMs: drainMs === null ? null : roundTo3(drainMs),
      rssSamples: sampler.samples,
    };
  } finally {
    sampler?.stop();
    const leftovers = await client.close(LEFTOVER_GRACE_MS);
    if (leftovers.length > 0) {
      context.warn(
        `backpressure ${side} pid ${client.pid} left ${leftovers.length} process(es) running after close ` +
          `(killed by the bench): ${leftovers.join(", ")}`,
      );
    }
  }
}

function useTool(backend: string, message: string): unknown {
  return {
    name: "use_tool",
    arguments: { backend_server: backend, server_tool: "echo", tool_arguments: { message } },
  };
}

/** Why a reply is not the successful echo of `message` (undefined when it is). */
function echoProblem(response: RawResponse, message: string): string | undefined {
  if (response.error !== undefined) {
    return `error ${String(response.error.code)}: ${String(response.error.message).slice(0, 200)}`;
  }
  const result = response.result as { isError?: unknown; content?: { text?: unknown }[] } | undefined;
  const text = Array.isArray(result?.content) ? result.content[0]?.text : undefined;
  if (result?.isError === true) return `isError: ${String(text).slice(0, 200)}`;
  if (text !== `Echo: ${message}`) return `unexpected result ${JSON.stringify(result).slice(0, 200)}`;
  return undefined;
}

/** Reads a process's VmRSS every {@link SAMPLE_EVERY_MS} and keeps the peak. */
class RssSampler {
  peakMiB = 0;
  samples = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    const bytes = readRssBytes(this.pid);
    if (bytes === undefined) return;
    this.samples++;
    this.peakMiB = Math.max(this.peakMiB, roundTo3(bytes / BYTES_PER_MIB));
  }
}
