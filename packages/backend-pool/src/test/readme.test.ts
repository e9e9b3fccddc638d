import { expect } from "chai";
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const packageDir = fileURLToPath(new URL("../../", import.meta.url));

describe("README", () => {
  // Under dist/ (ignored by lint and format), inside the package so `@mcpware/backend-pool` resolves to it.
  const example = `${packageDir}dist/readme-example-${process.pid}.mjs`;
  afterEach(() => rmSync(example, { force: true }));

  it("has an example that runs as written", async () => {
    const readme = readFileSync(`${packageDir}README.md`, "utf8");
    const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code, "a ```js block").to.be.a("string");
    writeFileSync(example, code!);
    const child = spawn(process.execPath, [example], { cwd: packageDir, stdio: ["ignore", "pipe", "pipe"] });
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
