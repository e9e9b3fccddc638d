import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { signalProcessGroup, stopChild } from "../stopChild.js";

/** Short enough to keep the test quick; nothing here depends on how long the waits really take. */
const GRACE_MS = 20;
const PID = 4242;

/** A stand-in for a Windows child: records what the ladder does to it and exits when told. */
class FakeChild extends EventEmitter {
  readonly pid = PID;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly log: string[];
  readonly stdin = {
    end: () => this.log.push("stdin end"),
    destroy: () => {},
  };
  readonly stdout = null;
  readonly stderr = null;

  constructor(log: string[]) {
    super();
    this.log = log;
  }

  kill(signal?: NodeJS.Signals): boolean {
    this.log.push(`child.kill ${String(signal)}`);
    return true;
  }

  exit(code: number): void {
    this.exitCode = code;
    this.emit("exit", code, null);
  }
}

/** Runs the ladder as on win32; `onCommand` may end the fake child in answer to a command. */
async function climb(onCommand: (args: readonly string[], child: FakeChild) => void = () => {}) {
  const log: string[] = [];
  const child = new FakeChild(log);
  const exit = await stopChild(child as unknown as ChildProcess, {
    platform: "win32",
    stdinGraceMs: GRACE_MS,
    sigtermGraceMs: GRACE_MS,
    sigkillWaitMs: GRACE_MS,
    runCommand: (file, args) => {
      log.push(`${file} ${args.join(" ")}`);
      onCommand(args, child);
    },
  });
  return { log, exit };
}

describe("stopChild on Windows (injected platform and command runner)", () => {
  it("asks the whole tree to close, then force-kills the tree, never killing the leader alone", async () => {
    const { log, exit } = await climb();
    expect(log).to.deep.equal(["stdin end", `taskkill /pid ${PID} /T`, `taskkill /pid ${PID} /T /F`]);
    expect(exit).to.equal(undefined);
  });

  it("stops at the polite taskkill /T when the tree closes on it", async () => {
    const { log, exit } = await climb((args, child) => {
      if (!args.includes("/F")) child.exit(1);
    });
    expect(log).to.deep.equal(["stdin end", `taskkill /pid ${PID} /T`]);
    expect(exit).to.deep.equal({ exitCode: 1, signal: null });
  });

  it("reports the exit after the forced taskkill /T /F", async () => {
    const { log, exit } = await climb((args, child) => {
      if (args.includes("/F")) child.exit(1);
    });
    expect(log).to.deep.equal(["stdin end", `taskkill /pid ${PID} /T`, `taskkill /pid ${PID} /T /F`]);
    expect(exit).to.deep.equal({ exitCode: 1, signal: null });
  });

  it("sends nothing when the child exits on stdin close", async () => {
    const log: string[] = [];
    const child = new FakeChild(log);
    child.stdin.end = () => {
      log.push("stdin end");
      setImmediate(() => child.exit(0));
      return log.length;
    };
    const exit = await stopChild(child as unknown as ChildProcess, {
      platform: "win32",
      stdinGraceMs: 60_000,
      runCommand: (file, args) => log.push(`${file} ${args.join(" ")}`),
    });
    expect(log).to.deep.equal(["stdin end"]);
    expect(exit).to.deep.equal({ exitCode: 0, signal: null });
  });

  it("signalProcessGroup maps SIGTERM and SIGKILL to taskkill on the tree", () => {
    const log: string[] = [];
    const child = new FakeChild(log) as unknown as ChildProcess;
    const options = {
      platform: "win32" as const,
      runCommand: (file: string, args: readonly string[]) => log.push(`${file} ${args.join(" ")}`),
    };
    signalProcessGroup(child, "SIGTERM", options);
    signalProcessGroup(child, "SIGKILL", options);
    expect(log).to.deep.equal([`taskkill /pid ${PID} /T`, `taskkill /pid ${PID} /T /F`]);
  });
});
