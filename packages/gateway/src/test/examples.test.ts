import { expect } from "chai";
import { readdirSync } from "node:fs";
import path from "node:path";
import { loadConfig } from "../loadConfig.js";
import { REPO_ROOT } from "./helpers/e2e.js";

const EXAMPLES = path.join(REPO_ROOT, "examples");

function exampleConfigs(): string[] {
  const files: string[] = [];
  for (const folder of [EXAMPLES, path.join(EXAMPLES, "claude-desktop")]) {
    for (const name of readdirSync(folder)) if (name.endsWith(".json")) files.push(path.join(folder, name));
  }
  return files;
}

describe("example configs", () => {
  it("exist", () => {
    expect(exampleConfigs().map((file) => path.relative(EXAMPLES, file))).to.include.members([
      "demo.config.json",
      "config.example.json",
      "host-services.config.json",
      path.join("claude-desktop", "container.json"),
      path.join("claude-desktop", "container-windows.json"),
      path.join("claude-desktop", "host.json"),
    ]);
  });

  /** The Claude Desktop files that run mcpware itself in a container, with the Docker socket mounted. */
  const mountsTheSocket = (file: string): boolean =>
    path.basename(path.dirname(file)) === "claude-desktop" && path.basename(file).startsWith("container");

  for (const file of exampleConfigs().filter((item) => !mountsTheSocket(item))) {
    it(`${path.relative(EXAMPLES, file)} is a valid config`, async () => {
      const config = await loadConfig({ configPath: file, env: {} });
      expect(config.backends.length).to.be.greaterThan(0);
    });
  }

  for (const file of exampleConfigs().filter(mountsTheSocket)) {
    it(`${path.relative(EXAMPLES, file)} parses, but mcpware would refuse to run it as a backend (the Docker socket)`, async () => {
      const error = await loadConfig({ configPath: file, env: {} }).then(
        () => undefined,
        (failure: unknown) => failure as Error,
      );
      expect(error?.message).to.include("$.mcpServers.mcpware.args").and.include("the Docker socket");
    });
  }

  it("the demo needs no variables", async () => {
    const config = await loadConfig({ configPath: path.join(EXAMPLES, "demo.config.json"), env: {} });
    expect(config.backends.map((backend) => backend.unavailable)).to.deep.equal([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("the GitHub example takes its token from GITHUB_PERSONAL_ACCESS_TOKEN", async () => {
    const file = path.join(EXAMPLES, "config.example.json");
    const missing = await loadConfig({ configPath: file, env: {} });
    expect(missing.backends.find((backend) => backend.name === "github")!.unavailable).to.include(
      "GITHUB_PERSONAL_ACCESS_TOKEN",
    );
    const set = await loadConfig({ configPath: file, env: { GITHUB_PERSONAL_ACCESS_TOKEN: "token-value" } });
    expect(set.backends.find((backend) => backend.name === "github")!.spec?.env).to.deep.equal({
      GITHUB_PERSONAL_ACCESS_TOKEN: "token-value",
    });
  });
});
