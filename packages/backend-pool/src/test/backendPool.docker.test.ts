import { expect } from "chai";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BackendErrorCode } from "../backendError.js";
import type { SpawnEvent } from "../types.js";
import { fixturePath } from "./helpers/fixtures.js";
import { rejectionOf, usePoolHarness } from "./helpers/poolHarness.js";

/**
 * A fake `docker` (a shell script named docker): logs its argv, answers `rm` with success, and for `run`
 * execs the echo fixture in its place, so the pool's Docker hooks are tested without an engine.
 */
function writeFakeDocker(dir: string, log: string): string {
  const file = path.join(dir, "docker");
  writeFileSync(
    file,
    [
      "#!/bin/sh",
      `printf '%s\\n' "$*" >> '${log}'`,
      'if [ "$1" = "rm" ]; then exit 0; fi',
      `exec '${process.execPath}' '${fixturePath("echo")}'`,
      "",
    ].join("\n"),
  );
  chmodSync(file, 0o755);
  return file;
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
}

describe("BackendPool with docker run backends (fake docker CLI)", function () {
  if (process.platform === "win32") return;
  const harness = usePoolHarness();
  let dir: string;
  let log: string;
  let docker: string;
  const logLines = (): string[] => readFileSync(log, "utf8").split("\n").filter(Boolean);

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "mcpware-docker-"));
    log = path.join(dir, "argv.log");
    writeFileSync(log, "");
    docker = writeFakeDocker(dir, log);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("spawns the rewritten argv and removes the named container after the stop", async () => {
    const pool = harness.create({ instanceId: "testpool" });
    const spawns: SpawnEvent[] = [];
    pool.onSpawn((event) => spawns.push(event));
    pool.add({ name: "boxed", command: docker, args: ["run", "-i", "--rm", "example/image"] });
    expect(await pool.request("boxed", "echo", { in: "container" })).to.deep.equal({
      echo: { in: "container" },
    });
    const containerName = spawns[0]?.containerName;
    expect(containerName).to.be.a("string").and.include("testpool");
    const run = logLines()[0]!;
    expect(run).to.include(`--name ${containerName}`);
    expect(run).to.include("--init");
    expect(run.endsWith("example/image")).to.equal(true);
    await pool.close();
    expect(logLines()).to.include(`rm -f ${containerName}`);
  });

  it("removes the container after a crash", async () => {
    const pool = harness.create();
    const spawns: SpawnEvent[] = [];
    pool.onSpawn((event) => spawns.push(event));
    pool.add({ name: "boxed", command: docker, args: ["run", "-i", "example/image"] });
    const error = await rejectionOf(pool.request("boxed", "exit", { code: 9 }));
    expect(error).to.include({ code: BackendErrorCode.Exited, exitCode: 9 });
    const containerName = spawns[0]!.containerName!;
    await until(() => logLines().includes(`rm -f ${containerName}`));
    expect(logLines()).to.include(`rm -f ${containerName}`);
  });

  it("leaves the argv alone and removes nothing with manageDocker: false", async () => {
    const pool = harness.create();
    pool.add({ name: "raw", command: docker, args: ["run", "-i", "example/image"], manageDocker: false });
    await pool.request("raw", "echo", {});
    await pool.close();
    expect(logLines()).to.deep.equal(["run -i example/image"]);
  });
});
