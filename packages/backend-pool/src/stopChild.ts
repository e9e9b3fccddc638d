import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { STOP_SIGKILL_WAIT_MS, STOP_SIGTERM_GRACE_MS, STOP_STDIN_GRACE_MS } from "./defaults.js";

/** How a child ended, as reported by its 'exit' event. */
export interface ExitInfo {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

/** Where and how signals are sent; the defaults are this process's platform and a real `spawn`. */
export interface SignalOptions {
  /** The platform whose way of signalling to use (default `process.platform`). */
  platform?: NodeJS.Platform;
  /** Starts a helper command such as `taskkill` without waiting for it; must never throw. */
  runCommand?: (file: string, args: readonly string[]) => void;
}

export interface StopChildOptions extends SignalOptions {
  stdinGraceMs?: number;
  sigtermGraceMs?: number;
  sigkillWaitMs?: number;
}

/** Runs a helper command detached from our stdio; a missing or failing command is ignored. */
function runDetached(file: string, args: readonly string[]): void {
  try {
    const helper = spawn(file, args, { stdio: "ignore", windowsHide: true });
    helper.on("error", () => {});
    helper.unref();
  } catch {
    // nothing more can be done from here
  }
}

/** The exit info if the child has already exited. */
export function exitInfoOf(child: ChildProcess): ExitInfo | undefined {
  return child.exitCode !== null || child.signalCode !== null
    ? { exitCode: child.exitCode, signal: child.signalCode }
    : undefined;
}

/** Resolves with the child's exit info, or undefined after `ms` (timer unref'd). */
export function waitForExit(child: ChildProcess, ms: number): Promise<ExitInfo | undefined> {
  const done = exitInfoOf(child);
  if (done !== undefined) return Promise.resolve(done);
  return new Promise((resolve) => {
    const onExit = (exitCode: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      resolve({ exitCode, signal });
    };
    const timer = setTimeout(() => {
      child.off("exit", onExit);
      resolve(undefined);
    }, ms);
    timer.unref();
    child.once("exit", onExit);
  });
}

/**
 * Resolves once the child has exited and its stdout has ended, or after `ms` (timer unref'd), with the exit info
 * if known by then.
 */
export function settleExit(child: ChildProcess, ms: number): Promise<ExitInfo | undefined> {
  const stdout = child.stdout;
  const isSettled = (): boolean =>
    exitInfoOf(child) !== undefined && (stdout === null || stdout.readableEnded || stdout.destroyed);
  if (isSettled()) return Promise.resolve(exitInfoOf(child));
  return new Promise((resolve) => {
    const check = (): void => {
      if (isSettled()) finish();
    };
    const finish = (): void => {
      clearTimeout(timer);
      child.off("exit", check);
      stdout?.off("end", check);
      stdout?.off("close", check);
      resolve(exitInfoOf(child));
    };
    const timer = setTimeout(finish, ms);
    timer.unref();
    child.on("exit", check);
    stdout?.on("end", check);
    stdout?.on("close", check);
  });
}

/**
 * Signal the child's whole process group (POSIX; the child was spawned detached, so its pid is the group id).
 * On Windows there are no groups and `child.kill()` ends the leader alone (the `cmd.exe` running a `.cmd` shim
 * such as npx, not the server under it), so both rungs act on the process tree: SIGKILL becomes
 * `taskkill /pid X /T /F`, any other signal the polite `taskkill /pid X /T`. Never throws: a group that is
 * already gone is the goal.
 */
export function signalProcessGroup(
  child: ChildProcess,
  signal: NodeJS.Signals,
  options: SignalOptions = {},
): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if ((options.platform ?? process.platform) === "win32") {
    const args = ["/pid", String(pid), "/T", ...(signal === "SIGKILL" ? ["/F"] : [])];
    (options.runCommand ?? runDetached)("taskkill", args);
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: no process left in the group. Fall back to the child alone in case it left the group.
    try {
      if (exitInfoOf(child) === undefined) child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/**
 * The stop ladder, the only way the pool stops a process (MCP stdio shutdown): end stdin → grace → SIGTERM to
 * the process group → grace → SIGKILL to the group → await 'exit'. Once the child has exited, whatever is left
 * of its group (grandchildren that outlived it) gets SIGKILL. Resolves with the exit info (undefined only if the
 * child survived SIGKILL for `sigkillWaitMs`). Never rejects; every timer is unref'd.
 *
 * On Windows both signals go to the tree with `taskkill` (see `signalProcessGroup`) while the leader is still
 * running: once it is gone, its pid no longer leads to the processes it started.
 */
export async function stopChild(
  child: ChildProcess,
  options: StopChildOptions = {},
): Promise<ExitInfo | undefined> {
  let exit = exitInfoOf(child);
  if (exit === undefined) {
    try {
      child.stdin?.end();
    } catch {
      // a broken pipe is as good as a closed one
    }
    exit = await waitForExit(child, options.stdinGraceMs ?? STOP_STDIN_GRACE_MS);
  }
  const signalOptions: SignalOptions = { platform: options.platform, runCommand: options.runCommand };
  if (exit === undefined) {
    signalProcessGroup(child, "SIGTERM", signalOptions);
    exit = await waitForExit(child, options.sigtermGraceMs ?? STOP_SIGTERM_GRACE_MS);
  }
  if (exit === undefined) {
    signalProcessGroup(child, "SIGKILL", signalOptions);
    exit = await waitForExit(child, options.sigkillWaitMs ?? STOP_SIGKILL_WAIT_MS);
  }
  // Grandchildren that outlived the leader (a `sh -c` child, a daemonised helper) die with the backend.
  // (Windows: taskkill /T already took the tree, and a reaped pid may be reused there.)
  if ((options.platform ?? process.platform) !== "win32") signalProcessGroup(child, "SIGKILL", signalOptions);
  child.stdin?.destroy();
  child.stdout?.destroy();
  child.stderr?.destroy();
  return exit;
}
