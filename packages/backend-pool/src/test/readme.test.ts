import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = fileURLToPath(new URL("../../", import.meta.url));

describe("README", () => {
  // Under dist/ (ignored by lint and format), inside the package so `@mcpware/backend-pool` resolves to it.
  const example = `${packageDir}dist/readme-example-${process.pid}.mjs`;
  // The example's pool keeps its era verdicts in the default cache file: under a temporary cache dir, never the user's.
  const cacheHome = mkdtempSync(path.join(tmpdir(), "mcpware-readme-"));
  afterEach(() => rmSync(example, { force: true }));
  after(() => rmSync(cacheHome, { recursive: true, force: true }));

  it("has an example that runs as written", async () => {
    const readme = readFileSync(`${packageDir}README.md`, "utf8");
    const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code, "a ```js block").to.be.a("string");
    writeFileSync(example, code!);
    const child = spawn(process.execPath, [example], {
      cwd: packageDir,
      env: { ...process.env, XDG_CACHE_HOME: cacheHome, LOCALAPPDATA: cacheHome },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.resume();
    const exitCode = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(exitCode).to.equal(0);
    expect(stdout).to.include("tools: echo");
    expect(stdout).to.include("progress 3/3");
    expect(stdout).to.include("Long running operation completed");
  });
});
