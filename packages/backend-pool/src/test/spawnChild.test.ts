import { expect } from "chai";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BackendErrorCode, isBackendError } from "../backendError.js";
import { buildChildEnv } from "../childEnv.js";
import { spawnChild } from "../spawnChild.js";
import { stopChild, waitForExit } from "../stopChild.js";
import { fixturePath } from "./helpers/fixtures.js";
import { groupMembers, survivors } from "./helpers/processTable.js";
import { rawCall } from "./helpers/rawCall.js";

const env = buildChildEnv(undefined);

describe("spawnChild", () => {
  const children: ChildProcessWithoutNullStreams[] = [];
  let tempDir: string | undefined;

  afterEach(async () => {
    await Promise.all(children.map((child) => stopChild(child)));
    const pids = children.map((child) => child.pid).filter((pid): pid is number => pid !== undefined);
    children.length = 0;
    expect(await survivors(pids)).to.deep.equal([]);
    if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
    tempDir = undefined;
  });

  it("rejects a missing command with ERR_BACKEND_SPAWN naming the command", async () => {
    const error = await spawnChild("mcpware-no-such-command", [], { backend: "ghost", env }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(isBackendError(error, BackendErrorCode.Spawn)).to.equal(true);
    expect((error as Error).message).to.include("mcpware-no-such-command");
    expect((error as Error).message).to.include("ENOENT");
  });

  it("rejects a file that is not executable with ERR_BACKEND_SPAWN", async () => {
    tempDir = mkdtempSync(path.join(tmpdir(), "mcpware-spawn-"));
    const file = path.join(tempDir, "server.sh");
    writeFileSync(file, "#!/bin/sh\nexit 0\n");
    chmodSync(file, 0o644);
    const error = await spawnChild(file, [], { backend: "noexec", env }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(isBackendError(error, BackendErrorCode.Spawn)).to.equal(true);
    expect((error as Error).message).to.include("EACCES");
  });

  it("passes argv to the program without a shell", async () => {
    const child = await spawnChild(
      process.execPath,
      ["-e", "process.stdout.write(JSON.stringify(process.argv.slice(1)))", "$(echo hi)", "a;b"],
      { backend: "argv", env },
    );
    children.push(child);
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    await waitForExit(child, 10_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(JSON.parse(out)).to.deep.equal(["$(echo hi)", "a;b"]);
  });

  it("puts the child in its own process group", async function () {
    if (process.platform === "win32") this.skip();
    const child = await spawnChild(process.execPath, [fixturePath("echo")], { backend: "group", env });
    children.push(child);
    await rawCall(child, "ping");
    expect(groupMembers(child.pid!)).to.include(child.pid);
  });

  it("survives writes to the stdin of a dead child (EPIPE)", async () => {
    const child = await spawnChild(process.execPath, ["-e", "process.exit(0)"], { backend: "epipe", env });
    children.push(child);
    const errors: Error[] = [];
    child.stdin.on("error", (error) => errors.push(error));
    await waitForExit(child, 10_000);
    for (let i = 0; i < 10; i++) child.stdin.write(`${"x".repeat(100_000)}\n`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Reaching this line is the test: an unhandled EPIPE would have crashed the test process.
    expect(errors.every((error) => (error as NodeJS.ErrnoException).code === "EPIPE")).to.equal(true);
  });
});
