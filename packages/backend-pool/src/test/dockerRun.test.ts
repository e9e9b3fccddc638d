import { expect } from "chai";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { DOCKER_LABELS } from "../dockerOwner.js";
import type { DockerOwner } from "../dockerOwner.js";
import { isDockerRunCommand, prepareDockerRun, removeDockerContainer } from "../dockerRun.js";
import { parseDockerRunArgv } from "../dockerRunArgs.js";

const OWNER: DockerOwner = {
  pid: 4242,
  startTime: "777",
  hostname: "builder",
  bootId: "boot-1",
  containerId: undefined,
};
const CONTEXT = { instanceId: "inst1", backendName: "files", owner: OWNER };

/** The options prepareDockerRun added: what sits between `run` and the user's first run argument. */
function addedOptions(original: readonly string[], rewritten: readonly string[], runIndex: number): string[] {
  return rewritten.slice(runIndex + 1, runIndex + 1 + rewritten.length - original.length);
}

function labelsOf(args: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  args.forEach((arg, index) => {
    if (arg === "--label") {
      const [key, ...rest] = args[index + 1]!.split("=");
      labels[key!] = rest.join("=");
    }
  });
  return labels;
}

describe("prepareDockerRun", () => {
  it("leaves commands other than docker run alone", () => {
    expect(prepareDockerRun("npx", ["-y", "server"], CONTEXT)).to.equal(undefined);
    expect(prepareDockerRun("docker", ["ps"], CONTEXT)).to.equal(undefined);
    expect(prepareDockerRun("docker", ["compose", "run", "svc"], CONTEXT)).to.equal(undefined);
    expect(prepareDockerRun("dockerd", ["run", "img"], CONTEXT)).to.equal(undefined);
    expect(prepareDockerRun("docker", ["run", "-i", "--rm"], CONTEXT), "no image").to.equal(undefined);
    expect(prepareDockerRun("docker", ["run", "-e"], CONTEXT), "value missing").to.equal(undefined);
  });

  it("adds name, labels, --init, -i, --rm and no-new-privileges right after run, before the image", () => {
    const args = ["run", "mcp/fetch"];
    const prepared = prepareDockerRun("docker", args, CONTEXT)!;
    expect(prepared.containerName).to.match(/^mcpware-inst1-files-\d+$/);
    expect(prepared.args[0]).to.equal("run");
    expect(prepared.args.at(-1)).to.equal("mcp/fetch");
    const added = addedOptions(args, prepared.args, 0);
    expect(added.slice(0, 2)).to.deep.equal(["--name", prepared.containerName]);
    expect(added).to.include.members(["--init", "-i", "--rm", "--security-opt", "no-new-privileges"]);
    expect(labelsOf(added)).to.deep.equal({
      [DOCKER_LABELS.instance]: "inst1",
      [DOCKER_LABELS.backend]: "files",
      [DOCKER_LABELS.ownerPid]: "4242",
      [DOCKER_LABELS.ownerStart]: "777",
      [DOCKER_LABELS.ownerHost]: "builder",
      [DOCKER_LABELS.ownerBoot]: "boot-1",
    });
    expect(parseDockerRunArgv(prepared.args)!.imageIndex).to.equal(prepared.args.length - 1);
  });

  it("records the owner's container id when the owner runs in a container", () => {
    const prepared = prepareDockerRun("docker", ["run", "img"], {
      ...CONTEXT,
      owner: { ...OWNER, containerId: "c".repeat(64) },
    })!;
    expect(labelsOf(prepared.args)[DOCKER_LABELS.ownerContainer]).to.equal("c".repeat(64));
  });

  it("gives every start a different name", () => {
    const first = prepareDockerRun("docker", ["run", "img"], CONTEXT)!;
    const second = prepareDockerRun("docker", ["run", "img"], CONTEXT)!;
    expect(first.containerName).to.not.equal(second.containerName);
  });

  it("turns characters Docker refuses in names into dashes", () => {
    const prepared = prepareDockerRun("docker", ["run", "img"], {
      ...CONTEXT,
      instanceId: "a b/c",
      backendName: "_my server!",
    })!;
    expect(prepared.containerName).to.match(/^mcpware-a-b-c-my-server-\d+$/);
    expect(labelsOf(prepared.args)[DOCKER_LABELS.backend]).to.equal("_my server!");
  });

  for (const [title, args, name] of [
    ["--name x", ["run", "--name", "mine", "img"], "mine"],
    ["--name=x", ["run", "--name=mine", "img"], "mine"],
    ["the last of several --name", ["run", "--name=a", "--name", "b", "img"], "b"],
  ] as const) {
    it(`keeps the user's container name given as ${title}`, () => {
      const prepared = prepareDockerRun("docker", args, CONTEXT)!;
      expect(prepared.containerName).to.equal(name);
      expect(prepared.args.filter((arg) => arg === "--name" || arg.startsWith("--name="))).to.have.length(
        args.filter((arg) => arg === "--name" || arg.startsWith("--name=")).length,
      );
    });
  }

  it("does not repeat flags the user already gave, in any spelling", () => {
    for (const args of [
      ["run", "-i", "--rm", "--init", "img"],
      ["run", "-it", "--rm=true", "--init=false", "img"],
      ["run", "--interactive", "--rm", "--init", "img"],
      ["run", "-ti", "--rm", "--init", "img"],
    ]) {
      const prepared = prepareDockerRun("docker", args, CONTEXT)!;
      const added = addedOptions(args, prepared.args, 0);
      expect(added, args.join(" ")).to.not.include.members(["-i"]);
      expect(added, args.join(" ")).to.not.include("--rm");
      expect(added, args.join(" ")).to.not.include("--init");
    }
  });

  it("keeps the user's security options", () => {
    for (const args of [
      ["run", "--security-opt", "seccomp=unconfined", "img"],
      ["run", "--security-opt=label=disable", "img"],
      ["run", "--privileged", "img"],
    ]) {
      const prepared = prepareDockerRun("docker", args, CONTEXT)!;
      expect(addedOptions(args, prepared.args, 0)).to.not.include("no-new-privileges");
    }
  });

  it("finds the image after options with values in every spelling", () => {
    const cases: Array<[string[], number]> = [
      [["run", "-e", "A=1", "-v", "/a:/b", "--env=B=2", "--network", "none", "img", "--name", "x"], 8],
      [["run", "-eA=1", "-e=B", "-p8080:80", "img", "-i"], 4],
      [["run", "-ite", "A=1", "img"], 3],
      [["run", "--mount", "type=bind,src=/a,dst=/b", "--cpus", "1.5", "--pull", "never", "img"], 7],
      [["run", "-m", "2g", "--user", "1000", "-w", "/work", "-h", "host", "img", "arg"], 9],
      [["run", "--net", "none", "--rm", "--", "img", "-v"], 5],
      [["run", "--gpus", "all", "--blkio-weight", "10", "img"], 5],
    ];
    for (const [args, imageIndex] of cases) {
      expect(parseDockerRunArgv(args)?.imageIndex, args.join(" ")).to.equal(imageIndex);
      const prepared = prepareDockerRun("docker", args, CONTEXT)!;
      // The user's run arguments and everything after the image are kept, in order, after what was added.
      expect(prepared.args.slice(prepared.args.length - args.length + 1)).to.deep.equal(args.slice(1));
    }
  });

  it("does not read options that follow the image: they belong to the container", () => {
    const args = ["run", "img", "--name", "x", "-i", "--rm", "--init"];
    const prepared = prepareDockerRun("docker", args, CONTEXT)!;
    expect(prepared.containerName).to.match(/^mcpware-/);
    expect(addedOptions(args, prepared.args, 0)).to.include.members(["-i", "--rm", "--init"]);
  });

  it("handles docker container run, global options, full paths and docker.exe", () => {
    const containerRun = prepareDockerRun("docker", ["container", "run", "img"], CONTEXT)!;
    expect(containerRun.args.slice(0, 3)).to.deep.equal(["container", "run", "--name"]);

    const withGlobals = ["--context", "remote", "-H", "unix:///x.sock", "--debug", "run", "-i", "img"];
    const prepared = prepareDockerRun("/usr/bin/docker", withGlobals, CONTEXT)!;
    expect(prepared.globalArgs).to.deep.equal(["--context", "remote", "-H", "unix:///x.sock", "--debug"]);
    expect(prepared.args.slice(0, 7)).to.deep.equal([...withGlobals.slice(0, 6), "--name"]);
    expect(prepared.args.slice(-2)).to.deep.equal(["-i", "img"]);

    expect(prepareDockerRun("C:\\Program Files\\Docker\\docker.exe", ["run", "img"], CONTEXT)).to.not.equal(
      undefined,
    );
    expect(isDockerRunCommand("DOCKER.EXE", ["run", "img"])).to.equal(true);
    expect(isDockerRunCommand("docker", ["images"])).to.equal(false);
  });
});

describe("removeDockerContainer", () => {
  let folder: string;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), "mcpware-docker-rm-"));
  });

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it("runs docker rm -f with the global options, through the docker found on PATH", async () => {
    const log = join(folder, "argv.log");
    await writeFile(join(folder, "docker"), `#!/bin/sh\necho "$@" >> "${log}"\nexit 1\n`);
    await chmod(join(folder, "docker"), 0o755);
    await removeDockerContainer("mcpware-x-y-1", {
      env: { ...process.env, PATH: `${folder}${delimiter}${process.env.PATH ?? ""}` },
      globalArgs: ["--context", "remote"],
    });
    expect((await readFile(log, "utf8")).trim()).to.equal("--context remote rm -f mcpware-x-y-1");
  });

  it("settles, without rejecting, when docker hangs or does not exist", async () => {
    const pidFile = join(folder, "pid");
    const script = join(folder, "hangingDocker");
    await writeFile(script, `#!/bin/sh\necho $$ > "${pidFile}"\nexec sleep 60\n`);
    await chmod(script, 0o755);
    await removeDockerContainer("c", { dockerCommand: script, timeoutMs: 300 });
    const pid = Number(await readFile(pidFile, "utf8"));
    await waitUntil(() => !isAlive(pid));
    await removeDockerContainer("c", { dockerCommand: join(folder, "missing-docker") });
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(predicate: () => boolean, deadlineMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > deadlineMs) throw new Error("condition not met before the deadline");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
