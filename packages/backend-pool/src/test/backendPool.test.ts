import { expect } from "chai";
import { ProtocolError } from "@mcpware/protocol";
import type { ProgressNotificationParams } from "@mcpware/protocol";
import { BackendError, BackendErrorCode } from "../backendError.js";
import { BackendPool } from "../backendPool.js";
import { mintProgressToken } from "../progressRoutes.js";
import type { BackendNotificationEvent, BackendRequestEvent, StateChangeEvent } from "../types.js";
import { fixtureSpec } from "./helpers/fixtures.js";
import { isRunning, survivors } from "./helpers/processTable.js";
import { nextEvent, rejectionOf, usePoolHarness } from "./helpers/poolHarness.js";

const HUGE_TIMEOUT_MS = 600_000;

describe("BackendPool", () => {
  const harness = usePoolHarness();

  describe("registry", () => {
    it("keeps names unique case-insensitively and matches them exactly", () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo", { name: "Files" }));
      expect(() => pool.add(fixtureSpec("echo", { name: "files" })))
        .to.throw(BackendError)
        .with.property("code", BackendErrorCode.Exists);
      expect(pool.has("Files")).to.equal(true);
      expect(pool.has("files")).to.equal(false);
      expect(pool.names()).to.deep.equal(["Files"]);
      expect(() => pool.info("files"))
        .to.throw(BackendError)
        .with.property("code", BackendErrorCode.Unknown);
    });

    it("stores names like __proto__ and constructor as ordinary entries", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo", { name: "__proto__" }));
      pool.add(fixtureSpec("echo", { name: "constructor" }));
      expect(pool.names()).to.deep.equal(["__proto__", "constructor"]);
      expect(pool.has("toString")).to.equal(false);
      expect(await pool.request("__proto__", "echo", { p: 1 })).to.deep.equal({ echo: { p: 1 } });
    });

    it("rejects requests to an unknown backend with ERR_BACKEND_UNKNOWN", async () => {
      const pool = harness.create();
      const error = await rejectionOf(pool.request("nope", "tools/list"));
      expect(error).to.include({ code: BackendErrorCode.Unknown, backend: "nope" });
    });

    it("throws a TypeError naming the field of a bad spec", () => {
      const pool = harness.create();
      expect(() => pool.add({ name: "x", command: "node", timeoutMs: 0 })).to.throw(TypeError, /"timeoutMs"/);
    });

    it("rejects a request deadline that timers cannot honour with a TypeError", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo"));
      for (const timeoutMs of [0, -1, Number.NaN, Infinity, 2 ** 31]) {
        const error = await rejectionOf(pool.request("echo", "echo", {}, { timeoutMs }));
        expect(error).to.be.instanceOf(TypeError);
        expect(error.message).to.include('"timeoutMs"');
      }
      expect(harness.pids.size).to.equal(0);
    });

    it("does not start anything before the first request", () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo"));
      expect(pool.info("echo")).to.include({ state: "idle", pid: undefined, restarts: 0 });
      expect(harness.pids.size).to.equal(0);
    });
  });

  describe("lifecycle", () => {
    it("shares one start between concurrent first requests", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("slowStart", { argv: ["200"] }));
      const states: StateChangeEvent[] = [];
      pool.onStateChange((event) => states.push(event));
      const replies = await Promise.all([1, 2, 3, 4, 5].map((n) => pool.request("slowStart", "echo", { n })));
      expect(replies.map((reply) => (reply as { echo: { n: number } }).echo.n)).to.deep.equal([
        1, 2, 3, 4, 5,
      ]);
      expect(harness.pids.size).to.equal(1);
      expect(states.map((event) => event.state)).to.deep.equal(["starting", "ready"]);
    });

    it("a caller giving up during the start does not cancel the start others share", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("slowStart", { argv: ["400"] }));
      const controller = new AbortController();
      const aborted = rejectionOf(pool.start("slowStart", { signal: controller.signal }));
      const timedOut = rejectionOf(pool.request("slowStart", "echo", {}, { timeoutMs: 50 }));
      const patient = pool.request("slowStart", "echo", { patient: true });
      controller.abort();
      expect(await aborted).to.include({ code: BackendErrorCode.Aborted, backend: "slowStart" });
      expect(await timedOut).to.include({
        code: BackendErrorCode.Timeout,
        backend: "slowStart",
        method: "echo",
      });
      expect(await patient).to.deep.equal({ echo: { patient: true } });
      expect(harness.pids.size).to.equal(1);
    });

    it("after the cooldown an open circuit allows exactly one probe start", async () => {
      const pool = harness.create();
      pool.add(
        fixtureSpec("exitsAtOnce", { restart: { initialBackoffMs: 0, maxCrashes: 1, cooldownMs: 200 } }),
      );
      expect(await rejectionOf(pool.request("exitsAtOnce", "ping"))).to.include({
        code: BackendErrorCode.Exited,
      });
      expect(await rejectionOf(pool.request("exitsAtOnce", "ping"))).to.include({
        code: BackendErrorCode.CircuitOpen,
      });
      const until = pool.info("exitsAtOnce").circuitOpenUntil!;
      while (Date.now() <= until) await new Promise((resolve) => setTimeout(resolve, 20));
      const spawned = harness.pids.size;
      // The probe runs (and fails: it exits at once), which opens the circuit again.
      expect(await rejectionOf(pool.request("exitsAtOnce", "ping"))).to.include({
        code: BackendErrorCode.Exited,
      });
      expect(harness.pids.size).to.equal(spawned + 1);
      expect(await rejectionOf(pool.request("exitsAtOnce", "ping"))).to.include({
        code: BackendErrorCode.CircuitOpen,
      });
      expect(harness.pids.size).to.equal(spawned + 1);
    });

    it("delivers a reply written just before the backend exits, then treats the exit as a crash", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo", { restart: { initialBackoffMs: 0, maxCrashes: 100 } }));
      for (let i = 0; i < 5; i++) {
        const crashed = nextEvent<StateChangeEvent>(
          (listener) => pool.onStateChange(listener),
          (event) => event.state === "crashed",
        );
        expect(await pool.request("echo", "replyThenExit", { code: 4 })).to.deep.equal({ last: true });
        expect((await crashed).error).to.include({ code: BackendErrorCode.Exited, exitCode: 4 });
      }
    });

    it("rejects a backend that answers with a protocol version we do not speak", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo", { argv: ["1999-01-01"] }));
      const error = await rejectionOf(pool.request("echo", "tools/list"));
      expect(error).to.include({ code: BackendErrorCode.Initialize, backend: "echo" });
      expect(error.message).to.include("1999-01-01");
    });

    it("reports the backend's JSON-RPC error as ERR_BACKEND_REMOTE with the ProtocolError as cause", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo"));
      const error = await rejectionOf(pool.request("echo", "no/such/method"));
      expect(error).to.include({ code: BackendErrorCode.Remote, method: "no/such/method" });
      expect(error.cause).to.be.instanceOf(ProtocolError);
      expect((error.cause as ProtocolError).code).to.equal(-32601);
      expect(pool.info("echo").state).to.equal("ready");
    });

    it("recycles a backend after consecutive timeouts", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("hangsOnCall", { restart: { maxConsecutiveTimeouts: 2 } }));
      await pool.start("hangsOnCall");
      const firstPid = pool.info("hangsOnCall").pid!;
      const stopped = nextEvent<StateChangeEvent>(
        (listener) => pool.onStateChange(listener),
        (event) => event.state === "idle",
      );
      for (let i = 0; i < 2; i++) {
        const error = await rejectionOf(pool.request("hangsOnCall", "tools/call", {}, { timeoutMs: 100 }));
        expect(error).to.include({ code: BackendErrorCode.Timeout });
      }
      await stopped;
      expect(await survivors([firstPid])).to.deep.equal([]);
      expect(await pool.request("hangsOnCall", "echo", { fresh: true })).to.deep.equal({
        echo: { fresh: true },
      });
      expect(pool.info("hangsOnCall").pid).to.not.equal(firstPid);
    });

    it("a success resets the count of consecutive timeouts", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("hangsOnCall", { restart: { maxConsecutiveTimeouts: 2 } }));
      await pool.start("hangsOnCall");
      const pid = pool.info("hangsOnCall").pid;
      for (let i = 0; i < 3; i++) {
        await rejectionOf(pool.request("hangsOnCall", "tools/call", {}, { timeoutMs: 100 }));
        await pool.request("hangsOnCall", "echo", {});
      }
      expect(pool.info("hangsOnCall")).to.include({ pid, state: "ready" });
    });

    it("stops an idle backend after its idle timeout and starts it again on demand", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo", { idleTimeoutMs: 100 }));
      const idle = nextEvent<StateChangeEvent>(
        (listener) => pool.onStateChange(listener),
        (event) => event.state === "idle",
      );
      await pool.request("echo", "echo", {});
      const pid = pool.info("echo").pid!;
      await idle;
      expect(isRunning(pid)).to.equal(false);
      expect(await pool.request("echo", "echo", { back: 1 })).to.deep.equal({ echo: { back: 1 } });
    });

    it("remove() rejects pending requests with ERR_BACKEND_REMOVED and stops the process", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("hangsOnCall"));
      await pool.start("hangsOnCall");
      const pid = pool.info("hangsOnCall").pid!;
      const pending = rejectionOf(
        pool.request("hangsOnCall", "tools/call", {}, { timeoutMs: HUGE_TIMEOUT_MS }),
      );
      await pool.remove("hangsOnCall");
      expect(await pending).to.include({ code: BackendErrorCode.Removed, backend: "hangsOnCall" });
      expect(pool.has("hangsOnCall")).to.equal(false);
      expect(isRunning(pid)).to.equal(false);
    });

    it("replace() stops the old process and serves the new spec on demand", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo", { name: "svc", description: "old" }));
      await pool.request("svc", "echo", {});
      const oldPid = pool.info("svc").pid!;
      await pool.replace(fixtureSpec("printsNoise", { name: "svc", description: "new" }));
      expect(isRunning(oldPid)).to.equal(false);
      expect(pool.info("svc")).to.include({ description: "new", state: "idle" });
      await pool.request("svc", "echo", {});
      expect(pool.info("svc").serverInfo?.name).to.equal("printsNoise");
    });
  });

  describe("messages", () => {
    it("delivers progress to onProgress with a minted token, and keeps a given token unchanged", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo"));
      const minted: ProgressNotificationParams[] = [];
      const reply = await pool.request<{ echo: { _meta: { progressToken: string } } }>(
        "echo",
        "echo",
        { progressSteps: 3 },
        { onProgress: (progress) => minted.push(progress) },
      );
      const token = reply.echo._meta.progressToken;
      expect(minted.map((progress) => progress.progress)).to.deep.equal([1, 2, 3]);
      expect(minted.every((progress) => progress.progressToken === token)).to.equal(true);

      const given: ProgressNotificationParams[] = [];
      const params = { progressSteps: 2, _meta: { progressToken: 42, other: "kept" } };
      const second = await pool.request("echo", "echo", params, {
        onProgress: (progress) => given.push(progress),
      });
      expect(second).to.deep.equal({ echo: params });
      expect(given.map((progress) => progress.progressToken)).to.deep.equal([42, 42]);
    });

    it("keeps the progress of concurrent requests apart when callers reuse one token", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo"));
      await pool.start("echo");
      const seen: Record<string, [unknown, unknown][]> = { first: [], second: [] };
      const call = (who: "first" | "second", steps: number) =>
        pool.request(
          "echo",
          "echo",
          // Held open long enough for both to be in flight while the progress arrives.
          { progressSteps: steps, delayMs: 200, _meta: { progressToken: "same" } },
          { onProgress: (progress) => seen[who]!.push([progress.progressToken, progress.total]) },
        );
      const replies = (await Promise.all([call("first", 2), call("second", 3)])) as {
        echo: { _meta: { progressToken: unknown } };
      }[];
      expect(seen).to.deep.equal({
        first: [
          ["same", 2],
          ["same", 2],
        ],
        second: [
          ["same", 3],
          ["same", 3],
          ["same", 3],
        ],
      });
      // The first keeps its token on the wire; the second, colliding, was given a fresh one.
      expect(replies[0]!.echo._meta.progressToken).to.equal("same");
      expect(replies[1]!.echo._meta.progressToken).to.be.a("string").and.not.equal("same");
    });

    it("never mints a token that a caller's request in flight already uses", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo"));
      await pool.start("echo");
      // The value the pool mints next.
      const lookalike = mintProgressToken().replace(/\d+$/, (digits) => String(Number(digits) + 1));
      const callerSeen: unknown[] = [];
      const mintedSeen: unknown[] = [];
      await Promise.all([
        pool.request(
          "echo",
          "echo",
          { progressSteps: 2, delayMs: 200, _meta: { progressToken: lookalike } },
          { onProgress: (progress) => callerSeen.push(progress.total) },
        ),
        pool.request(
          "echo",
          "echo",
          { progressSteps: 3, delayMs: 200 },
          { onProgress: (progress) => mintedSeen.push(progress.total) },
        ),
      ]);
      expect({ callerSeen, mintedSeen }).to.deep.equal({ callerSeen: [2, 2], mintedSeen: [3, 3, 3] });
    });

    it("relays progress for a caller's own token without onProgress to onNotification", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo"));
      const events: BackendNotificationEvent[] = [];
      pool.onNotification((event) => events.push(event));
      await pool.request("echo", "echo", { progressSteps: 2, _meta: { progressToken: "client-7" } });
      expect(
        events.map((event) => [event.backend, event.method, (event.params as { progress: number }).progress]),
      ).to.deep.equal([
        ["echo", "notifications/progress", 1],
        ["echo", "notifications/progress", 2],
      ]);
    });

    it("relays backend notifications to onNotification with the backend's name", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo"));
      const seen = nextEvent<BackendNotificationEvent>(
        (listener) => pool.onNotification(listener),
        (event) => event.method === "notifications/message",
      );
      await pool.request("echo", "notifyClient", {
        method: "notifications/message",
        params: { level: "info", data: "hi" },
      });
      expect(await seen).to.deep.equal({
        backend: "echo",
        method: "notifications/message",
        params: { level: "info", data: "hi" },
      });
    });

    it("answers backend requests with -32601 by default and ping locally", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo"));
      const roots = await pool.request<{ answer: { error?: { code: number } } }>("echo", "askClient", {
        method: "roots/list",
      });
      expect(roots.answer.error?.code).to.equal(-32601);
      const ping = await pool.request<{ answer: { result?: unknown } }>("echo", "askClient", {
        method: "ping",
      });
      expect(ping.answer.result).to.deep.equal({});
    });

    it("passes backend requests to the request handler with the backend's name", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo"));
      const events: BackendRequestEvent[] = [];
      pool.setRequestHandler(async (event) => {
        events.push(event);
        if (event.method === "sampling/createMessage") throw new ProtocolError(-32600, "no sampling here");
        return { roots: [{ uri: "file:///tmp" }] };
      });
      const roots = await pool.request<{ answer: unknown }>("echo", "askClient", {
        method: "roots/list",
        params: {},
      });
      expect(roots.answer).to.deep.include({ result: { roots: [{ uri: "file:///tmp" }] } });
      expect(events[0]).to.include({ backend: "echo", method: "roots/list" });
      expect(events[0]!.signal).to.be.instanceOf(AbortSignal);
      const sampling = await pool.request<{ answer: { error?: { code: number } } }>("echo", "askClient", {
        method: "sampling/createMessage",
      });
      expect(sampling.answer.error?.code).to.equal(-32600);
    });

    it("sends notifications to a running backend and does not start one for them", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo"));
      await pool.notify("echo", "notifications/roots/list_changed");
      expect(harness.pids.size).to.equal(0);
      await pool.request("echo", "echo", {});
      await pool.notify("echo", "notifications/roots/list_changed");
      expect(await pool.request("echo", "echo", { after: "notify" })).to.deep.equal({
        echo: { after: "notify" },
      });
    });

    it("keeps nothing per request after it settles", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("hangsOnCall", { restart: { maxConsecutiveTimeouts: 1000 } }));
      const outcomes = await Promise.allSettled([
        ...Array.from({ length: 50 }, () => pool.request("hangsOnCall", "echo", {})),
        ...Array.from({ length: 50 }, () => pool.request("hangsOnCall", "tools/call", {}, { timeoutMs: 50 })),
      ]);
      expect(outcomes.slice(0, 50).every((outcome) => outcome.status === "fulfilled")).to.equal(true);
      expect(outcomes.slice(50).every((outcome) => outcome.status === "rejected")).to.equal(true);
      expect(pool.info("hangsOnCall").inFlight).to.equal(0);
    });
  });

  describe("close() and destroy()", () => {
    it("close() lets in-flight requests finish, then stops every backend", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo"));
      pool.add(fixtureSpec("echo", { name: "second" }));
      await pool.request("second", "echo", {});
      const inFlight = pool.request("echo", "echo", { delayMs: 300 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const closing = pool.close();
      expect(await inFlight).to.deep.equal({ echo: { delayMs: 300 } });
      await closing;
      expect(pool.infos().map((info) => info.state)).to.deep.equal(["idle", "idle"]);
      expect(await survivors(harness.pids)).to.deep.equal([]);
    });

    it("destroy() fails in-flight requests at once and stops every backend", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("hangsOnCall"));
      await pool.start("hangsOnCall");
      const pending = rejectionOf(
        pool.request("hangsOnCall", "tools/call", {}, { timeoutMs: HUGE_TIMEOUT_MS }),
      );
      const destroying = pool.destroy();
      expect(await pending).to.include({ code: BackendErrorCode.PoolClosed, backend: "hangsOnCall" });
      await destroying;
      expect(await survivors(harness.pids)).to.deep.equal([]);
    });

    it("destroy(error) fails in-flight requests with that error, even during close()", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("hangsOnCall"));
      await pool.start("hangsOnCall");
      const pending = rejectionOf(
        pool.request("hangsOnCall", "tools/call", {}, { timeoutMs: HUGE_TIMEOUT_MS }),
      );
      const closing = pool.close();
      const reason = new Error("shutting down");
      await pool.destroy(reason);
      expect(await pending).to.equal(reason);
      await closing;
    });

    it("both are idempotent and every later operation fails with ERR_POOL_CLOSED", async () => {
      const pool = harness.create();
      pool.add(fixtureSpec("echo"));
      await pool.request("echo", "echo", {});
      await Promise.all([pool.close(), pool.close(), pool.destroy()]);
      await pool.destroy();
      await pool.close();
      expect(pool.isClosed).to.equal(true);
      const closed = { code: BackendErrorCode.PoolClosed };
      expect(await rejectionOf(pool.request("echo", "echo", {}))).to.include(closed);
      expect(await rejectionOf(pool.start("echo"))).to.include(closed);
      expect(await rejectionOf(pool.notify("echo", "x"))).to.include(closed);
      expect(await rejectionOf(pool.remove("echo"))).to.include(closed);
      expect(await rejectionOf(pool.replace(fixtureSpec("echo")))).to.include(closed);
      expect(() => pool.add(fixtureSpec("echo", { name: "late" })))
        .to.throw(BackendError)
        .with.property("code", BackendErrorCode.PoolClosed);
      expect(pool.info("echo").state).to.equal("idle");
    });

    it("is disposable with await using semantics", async () => {
      const pool = new BackendPool({ eraCacheFile: false });
      pool.onSpawn((event) => harness.pids.add(event.pid));
      pool.add(fixtureSpec("echo"));
      await pool.request("echo", "echo", {});
      await pool[Symbol.asyncDispose]();
      expect(pool.isClosed).to.equal(true);
    });
  });
});
