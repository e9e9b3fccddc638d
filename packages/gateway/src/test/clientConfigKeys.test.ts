import { expect } from "chai";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { CLIENT_BACKEND_KEYS, CLIENT_TOP_LEVEL_KEYS, IGNORED_KEYS_WARNING } from "../clientConfigKeys.js";
import { ConfigError } from "../configError.js";
import { loadConfig, parseConfig } from "../loadConfig.js";
import { REMOTE_UNSUPPORTED } from "../resolveConfig.js";
import { CONFIG_SCHEMA_URL } from "../validateConfig.js";
import { CLIENT_CONFIG_FIXTURES, CLIENT_CONFIGS, fixturePath } from "./helpers/clientConfigs.js";

/** mcpware's own backend keys: every other key the schema accepts must be a listed client key. */
const MCPWARE_BACKEND_KEYS = [
  "command",
  "args",
  "env",
  "envFile",
  "description",
  "timeout",
  "maxCallDuration",
  "startTimeout",
  "idleTimeout",
  "maxInFlight",
  "start",
  "tools",
  "cwd",
  "inheritEnv",
  "manageDocker",
  "docker",
  "disabled",
  "type",
];

function problemsOf(document: unknown): { path: string; message: string }[] {
  try {
    parseConfig(document, { env: new Map() });
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  expect.fail("expected a ConfigError");
}

describe("MCP clients' config files", () => {
  for (const fixture of CLIENT_CONFIG_FIXTURES) {
    describe(`${fixture.client} (${fixture.file})`, () => {
      it("loads, naming the ignored keys in one warning", async () => {
        const config = await loadConfig({ configPath: fixturePath(fixture), env: {} });
        expect(config.shape).to.equal(fixture.shape);
        const expected =
          fixture.ignoredKeys.length === 0
            ? []
            : [`${IGNORED_KEYS_WARNING} ${fixture.ignoredKeys.join(", ")}`];
        expect(config.warnings).to.deep.equal(expected);
      });

      it("lists the remote server as unavailable and runs the local ones", async () => {
        const config = await loadConfig({ configPath: fixturePath(fixture), env: {} });
        const byName = new Map(config.backends.map((backend) => [backend.name, backend]));
        expect(byName.get(fixture.remote)?.unavailable).to.equal(
          `backend "${fixture.remote}" is unavailable: ${REMOTE_UNSUPPORTED}`,
        );
        for (const name of fixture.runnable) {
          expect(byName.get(name)?.unavailable, name).to.equal(undefined);
          expect(byName.get(name)?.spec?.command, name).to.be.a("string").and.not.equal("");
        }
        for (const [name, reason] of Object.entries(fixture.unavailable)) {
          expect(byName.get(name)?.unavailable, name).to.include(reason);
        }
        for (const name of fixture.disabled) expect(byName.has(name), name).to.equal(false);
        expect(config.backends).to.have.length(
          fixture.runnable.length + 1 + Object.keys(fixture.unavailable).length,
        );
      });
    });
  }

  it("honours Cline's timeout in seconds and transportType stdio", async () => {
    const config = await loadConfig({
      configPath: path.join(CLIENT_CONFIGS, "cline", "cline_mcp_settings.json"),
    });
    const timeouts = config.backends.map((backend) => backend.spec?.timeoutMs);
    expect(timeouts).to.deep.equal([60_000, 300_000, undefined]);
  });

  it("adds a Cursor envFile's variables to the backend's env, the entry's own env winning", async () => {
    const file = path.join(CLIENT_CONFIGS, "cursor", ".cursor", "mcp.json");
    const config = await loadConfig({ configPath: file, env: { GITHUB_PERSONAL_ACCESS_TOKEN: "gh-token" } });
    const [github, notes] = config.backends;
    expect(github!.spec?.env).to.deep.equal({ GITHUB_PERSONAL_ACCESS_TOKEN: "gh-token" });
    expect(notes!.spec?.env).to.deep.equal({ NOTES_TOKEN: "cursor-notes-token", NOTES_LOG_LEVEL: "debug" });
    expect(notes!.displayEnv).to.have.deep.members([
      ["NOTES_TOKEN", "***"],
      ["NOTES_LOG_LEVEL", "***"],
    ]);
    expect(notes!.secrets).to.include("cursor-notes-token");
    // ${workspaceFolder} is the folder above .cursor.
    expect(notes!.spec?.args).to.deep.equal([
      path.join(CLIENT_CONFIGS, "cursor", "tools", "notes-server.js"),
    ]);
  });

  it("reads a VS Code envFile under ${workspaceFolder} (the folder above .vscode)", async () => {
    const config = await loadConfig({
      configPath: path.join(CLIENT_CONFIGS, "vscode", ".vscode", "mcp.json"),
    });
    const notes = config.backends.find((backend) => backend.name === "notes")!;
    expect(notes.spec?.env).to.deep.equal({ NOTES_TOKEN: "vscode-notes-token" });
  });

  it("makes a backend whose envFile cannot be read unavailable, naming the file", () => {
    const config = parseConfig(
      { servers: { a: { command: "x", envFile: "missing.env" }, b: { command: "y" } } },
      { env: new Map(), baseDir: CLIENT_CONFIGS },
    );
    expect(config.backends[0]!.unavailable).to.include("missing.env").and.to.include("no such file");
    expect(config.backends[1]!.spec?.command).to.equal("y");
  });

  it("still rejects a mistyped mcpware key in a client's file, with its path and the closest name", () => {
    const problems = problemsOf({
      mcpServers: { a: { comand: "npx", autoApprove: [] }, b: { command: "x", timout: 60, alwaysAllow: [] } },
      globalShortcut: "Alt+Space",
    });
    expect(problems).to.deep.include({
      path: "$.mcpServers.a.comand",
      message: 'unknown key "comand"; did you mean "command"?',
    });
    expect(problems).to.deep.include({
      path: "$.mcpServers.b.timout",
      message: 'unknown key "timout"; did you mean "timeout"?',
    });
    const vscode = problemsOf({
      servers: { a: { type: "stdio", command: "x", envFiel: ".env" } },
      inputs: [],
    });
    expect(vscode).to.deep.equal([
      { path: "$.servers.a.envFiel", message: 'unknown key "envFiel"; did you mean "envFile"?' },
    ]);
  });

  it("rejects a key no client writes, at the top level too", () => {
    expect(problemsOf({ mcpServers: {}, globalShortcutt: "x" })[0]).to.deep.equal({
      path: "$.globalShortcutt",
      message: 'unknown key "globalShortcutt"',
    });
    expect(problemsOf({ mcpServers: { a: { command: "x", autoApproved: [] } } })[0]!.path).to.equal(
      "$.mcpServers.a.autoApproved",
    );
  });

  it("rejects a remote transport beside a command, and a file with both mcpServers and servers", () => {
    expect(problemsOf({ mcpServers: { a: { command: "x", type: "http" } } })[0]!.path).to.equal(
      "$.mcpServers.a.type",
    );
    expect(problemsOf({ mcpServers: { a: { url: "https://x", type: "stdio" } } })[0]!.path).to.equal(
      "$.mcpServers.a.type",
    );
    expect(problemsOf({ mcpServers: {}, servers: {} })[0]!.message).to.include("both");
    expect(problemsOf({ servers: { a: { args: [] } } })).to.deep.include({
      path: "$.servers.a",
      message: 'missing required key "command"',
    });
  });

  it("declares in the schema exactly the client keys it ignores", async () => {
    const schema = JSON.parse(await readFile(CONFIG_SCHEMA_URL, "utf8")) as {
      $defs: Record<string, { properties: Record<string, unknown> }>;
    };
    const topLevel = Object.keys(schema.$defs.mcpServersForm!.properties);
    expect(topLevel).to.have.members([
      "$schema",
      "mcpServers",
      "servers",
      "pinning",
      "mode",
      "start",
      "inputRequiredTtl",
      ...CLIENT_TOP_LEVEL_KEYS.keys(),
    ]);
    const backend = Object.keys(schema.$defs.backendFields!.properties);
    expect(backend).to.have.members([...MCPWARE_BACKEND_KEYS, ...CLIENT_BACKEND_KEYS.keys()]);
  });
});
