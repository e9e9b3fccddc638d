import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConfigError } from "../configError.js";
import { loadConfig, parseConfig } from "../loadConfig.js";

async function expectProblems(promise: Promise<unknown>): Promise<{ path: string; message: string }[]> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  expect.fail("expected a ConfigError");
}

function problemsOf(document: unknown): { path: string; message: string }[] {
  try {
    parseConfig(document, { env: new Map() });
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  expect.fail("expected a ConfigError");
}

describe("loadConfig", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "mcpware-config-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, content: unknown): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
    return file;
  }

  it("resolves the three config shapes to the same backends", async () => {
    const env = { description: "d", env: { A: "1" }, timeout: 2.5 };
    const shapes = [
      { backends: [{ name: "one", command: ["prog", "x", "y"], ...env }] },
      { backends: { one: { command: "prog", args: ["x", "y"], ...env } } },
      { mcpServers: { one: { command: "prog", args: ["x", "y"], ...env } } },
    ];
    const specs = shapes.map((shape) => parseConfig(shape, { env: new Map() }).backends[0]!.spec);
    for (const spec of specs) {
      expect(spec).to.deep.include({
        name: "one",
        command: "prog",
        args: ["x", "y"],
        env: { A: "1" },
        description: "d",
        timeoutMs: 2500,
      });
    }
    expect(parseConfig(shapes[0], { env: new Map() }).shape).to.equal("array");
    expect(parseConfig(shapes[1], { env: new Map() }).shape).to.equal("keyed");
    expect(parseConfig(shapes[2], { env: new Map() }).shape).to.equal("mcpServers");
  });

  it("substitutes variables from the .env file beside the config, the environment winning", async () => {
    await write(".env", "TOKEN=from-file\nOTHER=file-only\n");
    const file = await write("config.json", {
      backends: { gh: { command: "docker", args: ["-e", "${OTHER}"], env: { TOKEN: "${TOKEN}" } } },
    });
    const config = await loadConfig({ configPath: file, env: { TOKEN: "from-env" } });
    const backend = config.backends[0]!;
    expect(backend.spec?.env).to.deep.equal({ TOKEN: "from-env" });
    expect(backend.spec?.args).to.deep.equal(["-e", "file-only"]);
    expect(backend.displayArgv).to.deep.equal(["docker", "-e", "***"]);
    expect(backend.displayEnv).to.deep.equal([["TOKEN", "***"]]);
    expect(backend.secrets).to.have.members(["from-env", "file-only"]);
  });

  it("reads an explicit env file and fails when it does not exist", async () => {
    const envFile = await write("custom.env", "TOKEN=custom\n");
    const file = await write("config.json", { backends: { gh: { command: "x", env: { T: "${TOKEN}" } } } });
    const config = await loadConfig({ configPath: file, envFile, env: {} });
    expect(config.backends[0]!.spec?.env).to.deep.equal({ T: "custom" });
    const problems = await expectProblems(
      loadConfig({ configPath: file, envFile: path.join(dir, "missing.env"), env: {} }),
    );
    expect(problems[0]!.path).to.equal("--dotenv");
  });

  it("marks only the backend with a missing variable unavailable, naming backend and variable", async () => {
    const file = await write("config.json", {
      mcpServers: {
        github: {
          command: "docker",
          env: { GITHUB_PERSONAL_ACCESS_TOKEN: "${GITHUB_PERSONAL_ACCESS_TOKEN}" },
        },
        time: { command: "docker", args: ["run", "mcp/time"] },
      },
    });
    const config = await loadConfig({ configPath: file, env: {} });
    const [github, time] = config.backends;
    expect(github!.spec).to.equal(undefined);
    expect(github!.unavailable).to.include('"github"').and.to.include("GITHUB_PERSONAL_ACCESS_TOKEN");
    expect(time!.spec?.args).to.deep.equal(["run", "mcp/time"]);
  });

  it("skips disabled backends and resolves cwd against the config's folder", async () => {
    const file = await write("config.json", {
      backends: [
        { name: "off", command: "x", disabled: true },
        { name: "on", command: "x", cwd: "sub", startTimeout: 1, idleTimeout: 60 },
      ],
    });
    const config = await loadConfig({ configPath: file, env: {} });
    expect(config.backends.map((backend) => backend.name)).to.deep.equal(["on"]);
    expect(config.backends[0]!.spec).to.deep.include({
      cwd: path.join(dir, "sub"),
      startTimeoutMs: 1000,
      idleTimeoutMs: 60000,
    });
  });

  it("reports invalid JSON with its line and column", async () => {
    const file = await write("config.json", '{\n  "backends": {\n    "a": { "command": "x", }\n  }\n}\n');
    const problems = await expectProblems(loadConfig({ configPath: file, env: {} }));
    expect(problems).to.have.length(1);
    expect(problems[0]!.message).to.match(/line 3, column 28/);
  });

  it("reports an unreadable config file", async () => {
    const problems = await expectProblems(loadConfig({ configPath: path.join(dir, "nope.json"), env: {} }));
    expect(problems[0]!.message).to.match(/no such file/);
  });

  it("reports a key repeated in one object", async () => {
    const file = await write("config.json", '{"backends": {"a": {"command": "x"}, "a": {"command": "y"}}}');
    const problems = await expectProblems(loadConfig({ configPath: file, env: {} }));
    expect(problems).to.deep.equal([{ path: "$.backends", message: 'key "a" appears more than once' }]);
  });

  it("reports every schema problem at once with its JSON path", () => {
    const problems = problemsOf({
      backends: [
        { name: "a", command: [], timeout: -1 },
        { name: "b", command: "", env: { X: 1 } },
        { name: "c", command: ["x"], args: "y", timout: 3 },
        { name: "bad name", command: "x" },
      ],
    });
    const paths = problems.map((problem) => problem.path);
    expect(paths).to.include.members([
      "$.backends[0].command",
      "$.backends[0].timeout",
      "$.backends[1].command",
      "$.backends[1].env.X",
      "$.backends[2].args",
      "$.backends[2].timout",
      "$.backends[3].name",
    ]);
    const unknown = problems.find((problem) => problem.path === "$.backends[2].timout");
    expect(unknown!.message).to.include('did you mean "timeout"');
  });

  it("rejects names that differ only by case", () => {
    const problems = problemsOf({ backends: { GitHub: { command: "x" }, github: { command: "y" } } });
    expect(problems).to.have.length(1);
    expect(problems[0]!.path).to.equal("$.backends.github");
    expect(problems[0]!.message).to.include("duplicate");
  });

  it("rejects a __proto__ backend name cleanly and accepts constructor", () => {
    const document = JSON.parse('{"mcpServers": {"__proto__": {"command": "x"}}}') as unknown;
    const problems = problemsOf(document);
    expect(problems[0]!.path).to.equal("$.mcpServers.__proto__");
    const config = parseConfig({ mcpServers: { constructor: { command: "x" } } }, { env: new Map() });
    expect(config.backends[0]!.name).to.equal("constructor");
  });

  it("rejects a config that is not an object or has no backends", () => {
    expect(problemsOf([])[0]!.path).to.equal("$");
    expect(problemsOf({})[0]!.path).to.equal("$");
    expect(problemsOf({ backends: 3 })[0]!.path).to.equal("$.backends");
    expect(problemsOf({ backends: [], mcpServers: {} })[0]!.message).to.include("both");
    expect(problemsOf({ backends: [], extra: 1 })[0]!.path).to.equal("$.extra");
    expect(problemsOf({ backends: [], $schem: "x" })[0]!.message).to.include('did you mean "$schema"');
  });

  it("rejects malformed variable references with their path", () => {
    const problems = problemsOf({
      backends: { a: { command: "x", args: ["ok", "${BROKEN"], env: { Y: "${1}" } } },
    });
    expect(problems.map((problem) => problem.path)).to.deep.equal([
      "$.backends.a.args[1]",
      "$.backends.a.env.Y",
    ]);
  });

  it("rejects a transport other than stdio", () => {
    const problems = problemsOf({ mcpServers: { a: { command: "x", type: "sse" } } });
    expect(problems[0]!.path).to.equal("$.mcpServers.a.type");
  });
});
