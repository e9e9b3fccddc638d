import { expect } from "chai";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { TempDir, runCli } from "./helpers/e2e.js";
import type { CliOutcome } from "./helpers/e2e.js";

/** `mcpware validate` on `config` with PATH set to `path` only; resolves with its status and both streams. */
async function validate(dir: TempDir, config: unknown, path: string): Promise<CliOutcome> {
  const file = await dir.writeJson("config.json", config);
  return runCli(["validate", "--config", file], { env: { PATH: path } });
}

/** Writes an executable shell script called `name` into `folder`. */
async function writeProgram(folder: string, name: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  await writeFile(`${folder}/${name}`, "#!/bin/sh\nexit 0\n");
  await chmod(`${folder}/${name}`, 0o755);
}

describe("mcpware validate: commands", function () {
  this.timeout(60_000);
  let dir: TempDir;

  beforeEach(async () => {
    dir = await TempDir.create();
  });
  afterEach(async () => {
    await dir.dispose();
  });

  it("exits with 1 for a command that is not on PATH, naming the directories it looked in", async () => {
    const bin = dir.file("bin");
    await writeProgram(bin, "other-program");
    const result = await validate(dir, { backends: { gone: { command: "mcpware-no-such-program" } } }, bin);
    expect(result.code, result.stdout).to.equal(1);
    expect(result.stdout).to.include(
      `  COMMAND NOT FOUND: mcpware-no-such-program: not found on PATH (looked in ${bin})\n`,
    );
    expect(result.stdout).to.include("1 backend cannot run.");
  });

  it("exits with 1 for a relative command missing next to the config, naming the path it resolved to", async () => {
    const result = await validate(dir, { backends: { local: { command: "./server/run.sh" } } }, dir.path);
    expect(result.code, result.stdout).to.equal(1);
    expect(result.stdout).to.include(
      `COMMAND NOT FOUND: ${dir.file("server/run.sh")}: no executable file there (no such file)`,
    );
  });

  it("says so when the file is there but not executable", async () => {
    await mkdir(dir.file("server"));
    await writeFile(dir.file("server/run.sh"), "#!/bin/sh\n");
    const result = await validate(dir, { backends: { local: { command: "./server/run.sh" } } }, dir.path);
    expect(result.code).to.equal(1);
    expect(result.stdout).to.include("no executable file there (the file is not executable)");
  });

  it("exits with 1 for a docker run backend when docker is not on PATH", async () => {
    const bin = dir.file("bin");
    await mkdir(bin);
    const config = { backends: { fetch: { command: "docker", args: ["run", "-i", "--rm", "mcp/fetch"] } } };
    const result = await validate(dir, config, bin);
    expect(result.code).to.equal(1);
    expect(result.stdout).to.include(`docker: not found on PATH (looked in ${bin}); install the Docker CLI`);
  });

  it("exits with 0 when every command is found", async () => {
    const bin = dir.file("bin");
    await writeProgram(bin, "docker");
    await writeProgram(bin, "my-server");
    await writeProgram(dir.file("local"), "run.sh");
    const result = await validate(
      dir,
      {
        backends: {
          fetch: { command: "docker", args: ["run", "-i", "--rm", "mcp/fetch"] },
          mine: { command: "my-server" },
          local: { command: "./local/run.sh" },
          node: { command: process.execPath },
        },
      },
      bin,
    );
    expect(result.code, result.stdout).to.equal(0);
    expect(result.stdout).to.not.include("COMMAND NOT FOUND").and.not.include("cannot run");
  });

  it("does not list the directories of a PATH the backend declares, which is masked like its env", async () => {
    const config = { backends: { gone: { command: "nothing-here", env: { PATH: "/mcpware-private-dir" } } } };
    const result = await validate(dir, config, dir.path);
    expect(result.code).to.equal(1);
    expect(result.stdout).to.include('nothing-here: not found on PATH (its own PATH, set in its "env")');
    expect(result.stdout).to.not.include("mcpware-private-dir");
  });
});
