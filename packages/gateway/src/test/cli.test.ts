import { expect } from "chai";
import { readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { delimiter } from "node:path";
import {
  BIN,
  REPO_ROOT,
  backends,
  baseEnv,
  textOf,
  waitFor,
  waitForExit,
  useHarness,
  runCli,
} from "./helpers/e2e.js";
import type { CliOutcome } from "./helpers/e2e.js";

const mcpware = (args: string[], env: Record<string, string> = {}): Promise<CliOutcome> =>
  runCli(args, { env });

describe("mcpware command line", function () {
  this.timeout(60_000);
  const harness = useHarness();

  describe("invalid configs", () => {
    const cases: [string, string, string][] = [
      ["invalid JSON", '{\n  "backends": [\n    {"name": "a" "command": "x"}\n  ]\n}', "line 3, column 18"],
      [
        "a wrong type",
        JSON.stringify({ backends: [{ name: "a", command: "x", args: "y" }] }),
        "$.backends[0].args",
      ],
      [
        "duplicate names",
        JSON.stringify({ mcpServers: { Time: { command: "x" }, time: { command: "y" } } }),
        "$.mcpServers.time",
      ],
      ["an empty command", JSON.stringify({ backends: { a: { command: "" } } }), "$.backends.a.command"],
      [
        "a negative timeout",
        JSON.stringify({ backends: { a: { command: "x", timeout: -5 } } }),
        "$.backends.a.timeout",
      ],
      [
        "an unknown key",
        JSON.stringify({ backends: { a: { command: "x", timout: 5 } } }),
        "$.backends.a.timout",
      ],
      ["a __proto__ name", '{"mcpServers": {"__proto__": {"command": "x"}}}', "$.mcpServers.__proto__"],
      ["no backends at all", "{}", "$:"],
    ];
    for (const [what, text, path] of cases) {
      it(`exits with 2 on ${what}, writing nothing to stdout and the JSON path to stderr`, async () => {
        const dir = await harness.temp();
        const file = dir.file("bad.json");
        await writeFile(file, text);
        const result = await mcpware(["--config", file]);
        expect(result.code, result.stderr).to.equal(2);
        expect(result.stdout).to.equal("");
        expect(result.stderr).to.include(path);
      });
    }

    it("reports every problem at once, in every command", async () => {
      const dir = await harness.temp();
      const file = await dir.writeJson("bad.json", {
        backends: [
          { name: "a", command: [] },
          { name: "b", command: "x", timeout: 0 },
        ],
      });
      for (const command of [["serve"], ["validate"], ["tools"], ["call", "a", "b"]]) {
        const result = await mcpware([...command, "--config", file]);
        expect(result.code, command.join(" ")).to.equal(2);
        expect(result.stdout).to.equal("");
        expect(result.stderr).to.include("$.backends[0].command").and.to.include("$.backends[1].timeout");
      }
    });

    it("exits with 2 when the config file does not exist", async () => {
      const dir = await harness.temp();
      const result = await mcpware(["--config", dir.file("missing.json")]);
      expect(result).to.include({ code: 2, stdout: "" });
      expect(result.stderr).to.include("no such file");
    });
  });

  it("serves all three config shapes", async () => {
    const shapes = [
      {
        backends: [
          { name: "f", ...backends.fixture(), command: [process.execPath, ...backends.fixture().args] },
        ],
      },
      { backends: { f: backends.fixture() } },
      { mcpServers: { f: backends.fixture() } },
    ];
    for (const shape of shapes) {
      const session = await harness.start(shape);
      const result = await session.client.callTool({
        name: "use_tool",
        arguments: { backend_server: "f", server_tool: "echo", tool_arguments: { text: "shape" } },
      });
      expect(textOf(result)).to.equal("shape");
      await session.close();
    }
  });

  it("validate prints each resolved command with secrets masked", async () => {
    const dir = await harness.temp();
    await writeFile(dir.file(".env"), "TOKEN=very-secret-token\n");
    const file = await dir.writeJson("config.json", {
      backends: {
        gh: {
          command: "docker",
          args: ["run", "-e", "TOKEN", "--label", "x=${TOKEN}"],
          env: { TOKEN: "${TOKEN}" },
        },
        time: { command: "docker", args: ["run", "-i", "--rm", "mcp/time"], description: "clock" },
      },
    });
    // validate checks that each command can be found: a stand-in `docker`, so the test needs no Docker CLI.
    await mkdir(dir.file("bin"));
    await writeFile(dir.file("bin/docker"), "#!/bin/sh\nexit 0\n");
    await chmod(dir.file("bin/docker"), 0o755);
    const result = await mcpware(["validate", "--config", file], {
      PATH: `${dir.file("bin")}${delimiter}${process.env.PATH ?? ""}`,
    });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.include("docker run -e TOKEN --label x=***").and.to.include("TOKEN=***");
    expect(result.stdout).to.include("docker run -i --rm mcp/time");
    expect(result.stdout + result.stderr).to.not.include("very-secret-token");
  });

  it("validate exits with 1 and names the variable when one is missing", async () => {
    const dir = await harness.temp();
    const file = await dir.writeJson("config.json", {
      backends: { gh: { command: "x", env: { T: "${MCPWARE_TEST_NOPE}" } } },
    });
    const result = await mcpware(["validate", "--config", file]);
    expect(result.code).to.equal(1);
    expect(result.stdout).to.include("MCPWARE_TEST_NOPE");
  });

  it("tools prints every backend's tools and era as a table", async () => {
    const dir = await harness.temp();
    const file = await dir.writeJson("config.json", {
      backends: {
        everything: backends.everything(),
        f: backends.fixture(),
        modern: backends.modern(dir.file("modern.jsonl")),
      },
    });
    const result = await mcpware(["tools", "--config", file, "--log-level", "error"]);
    expect(result.code, result.stderr).to.equal(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).to.match(/^BACKEND\s+STATE\s+ERA\s+TOOL\s+DESCRIPTION$/);
    expect(
      lines.some((line) => /^everything\s+ready\s+legacy 2025-11-25\s+get-tiny-image\s/.test(line)),
    ).to.equal(true);
    expect(
      lines.some((line) => /^f\s+ready\s+legacy \S+\s+echo\s+Returns the text it is given\.$/.test(line)),
    ).to.equal(true);
    expect(
      lines.some((line) => /^modern\s+ready\s+modern 2026-07-28\s+greet\s/.test(line)),
      result.stdout,
    ).to.equal(true);
  });

  it("call prints one tool's result, and exits with 1 on an error result", async () => {
    const dir = await harness.temp();
    const file = await dir.writeJson("config.json", { backends: { everything: backends.everything() } });
    const ok = await mcpware([
      "call",
      "everything",
      "echo",
      "--args",
      '{"message":"from the CLI"}',
      "--config",
      file,
    ]);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout.trim()).to.equal("Echo: from the CLI");
    const wrong = await mcpware(["call", "everything", "echo", "--args", '{"message":1}', "--config", file]);
    expect(wrong.code).to.equal(1);
    expect(wrong.stderr).to.include("--args.message");
    const bad = await mcpware(["call", "everything", "echo", "--args", "{nope", "--config", file]);
    expect(bad.code).to.equal(2);
  });

  it("lists the tools of the offline demo config from the repository root", async () => {
    const result = await mcpware(["tools", "--config", "examples/demo.config.json", "--log-level", "error"], {
      MCPWARE_DEMO_MEMORY_FILE: (await harness.temp()).file("memory.jsonl"),
    });
    expect(result.code, result.stderr).to.equal(0);
    for (const backend of ["everything", "memory", "filesystem"]) {
      expect(result.stdout).to.match(new RegExp(`^${backend}\\s+ready\\s`, "m"));
    }
  });

  it("call stops its backends when interrupted", async () => {
    const dir = await harness.temp();
    const marker = dir.file("marker");
    const file = await dir.writeJson("config.json", {
      backends: { f: backends.fixture(["--marker", marker]) },
    });
    const child = spawn(
      process.execPath,
      [BIN, "call", "f", "slow", "--args", '{"ms": 60000}', "--config", file],
      {
        cwd: REPO_ROOT,
        env: baseEnv(),
        stdio: "ignore",
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const lines = async () => (await readFile(marker, "utf8").catch(() => "")).split("\n");
    expect(await waitFor(async () => (await lines()).includes("call slow"))).to.equal(true);
    const backendPid = Number((await lines()).find((line) => line.startsWith("started "))!.split(" ")[1]);
    child.kill("SIGINT");
    expect(await exited).to.equal(1);
    expect(await waitForExit([backendPid])).to.deep.equal([]);
  });

  it("prints its version and help", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect((await mcpware(["--version"])).stdout.trim()).to.equal(version);
    const help = await mcpware(["--help"]);
    expect(help.code).to.equal(0);
    for (const command of ["serve", "validate", "tools", "call", "doctor"])
      expect(help.stdout).to.include(`mcpware ${command}`);
    expect((await mcpware(["no-such-command"])).code).to.equal(2);
  });

  it("reads the config named by MCPWARE_CONFIG", async () => {
    const dir = await harness.temp();
    const file = await dir.writeJson("config.json", { backends: { f: backends.fixture() } });
    const result = await mcpware(["validate"], { MCPWARE_CONFIG: file });
    expect(result.code).to.equal(0);
    expect(result.stdout).to.include(file);
  });
});
