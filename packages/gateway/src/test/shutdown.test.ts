import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { RawGateway } from "./helpers/e2e.js";
import {
  INITIALIZE,
  useScratch,
  backends,
  descendantsOf,
  isAlive,
  spawnGateway,
  waitFor,
  waitForExit,
} from "./helpers/e2e.js";

describe("gateway shutdown", function () {
  this.timeout(60_000);
  const scratch = useScratch(2_000);
  const { pids } = scratch;

  /** A gateway with two running backends (server-everything ignores stdin EOF) and one grandchild. */
  async function startBusyGateway(): Promise<{ gateway: RawGateway; tree: number[] }> {
    const config = await scratch.dir.writeJson("config.json", {
      backends: { everything: backends.everything(), f: backends.fixture() },
    });
    const gateway = spawnGateway(["--config", config]);
    pids.push(gateway.child.pid!);
    gateway.send(INITIALIZE);
    await gateway.reply(0);
    gateway.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    const call = (id: number, backend: string, tool: string, args: unknown) =>
      gateway.send({
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: {
          name: "use_tool",
          arguments: { backend_server: backend, server_tool: tool, tool_arguments: args },
        },
      });
    call(1, "everything", "echo", { message: "up" });
    call(2, "f", "spawn-child", {});
    await gateway.reply(1);
    const spawned = (await gateway.reply(2)) as { result: { content: { text: string }[] } };
    const grandchild = Number(spawned.result.content[0]!.text);
    const tree = await descendantsOf(gateway.child.pid!);
    pids.push(...tree);
    expect(tree).to.include(grandchild);
    expect(tree.length).to.be.at.least(3);
    return { gateway, tree };
  }

  /** The built fixture that ignores stdin EOF and SIGTERM (and so does its grandchild). */
  const STUBBORN_SERVER = fileURLToPath(new URL("fixtures/stubbornServer.js", import.meta.url));

  /** A gateway whose one backend and its grandchild outlive stdin EOF and SIGTERM; SIGTERMs are marked. */
  async function startStubbornGateway(): Promise<{ gateway: RawGateway; tree: number[]; marker: string }> {
    const marker = scratch.dir.file("marker.txt");
    const config = await scratch.dir.writeJson("config.json", {
      backends: {
        stubborn: {
          command: process.execPath,
          args: [STUBBORN_SERVER, "--marker", marker],
          description: "ignores EOF and SIGTERM",
        },
      },
    });
    const gateway = spawnGateway(["--config", config]);
    pids.push(gateway.child.pid!);
    gateway.send(INITIALIZE);
    await gateway.reply(0);
    gateway.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    gateway.send({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: {
        name: "use_tool",
        arguments: { backend_server: "stubborn", server_tool: "spawn-child", tool_arguments: {} },
      },
    });
    const spawned = (await gateway.reply(1)) as { result: { content: { text: string }[] } };
    const grandchild = Number(spawned.result.content[0]!.text);
    const tree = await descendantsOf(gateway.child.pid!);
    pids.push(...tree);
    expect(tree).to.include(grandchild);
    expect(tree.length).to.be.at.least(2);
    return { gateway, tree, marker };
  }

  /** Resolves true once the backend has been sent SIGTERM (its stop ladder is on the SIGTERM rung). */
  const sigtermReached = (marker: string): Promise<boolean> =>
    waitFor(async () => (await readFile(marker, "utf8").catch(() => "")).includes("sigterm"));

  it("on SIGTERM while an EOF shutdown is stopping a backend that ignores SIGTERM, kills it before exiting", async () => {
    const { gateway, tree, marker } = await startStubbornGateway();
    gateway.child.stdin.end();
    expect(await sigtermReached(marker)).to.equal(true);
    gateway.child.kill("SIGTERM");
    const exited = await gateway.exited;
    expect({ exited, left: await waitForExit(tree) }).to.deep.equal({
      exited: { code: 0, signal: null },
      left: [],
    });
  });

  it("on SIGTERM then SIGINT with a backend that ignores SIGTERM, kills it before exiting with 1", async () => {
    const { gateway, tree, marker } = await startStubbornGateway();
    gateway.child.kill("SIGTERM");
    expect(await sigtermReached(marker)).to.equal(true);
    gateway.child.kill("SIGINT");
    expect(await gateway.exited).to.deep.equal({ code: 1, signal: null });
    expect(await waitForExit(tree)).to.deep.equal([]);
  });

  const triggers: [string, (gateway: RawGateway) => void][] = [
    ["stdin EOF", (gateway) => gateway.child.stdin.end()],
    ["SIGTERM", (gateway) => gateway.child.kill("SIGTERM")],
    ["SIGINT", (gateway) => gateway.child.kill("SIGINT")],
    ["SIGHUP", (gateway) => gateway.child.kill("SIGHUP")],
  ];
  for (const [trigger, fire] of triggers) {
    it(`on ${trigger}, stops every backend and its children and exits with 0`, async () => {
      const { gateway, tree } = await startBusyGateway();
      fire(gateway);
      expect(await gateway.exited).to.deep.equal({ code: 0, signal: null });
      expect(await waitForExit(tree)).to.deep.equal([]);
    });
  }

  it("on stdout EPIPE (the client is gone), shuts down with 0", async () => {
    const { gateway, tree } = await startBusyGateway();
    gateway.child.stdout.destroy();
    gateway.send({ jsonrpc: "2.0", id: 3, method: "ping" });
    expect(await gateway.exited).to.deep.equal({ code: 0, signal: null });
    expect(await waitForExit(tree)).to.deep.equal([]);
  });

  it("on a second signal during shutdown, kills the backends and exits with 1", async () => {
    const { gateway, tree } = await startBusyGateway();
    gateway.child.kill("SIGTERM");
    expect(await waitFor(() => gateway.stderr().includes("shutting down"))).to.equal(true);
    // server-everything ignores stdin EOF, so its stop ladder is still waiting when the second signal lands.
    expect(await isAlive(gateway.child.pid!)).to.equal(true);
    gateway.child.kill("SIGINT");
    expect(await gateway.exited).to.deep.equal({ code: 1, signal: null });
    expect(await waitForExit(tree)).to.deep.equal([]);
  });
});
