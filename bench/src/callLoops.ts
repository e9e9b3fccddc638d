import { performance } from "node:perf_hooks";
import type { BenchSession } from "./benchSession.js";

/** The message every latency and throughput call echoes. */
export const ECHO_MESSAGE = "mcpware benchmark";
/** Calls in flight while warming up: enough to make every hot path hot on both sides. */
const WARMUP_CONCURRENCY = 32;
const WARMUP_SEQUENTIAL_CALLS = 200;

/**
 * Keeps `concurrency` echo calls in flight for `durationMs` (each worker starts its next call as soon as its
 * previous one completes) and returns how many completed, the tail of in-flight calls included. Calls are spread
 * over the session's backends round-robin.
 */
export async function runForDuration(
  session: BenchSession,
  concurrency: number,
  durationMs: number,
): Promise<number> {
  let completed = 0;
  const deadline = performance.now() + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await session.echo(ECHO_MESSAGE, completed);
      completed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return completed;
}

/** Makes exactly `total` echo calls with `concurrency` in flight, spread over the backends round-robin. */
export async function runCalls(session: BenchSession, concurrency: number, total: number): Promise<void> {
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < total) {
      const index = started++;
      await session.echo(ECHO_MESSAGE, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

/**
 * Sustained load, then a few sequential calls. Measured processes keep speeding up for several seconds of load
 * (V8 tiers up their hot paths), so warm-up is by time, not by a handful of calls.
 */
export async function warmUp(session: BenchSession, durationMs: number): Promise<void> {
  await runForDuration(session, WARMUP_CONCURRENCY, durationMs);
  for (let call = 0; call < WARMUP_SEQUENTIAL_CALLS; call++) await session.echo(ECHO_MESSAGE);
}
