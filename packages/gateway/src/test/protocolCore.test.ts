import { expect } from "chai";
import { PassThrough, Writable } from "node:stream";
import { DEFAULT_WRITE_HIGH_WATER_BYTES } from "@mcpware/protocol";
import { createGateway } from "../createGateway.js";
import { createSilentLogger } from "../logger.js";
import { parseConfig } from "../loadConfig.js";
import {
  INITIALIZE,
  backends,
  markedLines,
  spawnGateway,
  textOf,
  useHarness,
  useScratch,
  useToolRequest,
  waitFor,
} from "./helpers/e2e.js";

/** A `tools/call` of use_tool as a raw JSON-RPC line. */
function callLine(id: string, backend: string, tool: string, argumentsText: string): string {
  return (
    `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"use_tool","arguments":` +
    `{"backend_server":"${backend}","server_tool":"${tool}","tool_arguments":${argumentsText}}}}`
  );
}

describe("the protocol core, end to end", function () {
  this.timeout(120_000);
  const harness = useHarness();
  const scratch = useScratch(10_000);

  it("echoes ids beyond 2^53 and string ids exactly through the gateway to a backend and back", async () => {
    const config = await scratch.dir.writeJson("config.json", { backends: { f: backends.fixture() } });
    const gateway = spawnGateway(["--config", config]);
    scratch.pids.push(gateway.child.pid!);
    gateway.send(INITIALIZE);
    await gateway.reply(0);
    const ids = [
      "9007199254740993",
      "-9007199254740993",
      "123456789012345678901234567890",
      '"1"',
      "1",
      '"a\\"b"',
    ];
    for (const id of ids)
      gateway.sendRaw(callLine(id, "f", "echo", `{"text":${JSON.stringify(`id ${id}`)}}`));
    await waitFor(() => gateway.lines.length >= ids.length + 1, 30_000);
    for (const id of ids) {
      const line = gateway.lines.find((each) => each.startsWith(`{"jsonrpc":"2.0","id":${id},`));
      expect(line, `reply to ${id}`).to.not.equal(undefined);
      expect(JSON.parse(line!).result.content[0].text).to.equal(`id ${id}`);
    }
    gateway.child.stdin.end();
    expect((await gateway.exited).code).to.equal(0);
  });

  it("answers tool_arguments nested 100,000 and 5,000 deep with an error, leaving the backend, its other call and its circuit alone", async () => {
    const marker = scratch.dir.file("marker.log");
    const config = await scratch.dir.writeJson("config.json", {
      backends: { f: backends.fixture(["--marker", marker]) },
    });
    const gateway = spawnGateway(["--config", config]);
    scratch.pids.push(gateway.child.pid!);
    gateway.send(INITIALIZE);
    await gateway.reply(0);
    gateway.sendRaw(callLine("1", "f", "slow", '{"ms":1500}'));
    await waitFor(async () => (await markedLines(marker, "call slow")).length === 1, 30_000);
    // More than the circuit breaker's five failures: none of them may count as one.
    const deep = (depth: number): string => `{"ms":1,"deep":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    for (let index = 0; index < 6; index++) {
      gateway.sendRaw(callLine(String(100 + index), "f", "slow", deep(index % 2 === 0 ? 100_000 : 5_000)));
    }
    for (let index = 0; index < 6; index++) {
      const reply = await gateway.reply(100 + index);
      const result = reply.result as { isError?: boolean; content: { text: string }[] };
      expect(result.isError).to.equal(true);
      expect(result.content[0]!.text).to.match(
        /was not sent to backend "f": .*(nest deeper than 512 levels|cannot be serialized)/,
      );
    }
    const slow = await gateway.reply(1);
    expect(textOf(slow.result)).to.equal("slept 1500 ms");
    gateway.sendRaw(callLine("2", "f", "echo", '{"text":"still here"}'));
    expect(textOf((await gateway.reply(2)).result)).to.equal("still here");
    expect(await markedLines(marker, "started")).to.have.length(1);
    expect(await markedLines(marker, "call slow")).to.have.length(1);
    gateway.child.stdin.end();
    expect((await gateway.exited).code).to.equal(0);
  });

  it("answers calls over maxInFlight with a busy result at once, while the earlier calls go on", async () => {
    const session = await harness.start({ backends: { f: backends.fixture([], { maxInFlight: 2 }) } });
    // Started, with its tool list cached: the calls below reach the pool in the order they are sent.
    expect(textOf(await session.client.callTool(useToolRequest("f", "echo", { text: "warm" })))).to.equal(
      "warm",
    );
    let slowSettled = 0;
    const slow = [0, 1].map(() =>
      session.client.callTool(useToolRequest("f", "slow", { ms: 3000 })).then((result) => {
        slowSettled++;
        return result;
      }),
    );
    // Once both are in flight at the backend, three more are over the cap.
    const extra = await Promise.all(
      [0, 1, 2].map(() => session.client.callTool(useToolRequest("f", "echo", { text: "x" }))),
    );
    expect(slowSettled).to.equal(0);
    for (const result of extra) {
      expect(result.isError).to.equal(true);
      expect(textOf(result)).to.include('backend "f" is busy');
    }
    for (const result of await Promise.all(slow)) expect(textOf(result)).to.equal("slept 3000 ms");
    expect(textOf(await session.client.callTool(useToolRequest("f", "echo", { text: "x" })))).to.equal("x");
  });

  it("gives listing the tools and the call of one use_tool a single deadline", async () => {
    const marker = (await harness.temp()).file("marker.log");
    const session = await harness.start({
      backends: { f: backends.fixture(["--marker", marker, "--list-delay", "1200"], { timeout: 2 }) },
    });
    // Alone, each fits in the 2 s timeout; together they do not: with a deadline each, the call would succeed.
    const result = await session.client.callTool(useToolRequest("f", "slow", { ms: 1500 }));
    expect(result.isError, textOf(result)).to.equal(true);
    // The real time is stated (to a tenth of a second); on a slow machine the start may eat the deadline before
    // the call is sent.
    const text = textOf(result);
    expect(text).to.match(
      /^backend "f" timed out after 2(\.\d)? s( \(its timeout is 2 s\))? while (calling tool "slow"|listing its tools)/,
    );
    if (text.includes("calling tool")) {
      const cancelled = async (): Promise<boolean> => (await markedLines(marker, "cancelled")).length === 1;
      expect(await waitFor(cancelled, 10_000)).to.equal(true);
    }
  });

  it("holds no more than the high-water mark plus one reply while the client does not read, and delivers every reply after", async () => {
    const marker = (await harness.temp()).file("marker.log");
    const config = parseConfig({
      backends: { f: backends.fixture(["--marker", marker], { maxInFlight: 1024 }) },
    });
    const gateway = createGateway(config, { logger: createSilentLogger() });
    const input = new PassThrough();
    let reading = false;
    let received = "";
    const held: (() => void)[] = [];
    const output = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        received += chunk.toString("utf8");
        if (reading) callback();
        else held.push(() => callback());
      },
    });
    let maxQueued = 0;
    let samples = 0;
    const sample = setInterval(() => {
      maxQueued = Math.max(maxQueued, gateway.queuedBytes);
      samples++;
    }, 10);
    try {
      const served = gateway.serve(input, output);
      // 3 MiB of requests: under the client side's 4 MiB cap on unanswered requests, far over the 1 MiB mark.
      const calls = 30;
      const text = "x".repeat(100 * 1024);
      input.write(`${JSON.stringify(INITIALIZE)}\n`);
      for (let id = 1; id <= calls; id++) {
        input.write(`${callLine(String(id), "f", "echo", JSON.stringify({ text }))}\n`);
      }
      // The backend answers all of them (3 MiB); the gateway must stop reading it instead of queueing them.
      expect(await waitFor(() => gateway.pool.isReadingPaused, 30_000)).to.equal(true);
      expect(
        await waitFor(async () => (await markedLines(marker, "call echo")).length === calls, 30_000),
      ).to.equal(true);
      // Give the gateway every chance to read on: it has until the sampler has seen 20 more samples.
      const samplesBefore = samples;
      expect(await waitFor(() => samples >= samplesBefore + 20, 30_000)).to.equal(true);
      const oneReply = text.length + 200;
      expect(maxQueued).to.be.at.most(DEFAULT_WRITE_HIGH_WATER_BYTES + oneReply);
      expect(maxQueued).to.be.greaterThan(0);
      reading = true;
      for (const release of held.splice(0)) release();
      const replied = (): number => received.split("\n").filter((line) => line.includes('"result"')).length;
      expect(await waitFor(() => replied() === calls + 1, 60_000)).to.equal(true);
      const ids = received
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as { id: number; result: { content: { text: string }[] } });
      expect(ids.map((reply) => reply.id).sort((a, b) => a - b)).to.deep.equal(
        Array.from({ length: calls + 1 }, (_, index) => index),
      );
      for (const reply of ids.slice(1)) expect(reply.result.content[0]!.text).to.have.length(text.length);
      expect(gateway.pool.isReadingPaused).to.equal(false);
      input.end();
      await served;
    } finally {
      clearInterval(sample);
      await gateway.close();
    }
  });

  it("reads the backends again when a client that stopped reading goes away, so the other clients are served", async () => {
    const config = parseConfig({ backends: { f: backends.fixture([], { maxInFlight: 1024 }) } });
    const gateway = createGateway(config, { logger: createSilentLogger() });
    try {
      const stalledInput = new PassThrough();
      const stalledOutput = new Writable({
        highWaterMark: 16 * 1024,
        write(_chunk, _encoding, _callback) {
          // Never completes: this client has stopped reading.
        },
      });
      const stalledServed = gateway.serve(stalledInput, stalledOutput);
      stalledInput.write(`${JSON.stringify(INITIALIZE)}\n`);
      const text = "x".repeat(100 * 1024);
      for (let id = 1; id <= 30; id++) {
        stalledInput.write(`${callLine(String(id), "f", "echo", JSON.stringify({ text }))}\n`);
      }
      expect(await waitFor(() => gateway.pool.isReadingPaused, 30_000)).to.equal(true);

      const input = new PassThrough();
      const output = new PassThrough();
      let received = "";
      output.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
      const served = gateway.serve(input, output);
      input.write(`${JSON.stringify({ ...INITIALIZE, id: 100 })}\n`);
      input.write(`${callLine("101", "f", "echo", '{"text":"other client"}')}\n`);
      // The stalled client goes away: its connection closes and must not keep the backends paused.
      stalledOutput.destroy();
      await stalledServed;
      expect(await waitFor(() => received.includes('"id":101'), 30_000)).to.equal(true);
      const reply = received.split("\n").find((line) => line.includes('"id":101'))!;
      expect(textOf((JSON.parse(reply) as { result: unknown }).result)).to.equal("other client");
      expect(gateway.pool.isReadingPaused).to.equal(false);
      input.end();
      await served;
    } finally {
      await gateway.close();
    }
  });
});
