import { readdirSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { roundTo3 } from "./stats.js";
import { setTimeout as delay } from "node:timers/promises";

const BYTES_PER_KIB = 1024;

/**
 * The resident set size of a process in bytes, read from `VmRSS` in `/proc/<pid>/status` (Linux only).
 * Undefined when the process is gone or the field is absent.
 */
export function readRssBytes(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match === null ? undefined : Number(match[1]) * BYTES_PER_KIB;
}

/** Every descendant of a process (children, grandchildren, …), found by scanning the parent pids in `/proc`. */
export function listDescendantPids(rootPid: number): number[] {
  const childrenOf = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = readParentPid(Number(entry));
    if (parent === undefined) continue;
    const siblings = childrenOf.get(parent) ?? [];
    siblings.push(Number(entry));
    childrenOf.set(parent, siblings);
  }
  const found: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const child of childrenOf.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function readParentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name in field 2 may contain spaces and parentheses: fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

/** Whether a process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Kernel clock ticks per second for `/proc/<pid>/stat` times (USER_HZ: 100 on every mainstream Linux build). */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system) a process has used so far, in ms, from `/proc/<pid>/stat` (resolution 10 ms).
 * Undefined when the process is gone.
 */
export function readCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14 (utime) and 15 (stime) of proc(5); the slice starts at field 3.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

const LEFTOVER_POLL_MS = 50;

/** Sends a signal, ignoring a process that is already gone. */
export function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Waits up to `graceMs` for the processes to be gone, then kills those still alive (SIGKILL) and returns their
 * pids (empty when everything exited on its own).
 */
export async function killLeftovers(pids: readonly number[], graceMs: number): Promise<number[]> {
  const deadline = performance.now() + graceMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && performance.now() < deadline) {
    await delay(LEFTOVER_POLL_MS);
    alive = alive.filter(isAlive);
  }
  for (const pid of alive) killQuietly(pid, "SIGKILL");
  return alive;
}

export const BYTES_PER_MIB = 1024 * 1024;

/** A process's VmRSS in MiB (3 decimals); throws when it cannot be read. */
export function rssMiB(pid: number): number {
  const bytes = readRssBytes(pid);
  if (bytes === undefined) throw new Error(`cannot read VmRSS of pid ${pid} (gone, or not Linux)`);
  return roundTo3(bytes / BYTES_PER_MIB);
}
