import { expect } from "chai";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { IGNORED_KEYS_WARNING } from "../clientConfigKeys.js";
import { importConfig } from "../importConfig.js";
import { REMOTE_UNSUPPORTED } from "../resolveConfig.js";
import { CLIENT_CONFIG_FIXTURES, CLIENT_CONFIGS, fixturePath } from "./helpers/clientConfigs.js";
import { useHarness, runCli } from "./helpers/e2e.js";
import type { CliOutcome } from "./helpers/e2e.js";

const mcpware = (args: string[]): Promise<CliOutcome> => runCli(args);

interface Imported {
  backends: Record<string, Record<string, unknown>>;
}

const MCPWARE_KEYS = new Set([
  "command",
  "args",
  "env",
  "envFile",
  "cwd",
  "description",
  "timeout",
  "maxCallDuration",
  "startTimeout",
  "idleTimeout",
  "maxInFlight",
  "inheritEnv",
  "manageDocker",
  "disabled",
]);

describe("mcpware import", function () {
  this.timeout(60_000);
  const harness = useHarness();

  for (const fixture of CLIENT_CONFIG_FIXTURES) {
    it(`converts ${fixture.client}'s ${path.basename(fixture.file)} into a config mcpware validates`, async () => {
      const result = await mcpware(["import", fixturePath(fixture)]);
      expect(result.code, result.stderr).to.equal(0);
      const imported = JSON.parse(result.stdout) as Imported;
      expect(Object.keys(imported)).to.deep.equal(["backends"]);
      expect(Object.keys(imported.backends)).to.have.members([
        ...fixture.runnable,
        ...Object.keys(fixture.unavailable),
        ...fixture.disabled,
      ]);
      for (const [name, backend] of Object.entries(imported.backends)) {
        for (const key of Object.keys(backend))
          expect(MCPWARE_KEYS.has(key), `${name}.${key}`).to.equal(true);
      }
      for (const name of fixture.disabled) expect(imported.backends[name]!.disabled).to.equal(true);
      const container = fixture.shape === "servers" ? "servers" : "mcpServers";
      expect(result.stderr).to.include(
        `skipping remote servers (${REMOTE_UNSUPPORTED}): $.${container}.${fixture.remote}`,
      );
      if (fixture.ignoredKeys.length > 0) {
        expect(result.stderr).to.include(`${IGNORED_KEYS_WARNING} ${fixture.ignoredKeys.join(", ")}`);
      } else expect(result.stderr).to.not.include(IGNORED_KEYS_WARNING);

      const file = (await harness.temp()).file(`imported-${path.basename(path.dirname(fixture.file))}.json`);
      await writeFile(file, result.stdout);
      const validated = await mcpware(["validate", "--config", file]);
      expect(validated.code, validated.stderr).to.not.equal(2);
      expect(validated.stdout).to.include("is valid (keyed form");
      expect(validated.stderr).to.not.include("warn");
      const unavailable = [...validated.stdout.matchAll(/UNAVAILABLE: backend "([^"]+)"/g)].map(
        (match) => match[1],
      );
      expect(unavailable).to.have.members(Object.keys(fixture.unavailable));
    });
  }

  it("keeps ${VAR}, rewrites ${env:NAME} and makes the editors' paths absolute", async () => {
    const cursor = JSON.parse(
      (await mcpware(["import", path.join(CLIENT_CONFIGS, "cursor", ".cursor", "mcp.json")])).stdout,
    ) as Imported;
    expect(cursor.backends.github!.env).to.deep.equal({
      GITHUB_PERSONAL_ACCESS_TOKEN: "${GITHUB_PERSONAL_ACCESS_TOKEN}",
    });
    expect(cursor.backends.notes).to.deep.equal({
      command: "node",
      args: [path.join(CLIENT_CONFIGS, "cursor", "tools", "notes-server.js")],
      env: { NOTES_LOG_LEVEL: "debug" },
      envFile: path.join(CLIENT_CONFIGS, "cursor", ".cursor", "notes.env"),
    });
    const claudeCode = JSON.parse(
      (await mcpware(["import", path.join(CLIENT_CONFIGS, "claude-code", ".mcp.json")])).stdout,
    ) as Imported;
    expect(claudeCode.backends.postgres!.args).to.deep.equal([
      "-y",
      "@modelcontextprotocol/server-postgres",
      "${DATABASE_URL:-postgresql://localhost/dev}",
    ]);
    const roo = JSON.parse(
      (await mcpware(["import", path.join(CLIENT_CONFIGS, "roo-code", "mcp_settings.json")])).stdout,
    ) as Imported;
    expect(roo.backends["local-tools"]!.cwd).to.equal(path.join(CLIENT_CONFIGS, "roo-code", "tools"));
    expect(roo.backends.filesystem!.timeout).to.equal(120);
  });

  it("keeps mcpware's own mode, start, pinning, docker and tools settings", () => {
    const outcome = importConfig(
      {
        mode: "aggregate",
        start: "eager",
        pinning: "warn",
        backends: {
          d: {
            command: "docker",
            args: ["run", "-i", "img"],
            docker: { memory: "512m", allowPrivileged: true },
            start: "lazy",
            tools: { deny: ["rm*"] },
          },
        },
      },
      "/configs",
    );
    expect(outcome.ok).to.equal(true);
    if (!outcome.ok) return;
    expect(outcome.config.pinning).to.equal("warn");
    expect(outcome.config.backends.d!.docker).to.deep.equal({ memory: "512m", allowPrivileged: true });
    expect(outcome.config).to.include({ mode: "aggregate", start: "eager" });
    expect(outcome.config.backends.d).to.include({ start: "lazy" });
    expect(outcome.config.backends.d!.tools).to.deep.equal({ deny: ["rm*"] });
  });

  it("keeps VS Code's ${input:ID} and says what to do with it", async () => {
    const result = await mcpware(["import", path.join(CLIENT_CONFIGS, "vscode", ".vscode", "mcp.json")]);
    const imported = JSON.parse(result.stdout) as Imported;
    expect(imported.backends.perplexity!.env).to.deep.equal({
      PERPLEXITY_API_KEY: "${input:perplexity-key}",
    });
    expect(result.stderr).to.include("$.servers.perplexity (${input:perplexity-key})");
  });

  it("exits with 2 and writes nothing to stdout for a file that cannot be used", async () => {
    const dir = await harness.temp();
    const broken = await dir.writeJson("broken.json", '{"mcpServers": {"a": {"command": "x",}}}');
    const typo = await dir.writeJson("typo.json", { mcpServers: { a: { comand: "x", autoApprove: [] } } });
    const cases: [string, string][] = [
      [dir.file("missing.json"), "no such file"],
      [broken, "line 1, column 38"],
      [typo, '$.mcpServers.a.comand: unknown key "comand"; did you mean "command"?'],
    ];
    for (const [file, message] of cases) {
      const result = await mcpware(["import", file]);
      expect(result.code, file).to.equal(2);
      expect(result.stdout).to.equal("");
      expect(result.stderr).to.include(message);
    }
    expect((await mcpware(["import"])).code).to.equal(2);
  });
});
