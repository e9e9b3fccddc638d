import { readCpuMs } from "./procfs.js";

/** CPU time per call of each process on one side, µs. */
export interface CpuPerCall {
  /** The bench process (the SDK client). */
  readonly clientUs: number;
  /** The spawned process: server-everything (direct) or the gateway. */
  readonly serverUs: number;
  /** The gateway's backends together (0 on the direct side). */
  readonly backendsUs: number;
  /** All of the above. */
  readonly totalUs: number;
}

/**
 * Measures the CPU time the client, the spawned process and its descendants spend while `work` runs, divided by
 * the number of calls `work` reports. CPU time does not depend on how busy the machine is, so it shows what each
 * hop costs where wall-clock figures drown in other jobs' noise.
 */
export async function measureCpuPerCall(
  pid: number,
  descendants: readonly number[],
  work: () => Promise<number>,
): Promise<{ calls: number; cpu: CpuPerCall }> {
  const read = (pids: readonly number[]): number =>
    pids.reduce((sum, each) => sum + (readCpuMs(each) ?? 0), 0);
  const clientBefore = process.cpuUsage();
  const serverBefore = read([pid]);
  const backendsBefore = read(descendants);
  const calls = await work();
  const client = process.cpuUsage(clientBefore);
  const perCall = (ms: number): number => (calls > 0 ? (ms * 1000) / calls : Number.NaN);
  const clientUs = calls > 0 ? (client.user + client.system) / calls : Number.NaN;
  const serverUs = perCall(read([pid]) - serverBefore);
  const backendsUs = perCall(read(descendants) - backendsBefore);
  return { calls, cpu: { clientUs, serverUs, backendsUs, totalUs: clientUs + serverUs + backendsUs } };
}
