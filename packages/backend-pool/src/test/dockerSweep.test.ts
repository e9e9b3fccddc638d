import { expect } from "chai";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DOCKER_LABELS,
  checkOwnerAlive,
  currentDockerOwner,
  detectContainerId,
  ownerLabels,
} from "../dockerOwner.js";
import type { DockerOwner, OwnerProbe } from "../dockerOwner.js";
import { sweepOrphanContainers } from "../dockerSweep.js";
import type { FakeContainer } from "./fixtures/fakeDocker.js";

const FAKE_DOCKER = fileURLToPath(new URL("./fixtures/fakeDocker.js", import.meta.url));
const OWNER_CONTAINER = "a".repeat(64);

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await once(child, "exit");
  return child.pid!;
}

function labelled(
  id: string,
  instance: string,
  owner: DockerOwner | undefined,
  running = true,
): FakeContainer {
  const labels: Record<string, string> = {
    [DOCKER_LABELS.instance]: instance,
    ...(owner ? ownerLabels(owner) : {}),
  };
  return { Id: id.padEnd(64, "0"), Name: `mcpware-${id}`, Labels: labels, Running: running };
}

describe("sweepOrphanContainers (fake docker on PATH)", () => {
  let folder: string;
  let env: NodeJS.ProcessEnv;
  const self: DockerOwner = { ...currentDockerOwner(), containerId: undefined };

  async function givenContainers(containers: FakeContainer[]): Promise<void> {
    await writeFile(join(folder, "state.json"), JSON.stringify({ containers }));
  }

  async function remainingNames(): Promise<string[]> {
    const state = JSON.parse(await readFile(join(folder, "state.json"), "utf8")) as {
      containers: FakeContainer[];
    };
    return state.containers.map((c) => c.Name).sort();
  }

  async function calls(): Promise<string[][]> {
    const log = await readFile(join(folder, "argv.log"), "utf8").catch(() => "");
    return log
      .split("\n")
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as string[]);
  }

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), "mcpware-sweep-"));
    await writeFile(join(folder, "docker"), `#!/bin/sh\nexec "${process.execPath}" "${FAKE_DOCKER}" "$@"\n`);
    await chmod(join(folder, "docker"), 0o755);
    env = {
      ...process.env,
      PATH: `${folder}${delimiter}${process.env.PATH ?? ""}`,
      FAKE_DOCKER_STATE: join(folder, "state.json"),
      FAKE_DOCKER_LOG: join(folder, "argv.log"),
    };
  });

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it("removes containers whose owner process is gone and keeps the others", async () => {
    const gone = await deadPid();
    await givenContainers([
      labelled("dead", "old", { ...self, pid: gone }),
      labelled("alive", "other", self),
      labelled("mine", "me", { ...self, pid: gone }),
      labelled("elsewhere", "remote", { ...self, pid: gone, hostname: `${self.hostname}-other` }),
      labelled("ownerless", "legacy", undefined),
    ]);
    const result = await sweepOrphanContainers({ env, instanceId: "me", self });
    expect(result.error).to.equal(undefined);
    expect(result.removed).to.deep.equal(["mcpware-dead"]);
    expect(result.kept.sort()).to.deep.equal([
      "mcpware-alive",
      "mcpware-elsewhere",
      "mcpware-mine",
      "mcpware-ownerless",
    ]);
    expect(await remainingNames()).to.not.include("mcpware-dead");
    expect(await remainingNames()).to.have.length(4);
    const argv = await calls();
    expect(argv[0]).to.deep.equal([
      "ps",
      "-a",
      "--no-trunc",
      "--filter",
      `label=${DOCKER_LABELS.instance}`,
      "--format",
      "{{.ID}}",
    ]);
    expect(argv.at(-1)).to.deep.equal(["rm", "-f", "dead".padEnd(64, "0")]);
  });

  it("treats a reused pid (other start time) and another boot of the same machine as a dead owner", async () => {
    await givenContainers([
      labelled("reused", "a", { ...self, startTime: "1" }),
      labelled("rebooted", "b", { ...self, bootId: "another-boot" }),
    ]);
    const result = await sweepOrphanContainers({ env, self });
    if (self.startTime === undefined) {
      // No /proc here: start times cannot be compared, so only the reboot is detected.
      expect(result.removed).to.include("mcpware-rebooted");
    } else {
      expect(result.removed.sort()).to.deep.equal(["mcpware-rebooted", "mcpware-reused"]);
    }
  });

  it("asks the engine about owners that run in containers", async () => {
    const owner = (containerId: string, hostname: string): DockerOwner => ({
      pid: 1,
      startTime: undefined,
      hostname,
      bootId: self.bootId,
      containerId,
    });
    const running = "b".repeat(64);
    const stopped = "c".repeat(64);
    await givenContainers([
      { ...labelled("gateway-up", "x", undefined), Id: running, Name: "gw-up" },
      { ...labelled("gateway-down", "x", undefined, false), Id: stopped, Name: "gw-down" },
      labelled("of-running", "g1", owner(running, "bbbbbbbbbbbb")),
      labelled("of-stopped", "g2", owner(stopped, "cccccccccccc")),
      labelled("of-removed", "g3", owner(OWNER_CONTAINER, "aaaaaaaaaaaa")),
    ]);
    const result = await sweepOrphanContainers({ env, self });
    expect(result.error).to.equal(undefined);
    expect(result.removed.sort()).to.deep.equal(["mcpware-of-removed", "mcpware-of-stopped"]);
    expect(await remainingNames()).to.deep.equal(["gw-down", "gw-up", "mcpware-of-running"]);
  });

  it("does nothing when nothing is labelled", async () => {
    await givenContainers([]);
    const result = await sweepOrphanContainers({ env, self });
    expect(result).to.deep.equal({ removed: [], kept: [], error: undefined });
    expect((await calls()).map((argv) => argv[0])).to.deep.equal(["ps"]);
  });

  it("reports, without rejecting, when the Docker CLI is missing or failing", async () => {
    const missing = await sweepOrphanContainers({ dockerCommand: join(folder, "no-docker"), env, self });
    expect(missing.error).to.be.instanceOf(Error);
    await writeFile(join(folder, "state.json"), "not json");
    const failing = await sweepOrphanContainers({ env, self });
    expect(failing.error).to.be.instanceOf(Error);
    expect(failing.removed).to.deep.equal([]);
  });
});

describe("checkOwnerAlive", () => {
  const self: DockerOwner = { pid: 10, startTime: "5", hostname: "h", bootId: "b", containerId: undefined };
  const probe = (overrides: Partial<OwnerProbe> = {}): OwnerProbe => ({
    self,
    containerStatus: () => Promise.resolve("missing"),
    isPidAlive: () => true,
    processStartTime: () => "5",
    ...overrides,
  });

  it("cannot judge an owner on another machine", async () => {
    expect(
      await checkOwnerAlive({ ...self, hostname: "other" }, probe({ isPidAlive: () => false })),
    ).to.equal("unknown");
  });

  it("keeps containers when the engine cannot say whether the owner's container runs", async () => {
    const owner = { ...self, hostname: "x", containerId: OWNER_CONTAINER };
    expect(
      await checkOwnerAlive(owner, probe({ containerStatus: () => Promise.resolve("unknown") })),
    ).to.equal("unknown");
  });

  it("falls back to the pid when the owner's container id is unknown to the engine but the host is this one", async () => {
    const owner = { ...self, containerId: OWNER_CONTAINER };
    expect(await checkOwnerAlive(owner, probe())).to.equal("alive");
    expect(await checkOwnerAlive(owner, probe({ isPidAlive: () => false }))).to.equal("dead");
  });
});

describe("detectContainerId", () => {
  const id = "0123456789abcdef".repeat(4);

  it("reads the id from Docker's bind mounts in mountinfo", () => {
    const mountinfo = [
      "600 550 0:52 / / rw,relatime - overlay overlay rw",
      `611 600 254:1 /var/lib/docker/containers/${id}/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw`,
    ].join("\n");
    expect(detectContainerId({ mountinfo, cgroup: "0::/\n" })).to.equal(id);
  });

  it("reads the id from cgroup v1 paths", () => {
    expect(detectContainerId({ mountinfo: "", cgroup: `12:pids:/docker/${id}\n` })).to.equal(id);
    expect(
      detectContainerId({ mountinfo: "", cgroup: `1:name=systemd:/system.slice/docker-${id}.scope\n` }),
    ).to.equal(id);
  });

  it("finds nothing on a host", () => {
    expect(
      detectContainerId({ mountinfo: "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", cgroup: "0::/user.slice\n" }),
    ).to.equal(undefined);
  });
});
