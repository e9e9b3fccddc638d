import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { BackendPool, DEFAULT_REQUEST_TIMEOUT_MS } from "@mcpware/backend-pool";
import type { ConfigProblem } from "../configError.js";
import { ConfigError } from "../configError.js";
import { loadConfig, parseConfig } from "../loadConfig.js";

function problemsOf(document: unknown): ConfigProblem[] {
  try {
    parseConfig(document, { env: new Map() });
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  expect.fail("expected a ConfigError");
}

function specOf(fields: Record<string, unknown>) {
  const config = parseConfig({ backends: { a: { command: "prog", ...fields } } }, { env: new Map() });
  expect(config.backends).to.have.length(1);
  return config.backends[0]!.spec!;
}

describe("config: maxCallDuration", () => {
  describe("shorter than the timeout", () => {
    it("is a problem at maxCallDuration naming both values", () => {
      const problems = problemsOf({ backends: { a: { command: "prog", timeout: 30, maxCallDuration: 20 } } });
      expect(problems).to.have.length(1);
      expect(problems[0]!.path).to.equal("$.backends.a.maxCallDuration");
      expect(problems[0]!.message).to.include("maxCallDuration").and.include("20 s").and.include("30 s");
    });

    it("is measured against the default timeout when none is set", () => {
      const defaultSeconds = DEFAULT_REQUEST_TIMEOUT_MS / 1000;
      expect(defaultSeconds).to.equal(55);
      const problems = problemsOf({ backends: { a: { command: "prog", maxCallDuration: 54.9 } } });
      expect(problems).to.have.length(1);
      expect(problems[0]!.path).to.equal("$.backends.a.maxCallDuration");
      expect(problems[0]!.message).to.include("maxCallDuration").and.include(`${defaultSeconds} s`);
    });

    it("is found in every config shape with the entry's own path", () => {
      const fields = { timeout: 10, maxCallDuration: 5 };
      const cases: [unknown, string][] = [
        [{ backends: [{ name: "a", command: "prog", ...fields }] }, "$.backends[0].maxCallDuration"],
        [{ backends: { a: { command: "prog", ...fields } } }, "$.backends.a.maxCallDuration"],
        [{ mcpServers: { a: { command: "prog", ...fields } } }, "$.mcpServers.a.maxCallDuration"],
      ];
      for (const [document, expectedPath] of cases) {
        expect(problemsOf(document).map((problem) => problem.path)).to.deep.equal([expectedPath]);
      }
    });

    it("is reported for every backend that has it", () => {
      const problems = problemsOf({
        backends: {
          a: { command: "prog", timeout: 10, maxCallDuration: 9 },
          b: { command: "prog", timeout: 10, maxCallDuration: 10 },
          c: { command: "prog", maxCallDuration: 1 },
        },
      });
      expect(problems.map((problem) => problem.path)).to.deep.equal([
        "$.backends.a.maxCallDuration",
        "$.backends.c.maxCallDuration",
      ]);
    });

    it("makes loadConfig fail with a ConfigError naming maxCallDuration", async () => {
      const dir = await mkdtemp(path.join(tmpdir(), "mcpware-max-call-"));
      try {
        const file = path.join(dir, "config.json");
        await writeFile(
          file,
          JSON.stringify({ mcpServers: { slow: { command: "prog", timeout: 120, maxCallDuration: 60 } } }),
        );
        let caught: unknown;
        try {
          await loadConfig({ configPath: file, env: {} });
        } catch (error) {
          caught = error;
        }
        expect(caught).to.be.instanceOf(ConfigError);
        const problems = (caught as ConfigError).problems;
        expect(problems.map((problem) => problem.path)).to.deep.equal(["$.mcpServers.slow.maxCallDuration"]);
        expect((caught as ConfigError).message).to.include("maxCallDuration");
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  it("is a schema problem when it is not a positive number", () => {
    for (const value of [0, -5, "600"]) {
      const problems = problemsOf({ backends: { a: { command: "prog", maxCallDuration: value } } });
      expect(
        problems.map((problem) => problem.path),
        String(value),
      ).to.include("$.backends.a.maxCallDuration");
    }
  });

  describe("at least the timeout", () => {
    it("becomes spec.maxCallDurationMs in milliseconds", () => {
      expect(specOf({ timeout: 30, maxCallDuration: 900 })).to.include({
        timeoutMs: 30_000,
        maxCallDurationMs: 900_000,
      });
    });

    it("may equal the timeout", () => {
      expect(specOf({ timeout: 30, maxCallDuration: 30 })).to.include({
        timeoutMs: 30_000,
        maxCallDurationMs: 30_000,
      });
    });

    it("may equal the default timeout when none is set", () => {
      const spec = specOf({ maxCallDuration: 55 });
      expect(spec.maxCallDurationMs).to.equal(55_000);
      expect(spec.timeoutMs).to.equal(undefined);
    });

    it("converts fractional seconds", () => {
      expect(specOf({ timeout: 1.25, maxCallDuration: 60.5 }).maxCallDurationMs).to.equal(60_500);
    });

    it("is left out of the spec when not set, for the pool's default", () => {
      expect(specOf({ timeout: 30 })).to.not.have.property("maxCallDurationMs");
    });

    it("gives a spec the pool accepts", async () => {
      const pool = new BackendPool();
      try {
        expect(() => pool.add(specOf({ timeout: 30, maxCallDuration: 30 }))).to.not.throw();
        expect(() => pool.add({ ...specOf({ maxCallDuration: 55 }), name: "b" })).to.not.throw();
        expect(pool.names()).to.deep.equal(["a", "b"]);
      } finally {
        await pool.destroy();
      }
    });
  });
});
