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

  for (const file of exampleConfigs()) {
    it(`${path.relative(EXAMPLES, file)} is a valid config`, async () => {
      const config = await loadConfig({ configPath: file, env: {} });
      expect(config.backends.length).to.be.greaterThan(0);
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
