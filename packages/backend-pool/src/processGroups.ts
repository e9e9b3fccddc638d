/**
 * Plain-process backends left behind by a gateway that was killed (SIGKILL, OOM): each runs in its own process
 * group, which outlives its owner when the backend ignores the end of its stdin. Every pool that is given a state
 * folder records its groups there (one small file per pool, rewritten on each spawn and stop); at start, a
 * gateway stops the groups recorded by owners that are gone. Start times (from `/proc`) guard against pid reuse:
 * a group is touched only when its leader is the very process recorded, or is gone and its members remain.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { currentDockerOwner, readProcessStartTime } from "./dockerOwner.js";

/** One process group a pool started. */
interface RecordedGroup {
  backend: string;
  /** The leader's start time in clock ticks since boot. */
  startTime: string;
}

interface RegistryFile {
  owner: { pid: number; startTime: string | undefined; bootId: string | undefined };
  groups: Record<string, RecordedGroup>;
}

/** Stop ladder of a swept group: SIGTERM, this long, SIGKILL, then up to `SWEEP_KILL_WAIT_MS` for it to go. */
const SWEEP_TERM_GRACE_MS = 800;
const SWEEP_KILL_WAIT_MS = 2_000;
const POLL_MS = 50;

/** The process groups of one pool, kept in `<dir>/<instanceId>.json`. Linux only (it needs `/proc`). */
export class ProcessGroupRegistry {
  readonly #file: string;
  readonly #groups = new Map<number, RecordedGroup>();
  readonly #onError: (error: Error) => void;

  constructor(dir: string, instanceId: string, onError: (error: Error) => void) {
    this.#file = path.join(dir, `${instanceId}.json`);
    this.#onError = onError;
  }

  /** Record the group led by `pid` (the backend's process, spawned in a group of its own). */
  record(backend: string, pid: number): void {
    const startTime = readProcessStartTime(pid);
    if (startTime === undefined) return; // no /proc, or it is gone already
    this.#groups.set(pid, { backend, startTime });
    this.#write();
  }

  /** The group was stopped (the stop ladder reached its whole group). */
  forget(pid: number): void {
    if (this.#groups.delete(pid)) this.#write();
  }

  #write(): void {
    try {
      if (this.#groups.size === 0) {
        rmSync(this.#file, { force: true });
        return;
      }
      const owner = currentDockerOwner();
      const content: RegistryFile = {
        owner: { pid: owner.pid, startTime: owner.startTime, bootId: owner.bootId },
        groups: Object.fromEntries([...this.#groups].map(([pgid, group]) => [String(pgid), group])),
      };
      mkdirSync(path.dirname(this.#file), { recursive: true });
      // Written whole and renamed: a gateway killed mid-write leaves the previous version, never half a file.
      const temporary = `${this.#file}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(content));
      renameSync(temporary, this.#file);
    } catch (error) {
      this.#onError(error as Error);
    }
  }
}

export interface ProcessSweepResult {
  /** Groups stopped: their backend and leader pid. */
  stopped: { backend: string; pgid: number }[];
  /** Registry files of owners still running, left alone. */
  liveOwners: number;
}

/** The pids of every process in each process group, from `/proc`. */
async function processGroups(): Promise<Map<number, number[]>> {
  const groups = new Map<number, number[]>();
  for (const name of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => undefined);
    if (stat === undefined) continue;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Field 3 is the state, 5 the process group.
    if (fields[0] === "Z") continue;
    const pgid = Number(fields[2]);
    const members = groups.get(pgid);
    if (members === undefined) groups.set(pgid, [Number(name)]);
    else members.push(Number(name));
  }
  return groups;
}

function isOwnerAlive(owner: RegistryFile["owner"], bootId: string | undefined): boolean {
  if (owner.bootId !== undefined && bootId !== undefined && owner.bootId !== bootId) return false;
  const startTime = readProcessStartTime(owner.pid);
  return startTime !== undefined && startTime === owner.startTime;
}

/** True when `pgid` is still the group that was recorded: its leader is the same process, or gone with members left. */
function isRecordedGroup(
  pgid: number,
  group: RecordedGroup,
  members: readonly number[] | undefined,
): boolean {
  if (members === undefined || members.length === 0) return false;
  const leaderStart = readProcessStartTime(pgid);
  return leaderStart === undefined || leaderStart === group.startTime;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is gone
  }
}

async function stopGroup(pgid: number, group: RecordedGroup): Promise<void> {
  const alive = async (): Promise<boolean> => ((await processGroups()).get(pgid)?.length ?? 0) > 0;
  const waitGone = async (ms: number): Promise<boolean> => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (!(await alive())) return true;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    return !(await alive());
  };
  signalGroup(pgid, "SIGTERM");
  if (await waitGone(SWEEP_TERM_GRACE_MS)) return;
  // Still the recorded group? In the grace time its pid may have gone and come back as another group's leader.
  if (!isRecordedGroup(pgid, group, (await processGroups()).get(pgid))) return;
  signalGroup(pgid, "SIGKILL");
  await waitGone(SWEEP_KILL_WAIT_MS);
}

/**
 * Stop (SIGTERM, then SIGKILL) the process groups recorded in `dir` by pools whose owner process is gone, and
 * remove their files. Files of live owners are left alone. Without `/proc` (not Linux) nothing is done. With
 * `dryRun`, only report the groups that would be stopped (for `doctor`).
 */
export async function sweepOrphanProcessGroups(
  dir: string,
  options: { dryRun?: boolean } = {},
): Promise<ProcessSweepResult> {
  const result: ProcessSweepResult = { stopped: [], liveOwners: 0 };
  if (readProcessStartTime(process.pid) === undefined) return result;
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(".json"));
  } catch {
    return result; // no folder: nothing was ever recorded
  }
  const bootId = currentDockerOwner().bootId;
  let groups: Map<number, number[]> | undefined;
  for (const name of names) {
    const file = path.join(dir, name);
    let content: RegistryFile;
    try {
      content = JSON.parse(readFileSync(file, "utf8")) as RegistryFile;
    } catch {
      if (options.dryRun !== true) await rm(file, { force: true });
      continue;
    }
    if (isOwnerAlive(content.owner, bootId)) {
      result.liveOwners++;
      continue;
    }
    const rebooted =
      content.owner.bootId !== undefined && bootId !== undefined && content.owner.bootId !== bootId;
    groups ??= await processGroups();
    for (const [key, group] of Object.entries(content.groups ?? {})) {
      const pgid = Number(key);
      if (rebooted || !Number.isSafeInteger(pgid) || pgid <= 1) continue;
      if (!isRecordedGroup(pgid, group, groups.get(pgid))) continue;
      if (options.dryRun !== true) await stopGroup(pgid, group);
      result.stopped.push({ backend: group.backend, pgid });
    }
    if (options.dryRun !== true) await rm(file, { force: true });
  }
  return result;
}
