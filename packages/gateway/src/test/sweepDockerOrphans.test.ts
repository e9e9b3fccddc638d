import { expect } from "chai";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseConfig } from "../loadConfig.js";
import { createSilentLogger } from "../logger.js";
import { sweepDockerOrphans } from "../sweepDockerOrphans.js";

describe("sweepDockerOrphans", () => {
  let dir: string;
  let savedPath: string | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "mcpware-gateway-sweep-"));
    // A docker that records its argv and knows no container.
    await writeFile(path.join(dir, "docker"), `#!/bin/sh\necho "$@" >> "${path.join(dir, "argv.log")}"\n`);
    await chmod(path.join(dir, "docker"), 0o755);
    savedPath = process.env.PATH;
    process.env.PATH = `${dir}${path.delimiter}${savedPath ?? ""}`;
  });

  afterEach(async () => {
    process.env.PATH = savedPath;
    await rm(dir, { recursive: true, force: true });
  });

  const dockerCalls = async (): Promise<string> =>
    readFile(path.join(dir, "argv.log"), "utf8").catch(() => "");

  it("sweeps when a backend is a managed docker run", async () => {
    const config = parseConfig({
      backends: { fetch: { command: "docker", args: ["run", "-i", "mcp/fetch"] } },
    });
    const result = await sweepDockerOrphans(config, createSilentLogger());
    expect(result).to.deep.equal({ removed: [], kept: [], error: undefined });
    expect(await dockerCalls()).to.match(/^ps -a /);
  });

  it("does not touch Docker when no backend is a managed docker run", async () => {
    const config = parseConfig({
      backends: {
        local: { command: "node", args: ["server.js"] },
        mine: { command: "docker", args: ["run", "-i", "mcp/fetch"], manageDocker: false },
      },
    });
    expect(config.backends[1]?.spec?.manageDocker).to.equal(false);
    expect(await sweepDockerOrphans(config, createSilentLogger())).to.equal(undefined);
    expect(await dockerCalls()).to.equal("");
  });
});
