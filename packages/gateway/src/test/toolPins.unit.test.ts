import { expect } from "chai";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { imageDigestOf } from "../imageDigest.js";
import { PinStore, canonicalJson, definitionHash, pinnedDefinition } from "../toolPins.js";

const IMAGE_A = `sha256:${"a".repeat(64)}`;
const IMAGE_B = `sha256:${"b".repeat(64)}`;
const IMAGE_C = `sha256:${"c".repeat(64)}`;

describe("tool pins (units)", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "mcpware-pins-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const tool = (description: string) => ({
    name: "t",
    description,
    inputSchema: { type: "object" as const },
  });

  it("hashes a definition the same whatever the order of its keys", () => {
    const one = {
      name: "t",
      inputSchema: { type: "object" as const, properties: { a: {}, b: {} } },
      description: "d",
    };
    const two = {
      description: "d",
      inputSchema: { properties: { b: {}, a: {} }, type: "object" as const },
      name: "t",
    };
    expect(canonicalJson(one)).to.equal(canonicalJson(two));
    expect(definitionHash(pinnedDefinition(one))).to.equal(definitionHash(pinnedDefinition(two)));
    expect(definitionHash(pinnedDefinition({ ...one, description: "e" }))).to.not.equal(
      definitionHash(pinnedDefinition(one)),
    );
  });

  it("pins first-seen tools, reports changed ones with the fields, and keeps pins apart per config file", () => {
    const store = PinStore.forConfig(dir, "/configs/a.json");
    expect(store.check("b", [tool("one")])).to.deep.equal([]);
    const [change] = store.check("b", [{ ...tool("two"), annotations: { readOnlyHint: true } }]);
    expect(change).to.include({ backend: "b", tool: "t" });
    expect(change!.fields).to.deep.equal(["description", "annotations"]);
    expect(PinStore.forConfig(dir, "/configs/other.json").check("b", [tool("two")])).to.deep.equal([]);
    store.accept([change!]);
    expect(store.check("b", [{ ...tool("two"), annotations: { readOnlyHint: true } }])).to.deep.equal([]);
  });

  it("records the image a docker backend's pins were taken from, and names an image change with a tool change", () => {
    const store = PinStore.forConfig(dir, "/configs/a.json");
    store.check("d", [tool("one")], IMAGE_A);
    // A new image with the same tools: nothing to report, the image on record follows.
    expect(store.check("d", [tool("one")], IMAGE_B)).to.deep.equal([]);
    const [change] = store.check("d", [tool("two")], IMAGE_C);
    expect(change!.image).to.deep.equal({ pinned: IMAGE_B, now: IMAGE_C });
  });

  it("never writes in read-only mode (doctor)", async () => {
    const file = PinStore.forConfig(dir, "/configs/a.json").file;
    PinStore.forConfig(dir, "/configs/a.json", true).check("b", [tool("one")]);
    expect(await readFile(file, "utf8").catch(() => "absent")).to.equal("absent");
  });

  it("asks Docker for the image id of a docker run backend, and nothing for other commands", async () => {
    const docker = path.join(dir, "docker");
    await writeFile(
      docker,
      `#!/bin/sh\n[ "$1 $2" = "image inspect" ] && [ "$5" = "mcp/time:1" ] && echo ${IMAGE_A} && exit 0\nexit 1\n`,
    );
    await chmod(docker, 0o755);
    expect(
      await imageDigestOf({ name: "d", command: docker, args: ["run", "-i", "--rm", "mcp/time:1"] }),
    ).to.equal(IMAGE_A);
    expect(await imageDigestOf({ name: "d", command: docker, args: ["run", "-i", "other"] })).to.equal(
      undefined,
    );
    expect(await imageDigestOf({ name: "n", command: "node", args: ["server.js"] })).to.equal(undefined);
  });
});
