import { readFile } from "node:fs/promises";
import { expect } from "chai";
import { INITIALIZE, backends, isAlive, spawnGateway, useScratch } from "./helpers/e2e.js";

/** Generous bound for the gateway to exit after stdin EOF; the test fails instead of hanging. */
const EXIT_WITHIN_MS = 30_000;

/** The pids the fixture backend wrote to its marker file (`started <pid>` lines). */
async function startedPids(markerFile: string): Promise<number[]> {
  let text = "";
  try {
    text = await readFile(markerFile, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((line) => line.startsWith("started "))
    .map((line) => Number(line.slice("started ".length)));
}

describe("stdin EOF right after the requests", function () {
  this.timeout(60_000);
  const scratch = useScratch(5_000);
  const { pids } = scratch;

  it("answers every request it read, then exits 0 and leaves no child", async () => {
    const marker = scratch.dir.file("marker.log");
    const config = await scratch.dir.writeJson("config.json", {
      backends: { f: backends.fixture(["--marker", marker]) },
    });
    const gateway = spawnGateway(["--config", config]);
    pids.push(gateway.child.pid!);
    const requests = [
      INITIALIZE,
      { jsonrpc: "2.0", id: 1, method: "ping" },
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
      {
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: { name: "discover_backend_tools", arguments: { backend_name: "f" } },
      },
    ];
    // One write with the end of stdin, as `printf … | mcpware` gives it.
    gateway.child.stdin.end(requests.map((request) => JSON.stringify(request) + "\n").join(""));

    const exited = await Promise.race([
      gateway.exited,
      new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), EXIT_WITHIN_MS).unref()),
    ]);
    expect(exited, gateway.stderr()).to.deep.equal({ code: 0, signal: null });
    const replies = gateway.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(replies.map((reply) => reply.id).sort()).to.deep.equal([0, 1, 2, 3]);
    for (const reply of replies) expect(reply, JSON.stringify(reply)).to.have.property("result");
    expect(JSON.stringify(replies.find((reply) => reply.id === 3))).to.include("f");

    const backendPids = await startedPids(marker);
    pids.push(...backendPids);
    expect(backendPids).to.have.length(1);
    for (const pid of backendPids) expect(await isAlive(pid), `backend ${pid}`).to.equal(false);
  });
});
