import { expect } from "chai";
import { BackendError, BackendErrorCode } from "../backendError.js";
import type { BackendPool } from "../backendPool.js";
import type { BackendDiagnosticEvent, StderrLine } from "../types.js";
import { fixtureSpec } from "./helpers/fixtures.js";
import { isRunning, survivors } from "./helpers/processTable.js";
import { nextEvent, rejectionOf, usePoolHarness } from "./helpers/poolHarness.js";

/** Long enough never to fire in a test: a rejection that arrives proves it came before the deadline. */
const HUGE_TIMEOUT_MS = 600_000;

/** The other backend must answer while (or right after) one fails. */
async function expectOtherServes(pool: BackendPool): Promise<void> {
  const reply = await pool.request("other", "echo", { still: "serving" });
  expect(reply).to.deep.equal({ echo: { still: "serving" } });
}

describe("BackendPool failure modes (one fixture process each)", () => {
  const harness = usePoolHarness();

  function poolWith(...specs: Parameters<BackendPool["add"]>[0][]): BackendPool {
    const pool = harness.create();
    pool.add(fixtureSpec("echo", { name: "other" }));
    for (const spec of specs) pool.add(spec);
    return pool;
  }

  it("echo: answers, and caches the handshake (only the declared client capabilities sent)", async () => {
    const pool = harness.create({ clientCapabilities: { roots: { listChanged: true } } });
    pool.add(fixtureSpec("echo", { description: "the echo fixture" }));
    expect(await pool.request("echo", "echo", { text: "hi" })).to.deep.equal({ echo: { text: "hi" } });
    const info = pool.info("echo");
    expect(info.state).to.equal("ready");
    expect(info.description).to.equal("the echo fixture");
    expect(info.protocolVersion).to.equal("2025-11-25");
    expect(info.serverInfo).to.deep.equal({ name: "echo", version: "1.0.0" });
    expect(info.capabilities).to.deep.equal({ tools: {}, logging: {} });
    expect(info.instructions).to.equal('fixture echo; client capabilities {"roots":{"listChanged":true}}');
    expect(info.pid).to.be.a("number");
  });

  it("slow start: a start over the start timeout is killed and reported as ERR_BACKEND_START_TIMEOUT", async () => {
    const pool = poolWith(fixtureSpec("slowStart", { argv: ["3000"], startTimeoutMs: 300 }));
    const [error] = await Promise.all([
      rejectionOf(pool.request("slowStart", "echo", {}, { timeoutMs: HUGE_TIMEOUT_MS })),
      expectOtherServes(pool),
    ]);
    expect(error).to.be.instanceOf(BackendError);
    expect(error).to.include({
      code: BackendErrorCode.StartTimeout,
      backend: "slowStart",
      method: "initialize",
    });
    expect(pool.info("slowStart").state).to.equal("crashed");
    expect(pool.info("slowStart").lastError?.code).to.equal(BackendErrorCode.StartTimeout);
  });

  it("slow start: within the start timeout the backend becomes ready", async () => {
    const pool = poolWith(fixtureSpec("slowStart", { argv: ["300"] }));
    expect(await pool.request("slowStart", "echo", { late: true })).to.deep.equal({ echo: { late: true } });
  });

  it("never answers initialize: ERR_BACKEND_START_TIMEOUT, others keep serving", async () => {
    const pool = poolWith(fixtureSpec("neverInitializes", { startTimeoutMs: 500 }));
    const [error] = await Promise.all([
      rejectionOf(pool.request("neverInitializes", "tools/list", {}, { timeoutMs: HUGE_TIMEOUT_MS })),
      expectOtherServes(pool),
    ]);
    expect(error).to.include({ code: BackendErrorCode.StartTimeout, backend: "neverInitializes" });
  });

  it("hangs on a call: ERR_BACKEND_TIMEOUT, notifications/cancelled with the pool's id, late reply dropped", async () => {
    const stderr: StderrLine[] = [];
    const pool = harness.create({ onStderr: (line) => stderr.push(line) });
    pool.add(fixtureSpec("echo", { name: "other" }));
    pool.add(fixtureSpec("hangsOnCall"));
    await pool.start("hangsOnCall");
    const cancelled = nextEvent<StderrLine>(
      (listener) => pool.onStderr(listener),
      (line) => line.line.startsWith("cancelled"),
    );
    const [error] = await Promise.all([
      rejectionOf(pool.request("hangsOnCall", "tools/call", { name: "x" }, { timeoutMs: 300 })),
      expectOtherServes(pool),
    ]);
    expect(error).to.include({
      code: BackendErrorCode.Timeout,
      backend: "hangsOnCall",
      method: "tools/call",
    });
    expect((error as BackendError).elapsedMs).to.be.a("number");
    const line = await cancelled;
    expect(line.backend).to.equal("hangsOnCall");
    // The id the backend saw is the pool's own (a number the connection chose), not anything of the caller.
    expect(line.line).to.match(/^cancelled \d+$/);
    // The late reply to the cancelled id reached the pool; the next request still gets its own reply.
    expect(await pool.request("hangsOnCall", "echo", { after: 1 })).to.deep.equal({ echo: { after: 1 } });
  });

  it("hangs on a call: the caller's abort rejects at once with ERR_BACKEND_ABORTED", async () => {
    const pool = poolWith(fixtureSpec("hangsOnCall"));
    await pool.start("hangsOnCall");
    const controller = new AbortController();
    const pending = pool.request(
      "hangsOnCall",
      "tools/call",
      {},
      { signal: controller.signal, timeoutMs: HUGE_TIMEOUT_MS },
    );
    await expectOtherServes(pool);
    controller.abort(new Error("user pressed stop"));
    const error = await rejectionOf(pending);
    expect(error).to.include({
      code: BackendErrorCode.Aborted,
      backend: "hangsOnCall",
      method: "tools/call",
    });
    expect((error.cause as Error).message).to.equal("user pressed stop");
  });

  it("crashes mid-request: every pending request rejects at once with ERR_BACKEND_EXITED, code and stderr tail", async () => {
    const pool = poolWith(fixtureSpec("crashesMidRequest", { restart: { initialBackoffMs: 0 } }));
    await pool.start("crashesMidRequest");
    const slow = pool.request(
      "crashesMidRequest",
      "echo",
      { delayMs: HUGE_TIMEOUT_MS },
      { timeoutMs: HUGE_TIMEOUT_MS },
    );
    const [crash, other] = await Promise.all([
      rejectionOf(pool.request("crashesMidRequest", "tools/call", {}, { timeoutMs: HUGE_TIMEOUT_MS })),
      rejectionOf(slow),
      expectOtherServes(pool),
    ]);
    for (const error of [crash, other]) {
      expect(error).to.include({ code: BackendErrorCode.Exited, backend: "crashesMidRequest", exitCode: 3 });
      expect((error as BackendError).stderrTail).to.include("panic: something broke");
    }
    expect(crash).to.include({ method: "tools/call" });
    expect(other).to.include({ method: "echo" });
    // The next request restarts it.
    expect(await pool.request("crashesMidRequest", "echo", { again: true })).to.deep.equal({
      echo: { again: true },
    });
    expect(pool.info("crashesMidRequest").restarts).to.equal(1);
    expect(pool.info("crashesMidRequest").inFlight).to.equal(0);
  });

  it("exits at once: ERR_BACKEND_EXITED with its code, then the circuit opens and fails fast", async () => {
    const pool = poolWith(
      fixtureSpec("exitsAtOnce", {
        restart: { initialBackoffMs: 0, maxCrashes: 2, cooldownMs: HUGE_TIMEOUT_MS },
      }),
    );
    const [first] = await Promise.all([
      rejectionOf(pool.request("exitsAtOnce", "tools/list")),
      expectOtherServes(pool),
    ]);
    expect(first).to.include({ code: BackendErrorCode.Exited, backend: "exitsAtOnce", exitCode: 1 });
    expect((first as BackendError).stderrTail).to.include("fatal: missing configuration");
    const second = await rejectionOf(pool.request("exitsAtOnce", "tools/list"));
    expect(second).to.include({ code: BackendErrorCode.Exited });
    const spawned = harness.pids.size;
    const third = await rejectionOf(pool.request("exitsAtOnce", "tools/list"));
    expect(third).to.include({ code: BackendErrorCode.CircuitOpen, backend: "exitsAtOnce" });
    expect(harness.pids.size, "no spawn while the circuit is open").to.equal(spawned);
    expect(pool.info("exitsAtOnce").state).to.equal("circuit-open");
    expect(pool.info("exitsAtOnce").circuitOpenUntil).to.be.a("number");
    await expectOtherServes(pool);
  });

  it("command not found: ERR_BACKEND_SPAWN naming the command", async () => {
    const pool = poolWith({ name: "ghost", command: "mcpware-test-no-such-command", args: ["--flag"] });
    const [error] = await Promise.all([
      rejectionOf(pool.request("ghost", "tools/list")),
      expectOtherServes(pool),
    ]);
    expect(error).to.include({ code: BackendErrorCode.Spawn, backend: "ghost" });
    expect(error.message).to.include("mcpware-test-no-such-command");
    expect(pool.info("ghost").state).to.equal("crashed");
  });

  it("prints noise on stdout: replies still arrive, the noise is counted and reported", async () => {
    const diagnostics: BackendDiagnosticEvent[] = [];
    const pool = harness.create({ onDiagnostic: (event) => diagnostics.push(event) });
    pool.add(fixtureSpec("echo", { name: "other" }));
    pool.add(fixtureSpec("printsNoise"));
    const [replies] = await Promise.all([
      Promise.all([1, 2, 3].map((n) => pool.request("printsNoise", "echo", { n }))),
      expectOtherServes(pool),
    ]);
    expect(replies).to.deep.equal([1, 2, 3].map((n) => ({ echo: { n } })));
    const noise = diagnostics.filter((event) => event.kind === "stdout-noise");
    expect(noise.length).to.be.at.least(4);
    expect(noise.every((event) => event.backend === "printsNoise")).to.equal(true);
    expect(noise.at(-1)?.count).to.equal(noise.length);
    expect(pool.info("printsNoise").noiseLines).to.equal(noise.length);
    expect(pool.info("printsNoise").state).to.equal("ready");
  });

  it("writes one huge line: ERR_BACKEND_MESSAGE_TOO_LARGE, the backend is stopped and later restarts", async () => {
    const diagnostics: BackendDiagnosticEvent[] = [];
    const pool = harness.create({ onDiagnostic: (event) => diagnostics.push(event) });
    pool.add(fixtureSpec("echo", { name: "other" }));
    pool.add(
      fixtureSpec("writesHugeLine", { maxMessageBytes: 1024 * 1024, restart: { initialBackoffMs: 0 } }),
    );
    await pool.start("writesHugeLine");
    const firstPid = pool.info("writesHugeLine").pid!;
    const [error] = await Promise.all([
      rejectionOf(pool.request("writesHugeLine", "tools/call", {}, { timeoutMs: HUGE_TIMEOUT_MS })),
      expectOtherServes(pool),
    ]);
    expect(error).to.include({
      code: BackendErrorCode.MessageTooLarge,
      backend: "writesHugeLine",
      method: "tools/call",
    });
    expect(diagnostics.some((event) => event.kind === "message-too-large")).to.equal(true);
    expect(await pool.request("writesHugeLine", "echo", { ok: 1 })).to.deep.equal({ echo: { ok: 1 } });
    expect(pool.info("writesHugeLine").pid).to.not.equal(firstPid);
    expect(await survivors([firstPid])).to.deep.equal([]);
  });

  it("ignores stdin close: close() escalates to SIGTERM and nothing is left", async () => {
    const pool = poolWith(fixtureSpec("ignoresStdinClose"));
    await Promise.all([pool.start("ignoresStdinClose"), expectOtherServes(pool)]);
    const pid = pool.info("ignoresStdinClose").pid!;
    await pool.close();
    expect(isRunning(pid)).to.equal(false);
    expect(pool.info("ignoresStdinClose").state).to.equal("idle");
  });

  it("ignores SIGTERM: close() escalates to SIGKILL and nothing is left", async () => {
    const pool = poolWith(fixtureSpec("ignoresSigterm"));
    await Promise.all([pool.start("ignoresSigterm"), expectOtherServes(pool)]);
    const pid = pool.info("ignoresSigterm").pid!;
    await pool.close();
    expect(isRunning(pid)).to.equal(false);
  });

  it("spawns a grandchild that holds the pipes: a crash still rejects at once, and the grandchild dies", async () => {
    const pool = poolWith(fixtureSpec("spawnsGrandchild", { restart: { initialBackoffMs: 0 } }));
    const { pid, grandchildPid } = await pool.request<{ pid: number; grandchildPid: number }>(
      "spawnsGrandchild",
      "pids",
    );
    expect(isRunning(grandchildPid)).to.equal(true);
    const [error] = await Promise.all([
      rejectionOf(pool.request("spawnsGrandchild", "tools/call", {}, { timeoutMs: HUGE_TIMEOUT_MS })),
      expectOtherServes(pool),
    ]);
    expect(error).to.include({ code: BackendErrorCode.Exited, exitCode: 7, backend: "spawnsGrandchild" });
    expect(await survivors([pid, grandchildPid])).to.deep.equal([]);
  });

  it("spawns a grandchild: close() takes the whole process group", async () => {
    const pool = poolWith(fixtureSpec("spawnsGrandchild"));
    const { pid, grandchildPid } = await pool.request<{ pid: number; grandchildPid: number }>(
      "spawnsGrandchild",
      "pids",
    );
    await pool.close();
    expect(await survivors([pid, grandchildPid])).to.deep.equal([]);
  });

  it("floods stderr: the backend never blocks, lines stream to onStderr, the tail stays bounded", async () => {
    let lines = 0;
    const pool = harness.create({ onStderr: () => lines++ });
    pool.add(fixtureSpec("echo", { name: "other" }));
    pool.add(fixtureSpec("floodsStderr", { argv: ["8"] }));
    // stderr and stdout are separate pipes: the last lines may arrive after the reply.
    const done = nextEvent<StderrLine>(
      (listener) => pool.onStderr(listener),
      (line) => line.line === "flood done",
    );
    const [result] = await Promise.all([
      pool.request("floodsStderr", "tools/call", {}, { timeoutMs: HUGE_TIMEOUT_MS }),
      expectOtherServes(pool),
    ]);
    expect(result).to.deep.equal({ content: [{ type: "text", text: "survived" }] });
    expect((await done).backend).to.equal("floodsStderr");
    expect(lines).to.equal(8 * 1024 + 1);
    const tail = pool.info("floodsStderr").stderrTail;
    expect(tail.at(-1)).to.equal("flood done");
    expect(tail.length).to.be.at.most(20);
    expect(tail.join("\n").length).to.be.at.most(2048 + 20);
  });

  it("closes its stdin but lives: the broken pipe (EPIPE) fails pending requests and the process is stopped", async () => {
    const pool = poolWith(fixtureSpec("closesStdin", { restart: { initialBackoffMs: 0 } }));
    await pool.start("closesStdin");
    const pid = pool.info("closesStdin").pid!;
    const closed = nextEvent<StderrLine>(
      (listener) => pool.onStderr(listener),
      (line) => line.line === "stdin closed",
    );
    const hung = rejectionOf(pool.request("closesStdin", "tools/call", {}, { timeoutMs: HUGE_TIMEOUT_MS }));
    await closed;
    // This write hits EPIPE: the only sign of trouble, since the process lives and its stdout stays open.
    const [first, second] = await Promise.all([
      hung,
      rejectionOf(pool.request("closesStdin", "echo", {}, { timeoutMs: HUGE_TIMEOUT_MS })),
      expectOtherServes(pool),
    ]);
    for (const error of [first, second]) {
      expect(error).to.include({ code: BackendErrorCode.Exited, backend: "closesStdin" });
    }
    expect(await survivors([pid])).to.deep.equal([]);
    expect(await pool.request("closesStdin", "echo", { again: 1 })).to.deep.equal({ echo: { again: 1 } });
  });
});
