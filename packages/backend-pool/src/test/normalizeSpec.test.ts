import { expect } from "chai";
import {
  DEFAULT_DOCKER_START_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_START_TIMEOUT_MS,
} from "../defaults.js";
import { normalizeSpec } from "../normalizeSpec.js";
import type { BackendSpec } from "../types.js";

describe("normalizeSpec", () => {
  it("fills the defaults", () => {
    const spec = normalizeSpec({ name: "a", command: "node" });
    expect(spec.args).to.deep.equal([]);
    expect(spec.timeoutMs).to.equal(DEFAULT_REQUEST_TIMEOUT_MS);
    expect(spec.startTimeoutMs).to.equal(DEFAULT_START_TIMEOUT_MS);
    expect(spec.idleTimeoutMs).to.equal(undefined);
    expect(spec.inheritEnv).to.equal(false);
    expect(spec.manageDocker).to.equal(true);
    expect(spec.restart.maxCrashes).to.equal(5);
  });

  it("gives docker run commands the long start timeout", () => {
    expect(
      normalizeSpec({ name: "d", command: "docker", args: ["run", "-i", "img"] }).startTimeoutMs,
    ).to.equal(DEFAULT_DOCKER_START_TIMEOUT_MS);
    expect(normalizeSpec({ name: "n", command: "node", args: ["run"] }).startTimeoutMs).to.equal(
      DEFAULT_START_TIMEOUT_MS,
    );
  });

  const bad: [string, Record<string, unknown>][] = [
    ["name", { name: "", command: "x" }],
    ["name", { name: "a\nb", command: "x" }],
    ["command", { name: "a", command: "" }],
    ["args", { name: "a", command: "x", args: "nope" }],
    ["args[1]", { name: "a", command: "x", args: ["ok", 3] }],
    ["env.K", { name: "a", command: "x", env: { K: 1 } }],
    ["timeoutMs", { name: "a", command: "x", timeoutMs: -1 }],
    ["startTimeoutMs", { name: "a", command: "x", startTimeoutMs: Number.NaN }],
    ["idleTimeoutMs", { name: "a", command: "x", idleTimeoutMs: "5" }],
    ["restart.maxCrashes", { name: "a", command: "x", restart: { maxCrashes: 0 } }],
    ["inheritEnv", { name: "a", command: "x", inheritEnv: "yes" }],
    ["maxMessageBytes", { name: "a", command: "x", maxMessageBytes: 1.5 }],
  ];
  for (const [field, spec] of bad) {
    it(`throws a TypeError naming "${field}" for a bad value`, () => {
      expect(() => normalizeSpec(spec as unknown as BackendSpec))
        .to.throw(TypeError)
        .with.property("message")
        .that.includes(`"${field}"`);
    });
  }
});
