import { expect } from "chai";
import { findPrivilegedDockerOptions } from "../dockerPolicy.js";
import { prepareDockerRun } from "../dockerRun.js";
import { parseDockerRunArgv } from "../dockerRunArgs.js";
import { normalizeSpec } from "../normalizeSpec.js";

const CONTEXT = { instanceId: "inst1", backendName: "files" };

/** The value following `option` in `args`, or undefined. */
function valueOf(args: readonly string[], option: string): string | undefined {
  const index = args.indexOf(option);
  return index === -1 ? undefined : args[index + 1];
}

function privileged(args: string[]): string[] {
  return findPrivilegedDockerOptions(parseDockerRunArgv(args)!.flags);
}

describe("Docker policy", () => {
  describe("limits", () => {
    it("adds --cpus 1, --memory 2g and --pull never by default, before the image", () => {
      const prepared = prepareDockerRun("docker", ["run", "mcp/fetch", "--cpus", "9"], CONTEXT)!;
      const image = prepared.args.indexOf("mcp/fetch");
      const options = prepared.args.slice(0, image);
      expect(valueOf(options, "--cpus")).to.equal("1");
      expect(valueOf(options, "--memory")).to.equal("2g");
      expect(valueOf(options, "--pull")).to.equal("never");
      // What follows the image is the container's own argv.
      expect(prepared.args.slice(image)).to.deep.equal(["mcp/fetch", "--cpus", "9"]);
    });

    it("takes the limits it is given", () => {
      const prepared = prepareDockerRun("docker", ["run", "img"], {
        ...CONTEXT,
        limits: { cpus: "0.5", memory: "512m", pull: "missing" },
      })!;
      expect(valueOf(prepared.args, "--cpus")).to.equal("0.5");
      expect(valueOf(prepared.args, "--memory")).to.equal("512m");
      expect(valueOf(prepared.args, "--pull")).to.equal("missing");
    });

    it("leaves a user's CPU quota or memory reservation alone instead of adding a conflicting limit", () => {
      const prepared = prepareDockerRun(
        "docker",
        ["run", "--cpu-quota", "50000", "--memory-reservation", "4g", "img"],
        CONTEXT,
      )!;
      expect(prepared.args).to.not.include("--cpus");
      expect(prepared.args).to.not.include("--memory");
      expect(valueOf(prepared.args, "--pull")).to.equal("never");
    });

    it("never repeats a limit the user set, in any spelling", () => {
      const args = ["run", "--cpus=2", "-m", "1g", "--pull", "always", "img"];
      const prepared = prepareDockerRun("docker", args, CONTEXT)!;
      const count = (prefix: string): number =>
        prepared.args.filter((arg) => arg === prefix || arg.startsWith(`${prefix}=`)).length;
      expect(count("--cpus")).to.equal(1);
      expect(count("--memory") + count("-m")).to.equal(1);
      expect(count("--pull")).to.equal(1);
      expect(prepared.args).to.include.members(["--cpus=2", "-m", "1g", "--pull", "always"]);
    });
  });

  describe("findPrivilegedDockerOptions", () => {
    it("finds privileged mode, host namespaces, every capability and the Docker socket in every spelling", () => {
      const cases: [string[], string][] = [
        [["run", "--privileged", "img"], "--privileged"],
        [["run", "--privileged=true", "img"], "--privileged"],
        [["run", "--pid=host", "img"], "--pid=host"],
        [["run", "--pid", "host", "img"], "--pid=host"],
        [["run", "--network=host", "img"], "--network=host"],
        [["run", "--net", "host", "img"], "--network=host"],
        [["run", "--ipc=host", "img"], "--ipc=host"],
        [["run", "--uts", "host", "img"], "--uts=host"],
        [["run", "--userns=host", "img"], "--userns=host"],
        [["run", "--cap-add=ALL", "img"], "--cap-add=ALL"],
        [["run", "--cap-add", "all", "img"], "--cap-add=all"],
        [["run", "-v", "/var/run/docker.sock:/var/run/docker.sock", "img"], "the Docker socket"],
        [["run", "--volume=/run/docker.sock:/sock:ro", "img"], "the Docker socket"],
        [["run", "--mount", "type=bind,source=/var/run/docker.sock,target=/s", "img"], "the Docker socket"],
        [["run", "--mount", "type=bind,src=/var/run//docker.sock,dst=/s", "img"], "the Docker socket"],
        [["run", "-v", "//./pipe/docker_engine://./pipe/docker_engine", "img"], "the Docker socket"],
        // Spellings Docker normalises, folders holding the socket, and Docker's own CSV and long syntaxes.
        [["run", "-v", "/var/run/docker.sock/:/s", "img"], "the Docker socket"],
        [["run", "-v", "/var/run/docker.sock/.:/s", "img"], "the Docker socket"],
        [["run", "-v", "/var/run:/r", "img"], "the Docker socket"],
        [["run", "-v", "/:/host", "img"], "the Docker socket"],
        [["run", "--mount", '"source=/var/run/docker.sock",target=/s,type=bind', "img"], "the Docker socket"],
        [
          ["run", "--mount", "type=bind,source=/tmp,source=/var/run/docker.sock,target=/s", "img"],
          "the Docker socket",
        ],
        [
          [
            "run",
            "--mount",
            "type=volume,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/var/run/docker.sock,target=/s",
            "img",
          ],
          "the Docker socket",
        ],
        [["run", "--network", "name=host", "img"], "--network=name=host"],
        [["run", "--cgroupns=host", "img"], "--cgroupns=host"],
      ];
      for (const [args, expected] of cases) {
        const found = privileged(args);
        expect(found, args.join(" ")).to.have.length(1);
        expect(found[0], args.join(" ")).to.include(expected);
      }
    });

    it("lets ordinary isolation settings through", () => {
      for (const args of [
        ["run", "--network", "none", "img"],
        ["run", "--privileged=false", "img"],
        ["run", "--cap-add", "NET_ADMIN", "--cap-drop", "ALL", "img"],
        ["run", "-v", "/data:/data", "--mount", "type=bind,source=/src,target=/docker.sock.d", "img"],
        ["run", "-v", "named-volume:/data", "-v", "/var/lib/app:/app", "-v", "/run/user/1000/x:/x", "img"],
        ["run", "--mount", "type=volume,source=cache,target=/cache", "img"],
        ["run", "--pid", "container:other", "img"],
        ["run", "img", "--privileged"],
      ]) {
        expect(privileged(args), args.join(" ")).to.deep.equal([]);
      }
    });
  });

  describe("normalizeSpec", () => {
    const spec = (args: string[], extra: Record<string, unknown> = {}) => ({
      name: "d",
      command: "docker",
      args,
      ...extra,
    });

    it("refuses a managed docker run that asks for power over the host, naming every option", () => {
      expect(() => normalizeSpec(spec(["run", "--privileged", "-v", "/var/run/docker.sock:/s", "img"])))
        .to.throw(TypeError)
        .with.property("message")
        .that.includes("--privileged")
        .and.includes("the Docker socket")
        .and.includes("docker.allowPrivileged");
    });

    it("allows it with docker.allowPrivileged, and leaves an unmanaged docker run alone", () => {
      expect(
        normalizeSpec(spec(["run", "--pid=host", "img"], { docker: { allowPrivileged: true } })).name,
      ).to.equal("d");
      expect(normalizeSpec(spec(["run", "--pid=host", "img"], { manageDocker: false })).name).to.equal("d");
    });

    it("fills the default limits and takes valid overrides", () => {
      expect(normalizeSpec(spec(["run", "img"])).dockerLimits).to.deep.equal({
        cpus: "1",
        memory: "2g",
        pull: "never",
      });
      expect(
        normalizeSpec(spec(["run", "img"], { docker: { cpus: 1.5, memory: "768m", pull: "missing" } }))
          .dockerLimits,
      ).to.deep.equal({ cpus: "1.5", memory: "768m", pull: "missing" });
    });

    it("rejects bad docker options with a TypeError naming the field", () => {
      for (const [docker, field] of [
        [{ cpus: 0 }, "docker.cpus"],
        [{ cpus: "lots" }, "docker.cpus"],
        [{ memory: "2 GB" }, "docker.memory"],
        [{ pull: "sometimes" }, "docker.pull"],
        [{ allowPrivileged: "yes" }, "docker.allowPrivileged"],
        ["fast", "docker"],
      ] as const) {
        expect(() => normalizeSpec(spec(["run", "img"], { docker })), field)
          .to.throw(TypeError)
          .with.property("message")
          .that.includes(`"${field}"`);
      }
    });
  });
});
