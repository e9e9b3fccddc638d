import { expect } from "chai";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { buildChildEnv } from "../childEnv.js";
import { spawnChild } from "../spawnChild.js";
import { stopChild } from "../stopChild.js";
import { fixturePath } from "./helpers/fixtures.js";
import type { FixtureName } from "./helpers/fixtures.js";
import { isRunning, survivors } from "./helpers/processTable.js";
import { rawCall } from "./helpers/rawCall.js";

const fast = { stdinGraceMs: 300, sigtermGraceMs: 300 };

describe("stopChild", function () {
  if (process.platform === "win32") return;
  const children: ChildProcessWithoutNullStreams[] = [];
  const extraPids: number[] = [];

  async function start(fixture: FixtureName): Promise<ChildProcessWithoutNullStreams> {
    const child = await spawnChild(process.execPath, [fixturePath(fixture)], {
      backend: fixture,
      env: buildChildEnv(undefined),
    });
    children.push(child);
    // Answering a request proves its signal handlers are installed.
    await rawCall(child, "ping");
    return child;
  }

  afterEach(async () => {
    await Promise.all(children.map((child) => stopChild(child, fast)));
    const pids = [...children.map((child) => child.pid!), ...extraPids];
    children.length = 0;
    extraPids.length = 0;
    expect(await survivors(pids)).to.deep.equal([]);
  });

  it("stops a well-behaved server by closing its stdin, without a signal", async () => {
    const child = await start("echo");
    expect(await stopChild(child, fast)).to.deep.equal({ exitCode: 0, signal: null });
  });

  it("sends SIGTERM to a server that ignores stdin close", async () => {
    const child = await start("ignoresStdinClose");
    expect(await stopChild(child, fast)).to.deep.equal({ exitCode: null, signal: "SIGTERM" });
  });

  it("sends SIGKILL to a server that also ignores SIGTERM", async () => {
    const child = await start("ignoresSigterm");
    expect(await stopChild(child, fast)).to.deep.equal({ exitCode: null, signal: "SIGKILL" });
  });

  it("kills grandchildren that hold the pipes and ignore SIGTERM", async () => {
    const child = await start("spawnsGrandchild");
    const { grandchildPid } = (await rawCall(child, "pids")) as { grandchildPid: number };
    extraPids.push(grandchildPid);
    expect(isRunning(grandchildPid)).to.equal(true);
    await stopChild(child, fast);
    expect(await survivors([child.pid!, grandchildPid])).to.deep.equal([]);
  });

  it("is harmless on a child that already exited, and idempotent", async () => {
    const child = await start("echo");
    const first = await stopChild(child, fast);
    expect(await stopChild(child, fast)).to.deep.equal(first);
  });
});
