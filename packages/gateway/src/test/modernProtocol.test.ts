import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import type { RawGateway } from "./helpers/e2e.js";
import { backends, descendantsOf, spawnGateway, useHarness, useToolRequest, waitFor } from "./helpers/e2e.js";

const VERSION_KEY = "io.modelcontextprotocol/protocolVersion";
const CAPABILITIES_KEY = "io.modelcontextprotocol/clientCapabilities";
const LOG_LEVEL_KEY = "io.modelcontextprotocol/logLevel";
const SUBSCRIPTION_KEY = "io.modelcontextprotocol/subscriptionId";
const STATIC_DOCUMENT = "demo://resource/static/document/features.md";

/** The `_meta` envelope of a 2026-07-28 request. */
function envelope(capabilities: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    [VERSION_KEY]: "2026-07-28",
    [CAPABILITIES_KEY]: capabilities,
    "io.modelcontextprotocol/clientInfo": { name: "raw-modern", version: "1" },
    ...extra,
  };
}

function request(
  id: number | string,
  method: string,
  params: Record<string, unknown> = {},
  meta: Record<string, unknown> = envelope(),
) {
  return { jsonrpc: "2.0", id, method, params: { ...params, _meta: meta } };
}

/** The notifications the gateway wrote so far, parsed. */
function notifications(gateway: RawGateway, method: string): Record<string, unknown>[] {
  return gateway.lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((message) => message.method === method && !("id" in message));
}

describe("MCP 2026-07-28 on the wire (raw JSON-RPC)", function () {
  this.timeout(90_000);
  const harness = useHarness();
  const gateways: RawGateway[] = [];
  afterEach(async () => {
    for (const gateway of gateways.splice(0)) {
      gateway.child.stdin.end();
      await gateway.exited;
    }
  });

  async function start(config: unknown, args: string[] = []): Promise<RawGateway> {
    const dir = await harness.temp();
    const file = await dir.writeJson(`raw-${gateways.length}.json`, config);
    const gateway = spawnGateway(["--config", file, ...args]);
    gateways.push(gateway);
    return gateway;
  }

  it("answers server/discover at once, with every version it speaks, and starts no backend", async () => {
    const gateway = await start({ backends: { everything: backends.everything() } });
    gateway.send(request("server-discover-probe-1", "server/discover"));
    const reply = await gateway.reply("server-discover-probe-1");
    const result = reply.result as Record<string, unknown>;
    expect(result).to.include({ resultType: "complete", ttlMs: 0, cacheScope: "private" });
    expect(result.supportedVersions).to.deep.equal([
      "2026-07-28",
      "2025-11-25",
      "2025-06-18",
      "2025-03-26",
      "2024-11-05",
    ]);
    expect(result.capabilities).to.have.keys("tools", "logging", "resources", "prompts", "completions");
    expect(result.instructions).to.include('"query"');
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(result._meta).to.deep.include({
      "io.modelcontextprotocol/serverInfo": { name: "mcpware", version },
    });
    expect(await descendantsOf(gateway.child.pid!)).to.deep.equal([]);
  });

  it("starts eager backends with the first request after the probe, never for the probe", async () => {
    const dir = await harness.temp();
    const marker = dir.file("marker");
    const config = { start: "eager", backends: { f: backends.fixture(["--marker", marker]) } };
    // SDK v2's probe: server/discover in a process it ends at once.
    const probe = await start(config);
    probe.send(request("server-discover-probe-1", "server/discover"));
    await probe.reply("server-discover-probe-1");
    probe.child.stdin.end();
    expect((await probe.exited).code).to.equal(0);
    expect(existsSync(marker), "the probe started a backend").to.equal(false);
    const session = await start(config);
    session.send(request("server-discover-probe-1", "server/discover"));
    session.send(request(1, "tools/list"));
    await session.reply(1);
    expect(await waitFor(() => existsSync(marker))).to.equal(true);
  });

  it("checks every request's _meta: version, client capabilities, log level; removed methods are gone", async () => {
    const gateway = await start({ backends: { everything: backends.everything() } });
    gateway.send(request(1, "tools/list", {}, { [VERSION_KEY]: "2099-01-01", [CAPABILITIES_KEY]: {} }));
    expect((await gateway.reply(1)).error).to.deep.include({
      code: -32022,
      data: {
        supported: ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"],
        requested: "2099-01-01",
      },
    });
    gateway.send(request(2, "tools/list", {}, { [VERSION_KEY]: "2026-07-28" }));
    const missing = (await gateway.reply(2)).error as { code: number; message: string };
    expect(missing.code).to.equal(-32602);
    expect(missing.message).to.include(CAPABILITIES_KEY);
    gateway.send(request(3, "tools/list", {}, envelope({}, { [LOG_LEVEL_KEY]: "verbose" })));
    expect((await gateway.reply(3)).error).to.have.property("code", -32602);
    for (const [id, method] of [
      [4, "ping"],
      [5, "logging/setLevel"],
      [6, "resources/subscribe"],
    ] as const) {
      gateway.send(request(id, method, method === "logging/setLevel" ? { level: "info" } : {}));
      expect((await gateway.reply(id)).error, method).to.have.property("code", -32601);
    }
    gateway.send(request(7, "tools/list"));
    const listed = (await gateway.reply(7)).result as Record<string, unknown>;
    expect(listed).to.include({ resultType: "complete", ttlMs: 0, cacheScope: "private" });
    gateway.send(request(8, "tools/call", useToolRequest("everything", "echo", { message: "hi" })));
    const echoed = (await gateway.reply(8)).result as Record<string, unknown>;
    expect(echoed).to.deep.include({ resultType: "complete", content: [{ type: "text", text: "Echo: hi" }] });
    // Resource not found is -32602 in 2026-07-28 (it was -32002).
    gateway.send(request(9, "resources/read", { uri: "demo://resource/no/such/thing" }));
    expect((await gateway.reply(9)).error).to.have.property("code", -32602);
  });

  it("refuses a forged, altered, misused or expired requestState, and cancels the call after the TTL", async () => {
    const gateway = await start({ inputRequiredTtl: 1, backends: { everything: backends.everything() } }, [
      "--log-level",
      "debug",
    ]);
    const capabilities = { elicitation: { form: {} } };
    const call = useToolRequest("everything", "trigger-elicitation-request");
    gateway.send(request(1, "tools/call", call, envelope(capabilities)));
    const first = (await gateway.reply(1)).result as Record<string, unknown>;
    expect(first.resultType).to.equal("input_required");
    const inputRequests = first.inputRequests as Record<string, { method: string; params: unknown }>;
    const [key] = Object.keys(inputRequests);
    expect(inputRequests[key!]!.method).to.equal("elicitation/create");
    const state = first.requestState as string;
    const [body, signature] = state.split(".");
    const altered = Buffer.from(
      Buffer.from(body!, "base64url")
        .toString("utf8")
        .replace(/"call":"[^"]+"/, '"call":"someone-else"'),
    ).toString("base64url");
    const attempts: [string, Record<string, unknown>][] = [
      [
        "forged",
        {
          ...call,
          requestState: `${body}.${signature!.slice(0, -1)}${signature!.endsWith("A") ? "B" : "A"}`,
        },
      ],
      ["altered", { ...call, requestState: `${altered}.${signature}` }],
      ["garbage", { ...call, requestState: "not-a-state" }],
      ["another call's", { ...useToolRequest("everything", "echo", { message: "x" }), requestState: state }],
    ];
    let id = 2;
    for (const [what, params] of attempts) {
      gateway.send(
        request(
          id,
          "tools/call",
          { ...params, inputResponses: { [key!]: { action: "decline" } } },
          envelope(capabilities),
        ),
      );
      const error = (await gateway.reply(id)).error as { code: number; data?: unknown };
      expect(error, what).to.deep.include({ code: -32602, data: { reason: "invalid_request_state" } });
      id += 1;
    }
    // No retry within the TTL: the backend's call is cancelled, and the state no longer opens.
    expect(
      await waitFor(() => gateway.stderr().includes("the client did not retry within the input TTL"), 20_000),
      gateway.stderr(),
    ).to.equal(true);
    gateway.send(
      request(
        id,
        "tools/call",
        { ...call, requestState: state, inputResponses: { [key!]: { action: "decline" } } },
        envelope(capabilities),
      ),
    );
    expect((await gateway.reply(id)).error).to.have.property("code", -32602);
  });

  it("bridges sampling and roots requests too, and sends logs only for a request that asked for them", async () => {
    const gateway = await start({ backends: { relay: backends.relay("one") } });
    const capabilities = { sampling: {}, roots: {} };
    const sampling = useToolRequest("relay", "ask", { kind: "sampling", text: "colour?" });
    gateway.send(request(1, "tools/call", sampling, envelope(capabilities)));
    const asked = (await gateway.reply(1)).result as Record<string, unknown>;
    const [key, input] = Object.entries(asked.inputRequests as Record<string, { method: string }>)[0]!;
    expect(input.method).to.equal("sampling/createMessage");
    const retry = {
      ...sampling,
      requestState: asked.requestState,
      inputResponses: { [key]: { role: "assistant", content: { type: "text", text: "teal" }, model: "m" } },
    };
    gateway.send(request(2, "tools/call", retry, envelope(capabilities)));
    const answered = (await gateway.reply(2)).result as Record<string, unknown>;
    expect(answered.resultType).to.equal("complete");
    expect(JSON.stringify(answered.content)).to.include("teal");
    // A state opens once: the same retry again is a replay.
    gateway.send(request("replay", "tools/call", retry, envelope(capabilities)));
    expect((await gateway.reply("replay")).error).to.deep.include({ code: -32602 });

    const roots = useToolRequest("relay", "ask", { kind: "roots" });
    gateway.send(request(5, "tools/call", roots, envelope(capabilities)));
    const rootsAsked = (await gateway.reply(5)).result as Record<string, unknown>;
    const [rootsKey, rootsInput] = Object.entries(
      rootsAsked.inputRequests as Record<string, { method: string }>,
    )[0]!;
    expect(rootsInput.method).to.equal("roots/list");
    gateway.send(
      request(
        6,
        "tools/call",
        {
          ...roots,
          requestState: rootsAsked.requestState,
          inputResponses: { [rootsKey]: { roots: [{ uri: "file:///projects/gamma", name: "gamma" }] } },
        },
        envelope(capabilities),
      ),
    );
    expect(JSON.stringify((await gateway.reply(6)).result)).to.include("file:///projects/gamma");

    // Logs: none for a request without a log level; those at or above it for one with.
    gateway.send(request(3, "tools/call", useToolRequest("relay", "log", { level: "error", count: 2 })));
    await gateway.reply(3);
    expect(notifications(gateway, "notifications/message")).to.deep.equal([]);
    gateway.send(
      request(
        4,
        "tools/call",
        useToolRequest("relay", "log", { level: "error", count: 2 }),
        envelope({}, { [LOG_LEVEL_KEY]: "warning" }),
      ),
    );
    await gateway.reply(4);
    const logs = notifications(gateway, "notifications/message");
    expect(logs).to.have.length(2);
    expect(logs[0]!.params).to.include({ level: "error" });
  });

  it("serves an initialize client on a connection that was probed first, and refuses an unknown tool", async () => {
    const gateway = await start({ backends: { relay: backends.relay("one") } });
    gateway.send(request("server-discover-probe-1", "server/discover"));
    await gateway.reply("server-discover-probe-1");
    gateway.send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-11-25",
        capabilities: { elicitation: {} },
        clientInfo: { name: "x", version: "1" },
      },
    });
    expect((await gateway.reply(1)).result).to.have.property("protocolVersion", "2025-11-25");
    gateway.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    // A legacy client: the backend's elicitation is a real request to it, not an input_required result.
    gateway.send({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: useToolRequest("relay", "ask", { kind: "elicit" }),
    });
    expect(
      await waitFor(() =>
        gateway.lines.some(
          (line) => (JSON.parse(line) as { method?: string }).method === "elicitation/create",
        ),
      ),
    ).to.equal(true);
    const asked = gateway.lines
      .map((line) => JSON.parse(line) as { id?: number; method?: string })
      .find((message) => message.method === "elicitation/create")!;
    gateway.send({ jsonrpc: "2.0", id: asked.id, result: { action: "accept", content: { answer: "Ada" } } });
    expect(JSON.stringify((await gateway.reply(2)).result)).to.include("Ada");

    const modern = await start({ backends: { relay: backends.relay("one") } });
    modern.send(request(1, "tools/call", { name: "no_such_tool", arguments: {} }));
    expect((await modern.reply(1)).error).to.have.property("code", -32602);
  });

  it("answers an open subscriptions/listen when the client closes its end", async () => {
    const gateway = await start({ backends: { everything: backends.everything() } });
    gateway.send(request("listen:0", "subscriptions/listen", { notifications: { toolsListChanged: true } }));
    expect(
      await waitFor(() => notifications(gateway, "notifications/subscriptions/acknowledged").length === 1),
    ).to.equal(true);
    gateway.child.stdin.end();
    expect((await gateway.exited).code).to.equal(0);
    const answer = gateway.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((message) => message.id === "listen:0");
    expect(answer?.result).to.deep.equal({
      resultType: "complete",
      _meta: { [SUBSCRIPTION_KEY]: "listen:0" },
    });
  });

  it("serves subscriptions/listen: acknowledged, then resource updates stamped with its id", async () => {
    const gateway = await start({ backends: { everything: backends.everything() } });
    gateway.send(
      request("listen:0", "subscriptions/listen", {
        notifications: { resourcesListChanged: true, resourceSubscriptions: [STATIC_DOCUMENT] },
      }),
    );
    expect(
      await waitFor(() => notifications(gateway, "notifications/subscriptions/acknowledged").length === 1),
    ).to.equal(true);
    const [ack] = notifications(gateway, "notifications/subscriptions/acknowledged");
    expect(ack!.params).to.deep.equal({
      notifications: { resourcesListChanged: true, resourceSubscriptions: [STATIC_DOCUMENT] },
      _meta: { [SUBSCRIPTION_KEY]: "listen:0" },
    });
    gateway.send(request(1, "tools/call", useToolRequest("everything", "toggle-subscriber-updates")));
    await gateway.reply(1);
    try {
      expect(
        await waitFor(() => notifications(gateway, "notifications/resources/updated").length > 0, 30_000),
      ).to.equal(true);
      const [update] = notifications(gateway, "notifications/resources/updated");
      expect(update!.params).to.deep.include({
        uri: STATIC_DOCUMENT,
        _meta: { [SUBSCRIPTION_KEY]: "listen:0" },
      });
    } finally {
      gateway.send(request(2, "tools/call", useToolRequest("everything", "toggle-subscriber-updates")));
      await gateway.reply(2);
    }
    gateway.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "listen:0" } });
  });
});
