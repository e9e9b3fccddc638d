import type { SideProcesses } from "./benchSession.js";
import { readCpuMs } from "./procfs.js";
import { ALL_SIDES, compare, type Comparison, emptyRounds, type Side } from "./stats.js";

/** CPU time per call of each process on one side, µs. */
export interface CpuPerCall {
  /** The bench process (the SDK client). */
  readonly clientUs: number;
  /** The process between client and backend: the floor relay or the gateway (null on the direct side). */
  readonly middleUs: number | null;
  /** server-everything: the spawned server (direct) or the middle process's backends together. */
  readonly backendUs: number;
  /** All of the above. */
  readonly totalUs: number;
}

/**
 * Measures the CPU time the client, the middle process and the backends spend while `work` runs, divided by the
 * number of calls `work` reports. CPU time does not depend on how busy the machine is, so it shows what each
 * hop costs where wall-clock figures drown in other jobs' noise. `/proc/<pid>/stat` counts in 10 ms ticks, so a
 * block should make each process spend well over 10 ms.
 */
export async function measureCpuPerCall(
  processes: SideProcesses,
  work: () => Promise<number>,
): Promise<{ calls: number; cpu: CpuPerCall }> {
  const read = (pids: readonly number[]): number =>
    pids.reduce((sum, each) => sum + (readCpuMs(each) ?? 0), 0);
  const middlePids = processes.middle === undefined ? [] : [processes.middle];
  const clientBefore = process.cpuUsage();
  const middleBefore = read(middlePids);
  const backendBefore = read(processes.backends);
  const calls = await work();
  const client = process.cpuUsage(clientBefore);
  const perCall = (ms: number): number => (calls > 0 ? (ms * 1000) / calls : Number.NaN);
  const clientUs = calls > 0 ? (client.user + client.system) / calls : Number.NaN;
  const middleUs = processes.middle === undefined ? null : perCall(read(middlePids) - middleBefore);
  const backendUs = perCall(read(processes.backends) - backendBefore);
  return { calls, cpu: { clientUs, middleUs, backendUs, totalUs: clientUs + (middleUs ?? 0) + backendUs } };
}

/** CPU µs per call of each kind of process, compared across sides (medians over rounds). */
export interface CpuComparison {
  /** Every process of the side together. */
  readonly total: Comparison;
  /** The floor relay against the gateway (no direct figure). */
  readonly middle: Comparison;
  readonly client: Comparison;
  readonly backend: Comparison;
}

/** Builds the {@link CpuComparison} of the per-round measurements of each side. */
export function compareCpu(rounds: Partial<Record<Side, readonly CpuPerCall[]>>): CpuComparison {
  const field = (get: (each: CpuPerCall) => number | null): Record<Side, number[]> => {
    const values = emptyRounds();
    for (const side of ALL_SIDES) {
      for (const each of rounds[side] ?? []) {
        const value = get(each);
        if (value !== null) values[side].push(value);
      }
    }
    return values;
  };
  return {
    total: compare(
      "µs",
      field((each) => each.totalUs),
    ),
    middle: compare(
      "µs",
      field((each) => each.middleUs),
    ),
    client: compare(
      "µs",
      field((each) => each.clientUs),
    ),
    backend: compare(
      "µs",
      field((each) => each.backendUs),
    ),
  };
}
