import { expect } from "chai";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { delimiter } from "node:path";
import { TEST_SERVER, useHarness, runCli } from "./helpers/e2e.js";
import type { CliOutcome } from "./helpers/e2e.js";

describe("hardened docker run backends (a recording fake docker)", function () {
  this.timeout(60_000);
  const harness = useHarness();

  /**
   * A `docker` on PATH that appends its argv to `record` and, for `run`, serves MCP as the fixture server does;
   * every other command (`rm -f`) succeeds at once.
   */
  async function fakeDocker(): Promise<{ path: string; record: string }> {
    const dir = await harness.temp();
    const bin = dir.file("bin");
    const record = dir.file("docker-argv.txt");
    await mkdir(bin, { recursive: true });
    const script =
      "#!/bin/sh\n" +
      `printf '%s\\n' "$*" >> '${record}'\n` +
      `if [ "$1" = "run" ]; then exec '${process.execPath}' '${TEST_SERVER}'; fi\n` +
      "exit 0\n";
    await writeFile(`${bin}/docker`, script);
    await chmod(`${bin}/docker`, 0o755);
    return { path: `${bin}${delimiter}${process.env.PATH ?? ""}`, record };
  }

  const mcpware = (args: string[], path: string): Promise<CliOutcome> =>
    runCli(args, { env: { PATH: path } });

  it("adds --cpus 1 --memory 2g --pull never, or the backend's own docker settings, to the docker run", async () => {
    const docker = await fakeDocker();
    const dir = await harness.temp();
    const file = await dir.writeJson("config.json", {
      backends: {
        plain: { command: "docker", args: ["run", "-i", "--rm", "--network", "none", "img"] },
        tuned: {
          command: "docker",
          args: ["run", "-i", "--rm", "img2"],
          docker: { cpus: 0.5, memory: "256m", pull: "missing" },
        },
      },
    });
    const result = await mcpware(["tools", "--config", file], docker.path);
    expect(result.code, result.stderr).to.equal(0);
    const runs = (await readFile(docker.record, "utf8"))
      .split("\n")
      .filter((line) => line.startsWith("run "));
    const plain = runs.find((line) => line.endsWith(" img"))!;
    const tuned = runs.find((line) => line.endsWith(" img2"))!;
    expect(plain).to.include("--cpus 1 --memory 2g --pull never");
    expect(plain).to.include("--security-opt no-new-privileges");
    expect(tuned).to.include("--cpus 0.5 --memory 256m --pull missing");
  });

  for (const [what, args] of [
    ["--privileged", ["run", "-i", "--privileged", "img"]],
    ["--pid=host", ["run", "-i", "--pid=host", "img"]],
    ["--network=host", ["run", "-i", "--network", "host", "img"]],
    ["--ipc=host", ["run", "-i", "--ipc=host", "img"]],
    ["--cap-add=ALL", ["run", "-i", "--cap-add=ALL", "img"]],
    ["the Docker socket", ["run", "-i", "-v", "/var/run/docker.sock:/var/run/docker.sock", "img"]],
  ] as const) {
    it(`refuses a config whose docker run asks for ${what} at load, unless allowPrivileged`, async () => {
      const docker = await fakeDocker();
      const dir = await harness.temp();
      const refused = await dir.writeJson("refused.json", { backends: { d: { command: "docker", args } } });
      const result = await mcpware(["validate", "--config", refused], docker.path);
      expect(result.code).to.equal(2);
      expect(result.stdout).to.equal("");
      expect(result.stderr).to.include("$.backends.d.args");
      expect(result.stderr).to.include(what);
      expect(result.stderr).to.include('"docker": {"allowPrivileged": true}');
      const allowed = await dir.writeJson("allowed.json", {
        backends: { d: { command: "docker", args, docker: { allowPrivileged: true } } },
      });
      const ok = await mcpware(["validate", "--config", allowed], docker.path);
      expect(ok.code, ok.stderr).to.equal(0);
    });
  }
});
