/**
 * Leak probes over the process table (/proc on Linux, `process.kill(pid, 0)` elsewhere): tests record the
 * pids they caused and check afterwards that neither they nor anything in their process groups is left.
 */
import { readFileSync, readdirSync } from "node:fs";

interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
}

const hasProc = (() => {
  try {
    readdirSync("/proc/self");
    return true;
  } catch {
    return false;
  }
})();

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid pgrp …": comm may contain spaces and parentheses.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { pid, state: fields[0] ?? "?", ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** Whether the pid is a live process (a zombie is dead: it only waits to be reaped). */
export function isRunning(pid: number): boolean {
  if (hasProc) {
    const stat = readStat(pid);
    return stat !== undefined && stat.state !== "Z" && stat.state !== "X";
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Live processes whose process group is `pgid` (a detached child's pid is its group id). Linux only: []. */
export function groupMembers(pgid: number): number[] {
  if (!hasProc) return [];
  const members: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat !== undefined && stat.pgrp === pgid && stat.state !== "Z" && stat.state !== "X")
      members.push(stat.pid);
  }
  return members;
}

/** Live descendants of `pid` (children, grandchildren, …). Linux only: []. */
export function descendantsOf(pid: number): number[] {
  if (!hasProc) return [];
  const stats = readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readStat(Number(entry)))
    .filter((stat): stat is ProcStat => stat !== undefined && stat.state !== "Z");
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const stat of stats) {
      if (stat.ppid === parent) {
        found.push(stat.pid);
        queue.push(stat.pid);
      }
    }
  }
  return found;
}

/**
 * Every process of `pids` and of their process groups that is still running, after polling up to `waitMs`
 * (a SIGKILLed grandchild takes a moment to disappear). Empty means nothing leaked.
 */
export async function survivors(pids: Iterable<number>, waitMs = 5000): Promise<number[]> {
  const list = [...new Set(pids)];
  const deadline = Date.now() + waitMs;
  for (;;) {
    const alive = new Set<number>();
    for (const pid of list) {
      if (isRunning(pid)) alive.add(pid);
      for (const member of groupMembers(pid)) alive.add(member);
    }
    if (alive.size === 0 || Date.now() >= deadline) return [...alive];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
