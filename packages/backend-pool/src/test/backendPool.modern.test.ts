import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { MODERN_PROTOCOL_VERSION, MetaKey, RawJson } from "@mcpware/protocol";
import type { CallToolResult } from "@mcpware/protocol";
import type { BackendError } from "../backendError.js";
import { BackendErrorCode } from "../backendError.js";
import { MAX_INPUT_REQUIRED_ROUNDS } from "../defaults.js";
import type { BackendNotificationEvent, BackendRequestEvent } from "../types.js";
import { fixtureSpec } from "./helpers/fixtures.js";
import { nextEvent, rejectionOf, usePoolHarness } from "./helpers/poolHarness.js";
import { recordedMessages, recordedMethods } from "./helpers/recorded.js";

const CLIENT_INFO = { name: "modern-test", version: "0.0.1" };
const CAPABILITIES = { elicitation: { form: {} } };
const ENVELOPE = {
  [MetaKey.ProtocolVersion]: MODERN_PROTOCOL_VERSION,
  [MetaKey.ClientCapabilities]: CAPABILITIES,
  [MetaKey.ClientInfo]: CLIENT_INFO,
};

interface InputRequired {
  resultType: string;
  inputRequests: Record<string, { method: string; params: { message: string } }>;
  requestState: string;
}

const textOf = (result: unknown): string | undefined =>
  (result as CallToolResult).content[0]?.type === "text"
    ? ((result as CallToolResult).content[0] as { text: string }).text
    : undefined;

describe("BackendPool with a modern (2026-07-28) backend", () => {
  const harness = usePoolHarness();
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "mcpware-modern-"));
    file = path.join(dir, "modern.jsonl");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const createPool = () => {
    const pool = harness.create({ clientInfo: CLIENT_INFO, clientCapabilities: CAPABILITIES });
    pool.add(fixtureSpec("modernServer", { name: "modern", argv: [file] }));
    return pool;
  };
  const callsOf = async (method: string) =>
    (await recordedMessages(file)).filter((message) => message.method === method);

  it("sends every request with the _meta envelope, keeping what the caller put in _meta", async () => {
    const pool = createPool();
    const result = await pool.request("modern", "tools/call", {
      name: "echo",
      arguments: { text: "hi" },
      _meta: { progressToken: "token-1", "example.com/trace": "abc" },
    });
    expect(textOf(result)).to.equal("echo: hi");
    expect(result).to.include({ resultType: "complete" });
    const raw = await pool.request("modern", "tools/list", {}, { raw: true });
    expect(raw).to.be.instanceOf(RawJson);
    expect((raw as RawJson).value).to.have.nested.property("tools[0].name", "echo");
    const [call] = await callsOf("tools/call");
    expect(call?.params?._meta).to.deep.equal({
      progressToken: "token-1",
      "example.com/trace": "abc",
      ...ENVELOPE,
    });
    const [list] = await callsOf("tools/list");
    expect(list?.params).to.deep.equal({ _meta: ENVELOPE });
  });

  it("answers ping and logging/setLevel itself and puts the log level in the envelope instead", async () => {
    const pool = createPool();
    await pool.start("modern");
    await pool.setLoggingLevel("debug");
    expect(await pool.request("modern", "ping")).to.deep.equal({});
    expect(await pool.request("modern", "logging/setLevel", { level: "debug" })).to.deep.equal({});
    await pool.notify("modern", "notifications/roots/list_changed");
    await pool.request("modern", "tools/call", { name: "echo", arguments: { text: "x" } });
    const methods = await recordedMethods(file);
    expect(methods).to.deep.equal(["server/discover", "subscriptions/listen", "tools/call"]);
    const [call] = await callsOf("tools/call");
    expect(call?.params?._meta).to.deep.equal({ ...ENVELOPE, [MetaKey.LogLevel]: "debug" });
  });

  it('hands back an input_required result as it is with inputRequired: "return"', async () => {
    const pool = createPool();
    const params = { name: "greet", arguments: {} };
    const result = (await pool.request("modern", "tools/call", params, {
      inputRequired: "return",
    })) as InputRequired;
    expect(result.resultType).to.equal("input_required");
    expect(result.inputRequests.who?.method).to.equal("elicitation/create");
    expect(result.requestState).to.be.a("string");
    const raw = await pool.request("modern", "tools/call", params, { inputRequired: "return", raw: true });
    expect(raw).to.be.instanceOf(RawJson);
    expect(((raw as RawJson).value as InputRequired).resultType).to.equal("input_required");
    expect(await callsOf("tools/call")).to.have.length(2);
  });

  it("fulfils an input_required result through the request handler and retries to a complete result", async () => {
    const pool = createPool();
    const asked: BackendRequestEvent[] = [];
    pool.setRequestHandler(async (event) => {
      asked.push(event);
      return { action: "accept", content: { name: "Ada" } };
    });
    const result = await pool.request("modern", "tools/call", { name: "greet", arguments: {} });
    expect(textOf(result)).to.equal("Hello, Ada!");
    expect(asked).to.have.length(1);
    expect(asked[0]).to.include({ backend: "modern", method: "elicitation/create" });
    expect(asked[0]?.params).to.include({ message: "What is your name?" });
    const raw = await pool.request("modern", "tools/call", { name: "greet", arguments: {} }, { raw: true });
    expect(textOf((raw as RawJson).value)).to.equal("Hello, Ada!");
    const calls = await callsOf("tools/call");
    expect(calls).to.have.length(4);
    const retry = calls[1]!.params!;
    expect(retry).to.include({ name: "greet" });
    expect(retry.inputResponses).to.deep.equal({ who: { action: "accept", content: { name: "Ada" } } });
    expect(retry.requestState).to.be.a("string");
    expect(retry._meta).to.deep.equal(ENVELOPE);
    expect(calls[0]!.params).to.not.have.any.keys("inputResponses", "requestState");
  });

  it("fails the request with ERR_BACKEND_INPUT_FAILED naming the input request when the handler fails", async () => {
    const pool = createPool();
    const unanswered = await rejectionOf(
      pool.request("modern", "tools/call", { name: "greet", arguments: {} }),
    );
    expect(unanswered).to.include({
      code: BackendErrorCode.InputFailed,
      backend: "modern",
      method: "tools/call",
    });
    expect(unanswered.message).to.include('"who" (elicitation/create)');
    const failure = new Error("the person went away");
    pool.setRequestHandler(() => Promise.reject(failure));
    const error = (await rejectionOf(
      pool.request("modern", "tools/call", { name: "greet", arguments: {} }),
    )) as BackendError;
    expect(error).to.include({ code: BackendErrorCode.InputFailed, cause: failure });
    expect(error.message).to.include('"who" (elicitation/create)');
  });

  it(`gives up with ERR_BACKEND_INPUT_FAILED after ${MAX_INPUT_REQUIRED_ROUNDS} rounds that still require input`, async () => {
    const pool = createPool();
    let rounds = 0;
    pool.setRequestHandler(async () => {
      rounds++;
      return { action: "decline" };
    });
    const error = await rejectionOf(pool.request("modern", "tools/call", { name: "greet", arguments: {} }));
    expect(error).to.include({ code: BackendErrorCode.InputFailed });
    expect(rounds).to.equal(MAX_INPUT_REQUIRED_ROUNDS);
    expect(await callsOf("tools/call")).to.have.length(MAX_INPUT_REQUIRED_ROUNDS + 1);
  });

  it("delivers the list_changed notifications of its subscriptions/listen to onNotification listeners", async () => {
    const pool = createPool();
    const seen: BackendNotificationEvent[] = [];
    pool.onNotification((event) => seen.push(event));
    await pool.start("modern");
    const changed = nextEvent<BackendNotificationEvent>(
      (listener) => pool.onNotification(listener),
      (event) => event.method === "notifications/tools/list_changed",
    );
    await pool.request("modern", "tools/call", { name: "add_tool", arguments: {} });
    const event = await changed;
    expect(event.backend).to.equal("modern");
    const [listen] = await callsOf("subscriptions/listen");
    expect(listen?.params).to.deep.equal({ _meta: ENVELOPE, notifications: { toolsListChanged: true } });
    // Passed on as the backend sent it, its subscription id included.
    const meta = (event.params as { _meta?: Record<string, unknown> })._meta;
    expect(meta?.[MetaKey.SubscriptionId]).to.not.equal(undefined);
    expect(seen.map((notification) => notification.method)).to.not.include(
      "notifications/subscriptions/acknowledged",
    );
  });
});
