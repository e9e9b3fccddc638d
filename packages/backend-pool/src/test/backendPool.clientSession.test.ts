import { expect } from "chai";
import sinon from "sinon";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MAX_TIMER_MS } from "@mcpware/protocol";
import type { ClientCapabilities, LoggingLevel } from "@mcpware/protocol";
import { BackendError, BackendErrorCode } from "../backendError.js";
import { DEFAULT_MAX_CALL_DURATION_MS, DEFAULT_REQUEST_TIMEOUT_MS } from "../defaults.js";
import { normalizeSpec } from "../normalizeSpec.js";
import type { BackendDiagnosticEvent, BackendSpec } from "../types.js";
import { fixtureSpec } from "./helpers/fixtures.js";
import { rejectionOf, usePoolHarness } from "./helpers/poolHarness.js";

const RECORDER = fileURLToPath(new URL("./fixtures/recordsMessages.js", import.meta.url));

interface Recorded {
  id?: string | number;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
}

describe("BackendPool: the client side of the session", () => {
  describe("maxCallDurationMs", () => {
    it("defaults to 600 s, or to timeoutMs when that is longer", () => {
      expect(DEFAULT_MAX_CALL_DURATION_MS).to.equal(600_000);
      expect(normalizeSpec({ name: "a", command: "x" }).maxCallDurationMs).to.equal(600_000);
      expect(normalizeSpec({ name: "a", command: "x", timeoutMs: 1_000 }).maxCallDurationMs).to.equal(
        600_000,
      );
      expect(normalizeSpec({ name: "a", command: "x", timeoutMs: 600_000 }).maxCallDurationMs).to.equal(
        600_000,
      );
      expect(normalizeSpec({ name: "a", command: "x", timeoutMs: 900_000 }).maxCallDurationMs).to.equal(
        900_000,
      );
    });

    it("keeps a value of at least timeoutMs", () => {
      expect(
        normalizeSpec({ name: "a", command: "x", timeoutMs: 20_000, maxCallDurationMs: 20_000 })
          .maxCallDurationMs,
      ).to.equal(20_000);
      expect(
        normalizeSpec({ name: "a", command: "x", timeoutMs: 20_000, maxCallDurationMs: 1_000_000 })
          .maxCallDurationMs,
      ).to.equal(1_000_000);
      expect(
        normalizeSpec({ name: "a", command: "x", maxCallDurationMs: DEFAULT_REQUEST_TIMEOUT_MS }),
      ).to.include({
        timeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
        maxCallDurationMs: DEFAULT_REQUEST_TIMEOUT_MS,
      });
    });

    it("throws a TypeError naming maxCallDurationMs for a value below timeoutMs", () => {
      expect(() => normalizeSpec({ name: "a", command: "x", timeoutMs: 20_000, maxCallDurationMs: 19_999 }))
        .to.throw(TypeError)
        .with.property("message")
        .that.includes('"maxCallDurationMs"');
    });

    it("measures against the default timeoutMs when none is given", () => {
      expect(() =>
        normalizeSpec({ name: "a", command: "x", maxCallDurationMs: DEFAULT_REQUEST_TIMEOUT_MS - 1 }),
      )
        .to.throw(TypeError)
        .with.property("message")
        .that.includes('"maxCallDurationMs"');
    });

    it("throws a TypeError naming maxCallDurationMs for a value timers cannot honour", () => {
      for (const value of [0, -1, Number.NaN, Infinity, MAX_TIMER_MS + 1, "600000"]) {
        const spec = { name: "a", command: "x", maxCallDurationMs: value } as unknown as BackendSpec;
        expect(() => normalizeSpec(spec), String(value))
          .to.throw(TypeError)
          .with.property("message")
          .that.includes('"maxCallDurationMs"');
      }
    });
  });

  describe("with running backends", () => {
    const harness = usePoolHarness();
    let dir: string;

    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), "mcpware-session-"));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    /** A recorder backend: every message it receives goes to `<dir>/<name>.jsonl`. */
    function recorder(
      name: string,
      flags: ("--logging" | "--ping")[] = [],
    ): { spec: BackendSpec; file: string } {
      const file = path.join(dir, `${name}.jsonl`);
      return { spec: { name, command: process.execPath, args: [RECORDER, file, ...flags] }, file };
    }

    async function recorded(file: string): Promise<Recorded[]> {
      const text = await readFile(file, "utf8");
      return text
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Recorded);
    }

    async function methodsOf(file: string): Promise<(string | undefined)[]> {
      return (await recorded(file)).map((message) => message.method);
    }

    async function setLevelsOf(file: string): Promise<unknown[]> {
      return (await recorded(file))
        .filter((message) => message.method === "logging/setLevel")
        .map((message) => message.params);
    }

    async function initializeCapabilitiesOf(file: string): Promise<unknown[]> {
      return (await recorded(file))
        .filter((message) => message.method === "initialize")
        .map((message) => message.params?.capabilities);
    }

    describe("setClientCapabilities", () => {
      it("rejects anything but an object with a TypeError", () => {
        const pool = harness.create();
        for (const value of [null, undefined, "sampling", 1, true, [{ sampling: {} }]]) {
          expect(
            () => pool.setClientCapabilities(value as unknown as ClientCapabilities),
            String(value),
          ).to.throw(TypeError);
        }
      });

      it("changes what backends started afterwards are told in initialize", async () => {
        const pool = harness.create({ clientCapabilities: { roots: { listChanged: true } } });
        const first = recorder("first");
        const second = recorder("second");
        pool.add(first.spec);
        pool.add(second.spec);
        await pool.start("first");
        pool.setClientCapabilities({ sampling: {}, elicitation: { form: {}, url: {} } });
        await pool.start("second");
        // A request answered after the change: anything the change sent to the running backend is recorded.
        await pool.request("first", "echo", {});
        expect(await initializeCapabilitiesOf(first.file)).to.deep.equal([{ roots: { listChanged: true } }]);
        expect(await initializeCapabilitiesOf(second.file)).to.deep.equal([
          { sampling: {}, elicitation: { form: {}, url: {} } },
        ]);
        // Its era unknown, it was probed first (a legacy server: -32601).
        expect(await methodsOf(first.file)).to.deep.equal([
          "server/discover",
          "initialize",
          "notifications/initialized",
          "echo",
        ]);
      });

      it("applies to a backend that is replaced and started again", async () => {
        const pool = harness.create();
        const before = recorder("before");
        pool.add({ ...before.spec, name: "b" });
        await pool.start("b");
        pool.setClientCapabilities({ roots: {} });
        const after = recorder("after");
        await pool.replace({ ...after.spec, name: "b" });
        await pool.start("b");
        expect(await initializeCapabilitiesOf(before.file)).to.deep.equal([{}]);
        expect(await initializeCapabilitiesOf(after.file)).to.deep.equal([{ roots: {} }]);
      });
    });

    describe("setLoggingLevel", () => {
      it("rejects a level that is not an MCP log level with a TypeError and sends nothing", async () => {
        const pool = harness.create();
        const backend = recorder("logs", ["--logging"]);
        pool.add(backend.spec);
        await pool.start("logs");
        for (const level of ["warn", "INFO", "", undefined, null, 3]) {
          const error = await rejectionOf(pool.setLoggingLevel(level as unknown as LoggingLevel));
          expect(error, String(level)).to.be.instanceOf(TypeError);
        }
        await pool.request("logs", "echo", {});
        expect(await setLevelsOf(backend.file)).to.deep.equal([]);
      });

      it("sends logging/setLevel to a running backend that declares logging", async () => {
        const pool = harness.create();
        const diagnostics: BackendDiagnosticEvent[] = [];
        pool.onDiagnostic((event) => diagnostics.push(event));
        const backend = recorder("logs", ["--logging"]);
        pool.add(backend.spec);
        await pool.start("logs");
        await pool.setLoggingLevel("warning");
        expect(await setLevelsOf(backend.file)).to.deep.equal([{ level: "warning" }]);
        await pool.setLoggingLevel("warning");
        await pool.setLoggingLevel("debug");
        expect(await setLevelsOf(backend.file), "the same level is not sent twice").to.deep.equal([
          { level: "warning" },
          { level: "debug" },
        ]);
        expect(diagnostics.filter((event) => event.kind === "request-error")).to.deep.equal([]);
      });

      it("sends the level right after the handshake to backends started later", async () => {
        const pool = harness.create();
        const added = recorder("added", ["--logging"]);
        pool.add(added.spec);
        await pool.setLoggingLevel("error");
        const later = recorder("later", ["--logging"]);
        pool.add(later.spec);
        for (const { spec, file } of [added, later]) {
          expect(await pool.request(spec.name, "echo", { n: 1 })).to.deep.equal({ echo: { n: 1 } });
          expect(await methodsOf(file), spec.name).to.deep.equal([
            "server/discover",
            "initialize",
            "notifications/initialized",
            "logging/setLevel",
            "echo",
          ]);
          expect(await setLevelsOf(file)).to.deep.equal([{ level: "error" }]);
        }
      });

      it("sends the level once to a backend that is starting", async () => {
        const pool = harness.create();
        const backend = recorder("starting", ["--logging"]);
        pool.add(backend.spec);
        const started = pool.start("starting");
        await pool.setLoggingLevel("notice");
        await started;
        await pool.request("starting", "echo", {});
        expect(await setLevelsOf(backend.file)).to.deep.equal([{ level: "notice" }]);
      });

      it("sends the newest level to a backend restarted after it was stopped", async () => {
        const pool = harness.create();
        const backend = recorder("again", ["--logging"]);
        pool.add(backend.spec);
        await pool.setLoggingLevel("info");
        await pool.start("again");
        await pool.replace(backend.spec);
        await pool.setLoggingLevel("critical");
        await pool.request("again", "echo", {});
        expect(await setLevelsOf(backend.file)).to.deep.equal([{ level: "info" }, { level: "critical" }]);
      });

      it("is not sent to a backend that does not declare logging", async () => {
        const pool = harness.create();
        const diagnostics: BackendDiagnosticEvent[] = [];
        pool.onDiagnostic((event) => diagnostics.push(event));
        const running = recorder("running");
        const later = recorder("later");
        pool.add(running.spec);
        pool.add(later.spec);
        await pool.start("running");
        await pool.setLoggingLevel("debug");
        await pool.request("running", "echo", {});
        await pool.request("later", "echo", {});
        for (const file of [running.file, later.file]) {
          expect(await methodsOf(file)).to.deep.equal([
            "server/discover",
            "initialize",
            "notifications/initialized",
            "echo",
          ]);
        }
        expect(diagnostics.filter((event) => event.kind === "request-error")).to.deep.equal([]);
      });

      it("rejects with ERR_POOL_CLOSED once the pool is closed", async () => {
        const pool = harness.create();
        await pool.close();
        const error = await rejectionOf(pool.setLoggingLevel("info"));
        expect(error).to.be.instanceOf(BackendError).and.to.include({ code: BackendErrorCode.PoolClosed });
      });
    });

    describe("a ping from a backend", () => {
      it("is answered {} by the pool without calling the request handler", async () => {
        const pool = harness.create();
        const handler = sinon.fake.resolves({ roots: [] });
        pool.setRequestHandler(handler);
        const backend = recorder("pinger", ["--ping"]);
        pool.add(backend.spec);
        const { answer } = await pool.request<{ answer: Recorded }>("pinger", "pingAnswer");
        expect(answer).to.deep.equal({ jsonrpc: "2.0", id: "fixture-ping", result: {} });
        expect(handler.callCount).to.equal(0);
      });

      it("is answered by the pool in the middle of a call, with a request handler set", async () => {
        const pool = harness.create();
        const handler = sinon.fake.resolves({ roots: [] });
        pool.setRequestHandler(handler);
        pool.add(fixtureSpec("echo"));
        const ping = await pool.request<{ answer: { result?: unknown; error?: unknown } }>(
          "echo",
          "askClient",
          {
            method: "ping",
          },
        );
        expect(ping.answer.result).to.deep.equal({});
        expect(ping.answer).to.not.have.property("error");
        expect(handler.callCount).to.equal(0);
        // The handler does get what is not a ping.
        const roots = await pool.request<{ answer: { result?: unknown } }>("echo", "askClient", {
          method: "roots/list",
        });
        expect(roots.answer.result).to.deep.equal({ roots: [] });
        expect(handler.callCount).to.equal(1);
      });
    });
  });
});
