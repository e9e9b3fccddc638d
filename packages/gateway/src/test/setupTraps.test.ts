import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { BIN, REPO_ROOT, TempDir, runCli } from "./helpers/e2e.js";
import type { CliOutcome } from "./helpers/e2e.js";

/** Runs `file` with `args` in `cwd` (the mcpware CLI when `file` is node and `args` start with its script). */
function runIn(cwd: string, file: string, args: string[], env?: Record<string, string>): Promise<CliOutcome> {
  return runCli(args, { cwd, program: file, ...(env === undefined ? {} : { fullEnv: env }) });
}

/** This process's environment without what npm and pnpm put there for the test run (`npm_config_*`). */
function userEnvironment(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !/^npm_/i.test(entry[0]),
    ),
  );
}

const DEMO_CONFIG = path.join(REPO_ROOT, "examples", "demo.config.json");
const VERSION = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, "packages/gateway/package.json"), "utf8")) as {
    version: string;
  }
).version;

describe("setup traps (end to end)", function () {
  this.timeout(180_000);
  let dir: TempDir;

  beforeEach(async () => {
    dir = await TempDir.create();
  });
  afterEach(async () => {
    await dir.dispose();
  });

  describe("--dotenv", () => {
    const config = { backends: { a: { command: "node", args: ["${WORD}"], env: { TOKEN: "${TOKEN}" } } } };

    it("is read by mcpware on this Node version: a missing file exits with 2 and names it", async () => {
      const file = await dir.writeJson("config.json", config);
      const result = await runIn(dir.path, process.execPath, [
        BIN,
        "validate",
        "--config",
        file,
        "--dotenv",
        "missing.env",
      ]);
      expect(result.code).to.equal(2);
      expect(result.stdout).to.equal("");
      expect(result.stderr).to.include("--dotenv: cannot read the env file missing.env: no such file");
      expect(result.stderr).to.not.include("node:");
    });

    it("loads a present file into the config's variables, not into mcpware's environment", async () => {
      const file = await dir.writeJson("config.json", config);
      await dir.writeJson("vars.env", "WORD=hello\nTOKEN=sekrit\n");
      const loaded = await runIn(dir.path, process.execPath, [
        BIN,
        "validate",
        "--config",
        file,
        "--dotenv",
        "vars.env",
      ]);
      expect(loaded.code).to.equal(0);
      expect(loaded.stdout).to.include("command: node ***");
      expect(loaded.stdout).to.not.include("UNAVAILABLE");
      expect(loaded.stdout + loaded.stderr).to.not.include("sekrit");
      const without = await runIn(dir.path, process.execPath, [BIN, "validate", "--config", file]);
      expect(without.code).to.equal(1);
      expect(without.stdout).to.include("variables WORD, TOKEN are not set");
    });
  });

  it("serves the demo config from another working directory", async () => {
    const result = await runIn(dir.path, process.execPath, [BIN, "tools", "--config", DEMO_CONFIG, "--json"]);
    expect(result.code, result.stderr).to.equal(0);
    const backends = JSON.parse(result.stdout) as { name: string; state: string; tools: unknown[] }[];
    expect(backends.map((backend) => [backend.name, backend.state])).to.deep.equal([
      ["everything", "ready"],
      ["memory", "ready"],
      ["filesystem", "ready"],
    ]);
    for (const backend of backends) expect(backend.tools.length).to.be.greaterThan(0);
  });

  it("installs the mcpware command in one step, without warnings, and it works from a temporary folder", async () => {
    const prefix = dir.file("prefix");
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const install = await runIn(
      REPO_ROOT,
      npm,
      ["install", "--global", "--prefix", prefix, "--no-audit", "--no-fund", "./packages/gateway"],
      userEnvironment(),
    );
    expect(install.code, install.stderr).to.equal(0);
    expect(install.stdout + install.stderr).to.not.match(/warn/i);
    const mcpware = path.join(prefix, "bin", "mcpware");
    const version = await runIn(dir.path, mcpware, ["--version"]);
    expect(version).to.include({ code: 0 });
    expect(version.stdout.trim()).to.equal(VERSION);
    const tools = await runIn(dir.path, mcpware, ["tools", "everything", "--config", DEMO_CONFIG]);
    expect(tools.code, tools.stderr).to.equal(0);
    expect(tools.stdout).to.match(/^everything +ready +legacy \S+ +echo /m);
  });
});
