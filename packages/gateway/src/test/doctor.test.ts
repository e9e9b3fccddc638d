import { expect } from "chai";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import type { Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { BackendPool, defaultEraCacheFile } from "@mcpware/backend-pool";
import { runDoctor } from "../doctor.js";
import { MODERN_SERVER, TEST_SERVER } from "./helpers/e2e.js";

interface DoctorRun {
  status: number;
  output: string;
}

/** The table row for `subject`, or undefined. */
function row(output: string, subject: string): string | undefined {
  return output.split("\n").find((line) => line.slice(3).startsWith(subject));
}

describe("runDoctor", () => {
  let dir: string;
  let bin: string;
  let server: Server | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "mcpware-doctor-"));
    bin = path.join(dir, "bin");
    await mkdir(bin);
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function writeConfig(config: unknown): Promise<string> {
    const file = path.join(dir, "config.json");
    await writeFile(file, JSON.stringify(config));
    return file;
  }

  /** A `docker` on PATH that answers `docker version` like an engine at version 27.0.0, or fails. */
  async function fakeDocker(reachable: boolean): Promise<void> {
    const script = reachable
      ? '#!/bin/sh\n[ "$1" = version ] && echo 27.0.0 && exit 0\nexit 1\n'
      : "#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///nowhere.sock' >&2\nexit 1\n";
    await writeFile(path.join(bin, "docker"), script);
    await chmod(path.join(bin, "docker"), 0o755);
  }

  async function listeningSocket(): Promise<string> {
    const socket = path.join(dir, "docker.sock");
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(socket, resolve));
    return socket;
  }

  async function doctor(configPath: string, env: NodeJS.ProcessEnv): Promise<DoctorRun> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let output = "";
    stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const status = await runDoctor(
      { configPath },
      { stdout, stderr },
      { env: { MCPWARE_STATE_DIR: path.join(dir, "state"), ...env }, platform: "linux" },
    );
    return { status, output };
  }

  const dockerBackend = { command: "docker", args: ["run", "-i", "--rm", "mcp/fetch"] };

  it("shows each backend's era as the pool remembers it, without starting any", async () => {
    const cacheHome = path.join(dir, "cache");
    const backends = {
      modern: { command: process.execPath, args: [MODERN_SERVER, path.join(dir, "modern.jsonl")] },
      legacy: { command: process.execPath, args: [TEST_SERVER] },
      unseen: { command: process.execPath, args: [TEST_SERVER, "--page-size", "2"] },
    };
    const pool = new BackendPool({ eraCacheFile: defaultEraCacheFile({ XDG_CACHE_HOME: cacheHome }) });
    try {
      for (const name of ["modern", "legacy"] as const) {
        pool.add({ name, ...backends[name] });
        await pool.start(name);
      }
    } finally {
      await pool.close();
    }
    const { output } = await doctor(await writeConfig({ backends }), { XDG_CACHE_HOME: cacheHome });
    expect(row(output, "era modern"), output).to.include("2026-07-28 (modern");
    expect(row(output, "era legacy"), output).to.include("legacy (initialize");
    expect(row(output, "era unseen"), output).to.include("not known yet");
    expect(row(output, "era modern")!.startsWith("-"), "information, never a failure").to.equal(true);
  });

  it("passes when the socket, the CLI, the engine, the commands and the variables are all there", async () => {
    await fakeDocker(true);
    const socket = await listeningSocket();
    const config = await writeConfig({
      backends: {
        fetch: dockerBackend,
        local: {
          command: process.execPath,
          args: ["server.js"],
          env: { TOKEN: "${TOKEN}", LEVEL: "${LEVEL:-info}" },
        },
      },
    });
    const { status, output } = await doctor(config, {
      PATH: bin,
      DOCKER_HOST: `unix://${socket}`,
      TOKEN: "t",
    });
    expect(status, output).to.equal(0);
    expect(row(output, "config"), output).to.match(/^✓/);
    expect(row(output, "DOCKER_HOST"), output).to.match(/^✓.*is a socket/);
    expect(row(output, "docker CLI"), output).to.match(/^✓/);
    expect(row(output, "docker engine"), output).to.match(/^✓.*27\.0\.0/);
    expect(row(output, "fetch: command"), output).to.match(/^✓/);
    expect(row(output, "local: command"), output).to.match(/^✓/);
    expect(row(output, "local: ${TOKEN}"), output).to.match(/^✓/);
    expect(row(output, "local: ${LEVEL}"), output).to.match(/^-.*default/);
    expect(output).to.not.include("✗");
  });

  it("fails, naming the socket, when a docker backend has no engine endpoint", async () => {
    await fakeDocker(false);
    const config = await writeConfig({ backends: { fetch: dockerBackend } });
    const missing = path.join(dir, "missing.sock");
    const { status, output } = await doctor(config, { PATH: bin, DOCKER_HOST: `unix://${missing}` });
    expect(status).to.equal(1);
    expect(row(output, "DOCKER_HOST"), output).to.match(/^✗.*missing\.sock not found/);
    expect(row(output, "docker engine"), output).to.match(/^✗.*Cannot connect/);
    expect(output).to.match(/2 checks failed/);
  });

  it("checks Docker for a docker backend that is unavailable because of a missing variable", async () => {
    const config = await writeConfig({
      backends: { gh: { ...dockerBackend, env: { TOKEN: "${GITHUB_TOKEN}" } } },
    });
    const { status, output } = await doctor(config, { PATH: bin, DOCKER_HOST: `unix://${dir}/none.sock` });
    expect(status).to.equal(1);
    expect(row(output, "gh: ${GITHUB_TOKEN}"), output).to.match(/^✗/);
    expect(row(output, "DOCKER_HOST"), output).to.match(/^✗/);
  });

  it("fails when the Docker CLI is not on PATH", async () => {
    const socket = await listeningSocket();
    const config = await writeConfig({ backends: { fetch: dockerBackend } });
    const { status, output } = await doctor(config, { PATH: bin, DOCKER_HOST: `unix://${socket}` });
    expect(status).to.equal(1);
    expect(row(output, "docker CLI"), output).to.match(/^✗.*not found on PATH/);
    expect(row(output, "fetch: command"), output).to.match(/^✗/);
  });

  it("reports unset variables and commands that cannot be found", async () => {
    const config = await writeConfig({
      mcpServers: {
        gh: { command: "no-such-program-mcpware", env: { TOKEN: "${GITHUB_TOKEN}" } },
        local: { command: "./missing-server.sh" },
      },
    });
    const { status, output } = await doctor(config, { PATH: bin });
    expect(status).to.equal(1);
    expect(row(output, "gh: ${GITHUB_TOKEN}"), output).to.match(/^✗.*not set/);
    expect(row(output, "local: command"), output).to.match(/^✗.*no executable file there/);
  });

  it("shows Docker rows as information when no backend uses docker", async () => {
    const config = await writeConfig({
      backends: [{ name: "local", command: [process.execPath, "server.js"] }],
    });
    const { status, output } = await doctor(config, { PATH: bin, DOCKER_HOST: `unix://${dir}/none.sock` });
    expect(status, output).to.equal(0);
    expect(row(output, "DOCKER_HOST"), output).to.match(/^-/);
    expect(row(output, "docker CLI"), output).to.match(/^-/);
  });

  it("fails on a config that does not validate, with the JSON path", async () => {
    const config = await writeConfig({ backends: { bad: { command: 42 } } });
    const { status, output } = await doctor(config, { PATH: bin });
    expect(status).to.equal(1);
    expect(row(output, "config"), output).to.match(/^✗.*\$\.backends/);
  });
});
