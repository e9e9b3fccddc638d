import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { STOP_SIGKILL_WAIT_MS, STOP_SIGTERM_GRACE_MS, STOP_STDIN_GRACE_MS } from "./defaults.js";

/** How a child ended, as reported by its 'exit' event. */
export interface ExitInfo {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface StopChildOptions {
  stdinGraceMs?: number;
  sigtermGraceMs?: number;
  sigkillWaitMs?: number;
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
 * On Windows SIGKILL becomes `taskkill /T /F` (the tree), anything else a plain kill. Never throws: a group that
 * is already gone is the goal.
 */
export function signalProcessGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if (process.platform === "win32") {
    if (signal === "SIGKILL") {
      const killer = spawn("taskkill", ["/pid", String(pid), "/T", "/F"], {
        stdio: "ignore",
        windowsHide: true,
      });
      killer.on("error", () => {});
      killer.unref();
    } else {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    }
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
  if (exit === undefined) {
    signalProcessGroup(child, "SIGTERM");
    exit = await waitForExit(child, options.sigtermGraceMs ?? STOP_SIGTERM_GRACE_MS);
  }
  if (exit === undefined) {
    signalProcessGroup(child, "SIGKILL");
    exit = await waitForExit(child, options.sigkillWaitMs ?? STOP_SIGKILL_WAIT_MS);
  }
  // Grandchildren that outlived the leader (a `sh -c` child, a daemonised helper) die with the backend.
  // (Windows: taskkill /T already took the tree, and a reaped pid may be reused there.)
  if (process.platform !== "win32") signalProcessGroup(child, "SIGKILL");
  child.stdin?.destroy();
  child.stdout?.destroy();
  child.stderr?.destroy();
  return exit;
}
