import { expect } from "chai";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  INITIALIZE,
  runCli,
  descendantsOf,
  isAlive,
  killAll,
  spawnGateway,
  useScratch,
  useToolRequest,
  waitFor,
  waitForExit,
} from "./helpers/e2e.js";

const STUBBORN_SERVER = fileURLToPath(new URL("./fixtures/stubbornServer.js", import.meta.url));

describe("no orphans after a kill (end to end)", function () {
  this.timeout(120_000);
  const scratch = useScratch(10_000);

  /** A gateway whose one backend ignores the end of its stdin and has started a child that does the same. */
  async function startStubborn() {
    const stateDir = scratch.dir.file("state");
    const config = await scratch.dir.writeJson("config.json", {
      backends: { stubborn: { command: process.execPath, args: [STUBBORN_SERVER] } },
    });
    const env = { MCPWARE_STATE_DIR: stateDir };
    const first = spawnGateway(["--config", config], { env });
    scratch.pids.push(first.child.pid!);
    first.send(INITIALIZE);
    await first.reply(INITIALIZE.id);
    first.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    first.send({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: useToolRequest("stubborn", "spawn-child"),
    });
    const reply = await first.reply(2);
    return { stateDir, config, env, first, reply };
  }

  it("stops, at the next start, a plain-process backend that ignores EOF and its child, left by a SIGKILLed gateway", async () => {
    const { stateDir, config, env, first, reply } = await startStubborn();
    const grandchild = Number(
      /\d+/.exec(JSON.stringify((reply.result as { content: unknown[] }).content))?.[0] ?? Number.NaN,
    );
    const backends = await descendantsOf(first.child.pid!);
    scratch.pids.push(...backends);
    expect(backends).to.include(grandchild);
    // The group is on record while the backend runs.
    expect(await readdir(path.join(stateDir, "processes"))).to.have.length(1);

    first.child.kill("SIGKILL");
    await first.exited;
    // Killed without a chance to stop anything: the backend and its child live on, orphaned.
    for (const pid of backends) expect(await isAlive(pid), `pid ${pid} right after the kill`).to.equal(true);

    // doctor sees them (and leaves them alone).
    const doctor = (await runCli(["doctor", "--config", config], { env })).stdout;
    expect(doctor).to.match(/✗ +orphans +left running by a killed gateway: stubborn \(process group \d+\)/);
    for (const pid of backends) expect(await isAlive(pid), `pid ${pid} after doctor`).to.equal(true);

    const second = spawnGateway(["--config", config], { env });
    scratch.pids.push(second.child.pid!);
    try {
      second.send(INITIALIZE);
      await second.reply(INITIALIZE.id);
      // The sweep runs in the background after start: bounded wait, then every orphan must be gone.
      expect(await waitForExit(backends, 20_000)).to.deep.equal([]);
      expect(
        await waitFor(async () => (await readdir(path.join(stateDir, "processes"))).length === 0, 10_000),
        "the killed gateway's record is removed",
      ).to.equal(true);
      expect(second.stderr()).to.include("stopped backend stubborn");
    } finally {
      second.child.stdin.end();
      killAll(await waitForExit([second.child.pid!], 10_000));
    }
  });

  it("never touches a recorded group whose gateway is still running", async () => {
    const { config, env, first } = await startStubborn();
    const backends = await descendantsOf(first.child.pid!);
    scratch.pids.push(...backends);

    const second = spawnGateway(["--config", config, "--log-level", "debug"], { env });
    scratch.pids.push(second.child.pid!);
    second.send(INITIALIZE);
    await second.reply(INITIALIZE.id);
    expect(await waitFor(() => second.stderr().includes("process-group sweep done"), 20_000)).to.equal(true);
    expect(second.stderr()).to.include(
      "process-group sweep done: 0 stopped, 1 of running gateways left alone",
    );
    for (const pid of backends) expect(await isAlive(pid), `pid ${pid} of the live gateway`).to.equal(true);
    second.child.stdin.end();
    first.child.stdin.end();
    // Both stop their own backends with the stop ladder (SIGKILL for these stubborn ones).
    expect(await waitForExit([first.child.pid!, second.child.pid!], 20_000)).to.deep.equal([]);
    expect(await waitForExit(backends, 10_000)).to.deep.equal([]);
  });
});
