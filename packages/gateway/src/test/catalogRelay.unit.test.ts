import { expect } from "chai";
import type { BackendNotificationEvent, PoolRequestOptions, StateChangeEvent } from "@mcpware/backend-pool";
import { BackendError, BackendErrorCode } from "@mcpware/backend-pool";
import type { McpConnection, ServerCapabilities } from "@mcpware/protocol";
import { ErrorCode, McpMethod, ProtocolError, RawJson } from "@mcpware/protocol";
import { RESOURCES } from "../backendListings.js";
import { requestBackend } from "../catalogHost.js";
import { CatalogRelay } from "../catalogRelay.js";
import { parseConfig } from "../loadConfig.js";
import { createSilentLogger } from "../logger.js";
import type { GatewayPool } from "../toolCatalog.js";

type Handler = (method: string, params: unknown) => unknown;

/** A relay over a pool stand-in whose backends `a` and `b` answer with `handlers`. */
function createRelay(
  handlers: Record<string, Handler>,
  capabilities: Record<string, ServerCapabilities> = {},
) {
  const requests: { backend: string; method: string; params: unknown }[] = [];
  const notified: string[] = [];
  const notificationListeners: ((event: BackendNotificationEvent) => void)[] = [];
  const stateListeners: ((event: StateChangeEvent) => void)[] = [];
  const pool = {
    async request(backend: string, method: string, params: unknown, options: PoolRequestOptions = {}) {
      requests.push({ backend, method, params });
      const result = await handlers[backend]!(method, params);
      return options.raw === true ? RawJson.fromValue(result) : result;
    },
    info: (backend: string) => ({ capabilities: capabilities[backend] }),
    onNotification: (listener: (event: BackendNotificationEvent) => void) => {
      notificationListeners.push(listener);
      return { dispose() {} };
    },
    onStateChange: (listener: (event: StateChangeEvent) => void) => {
      stateListeners.push(listener);
      return { dispose() {} };
    },
  } as unknown as GatewayPool;
  const logger = createSilentLogger();
  const config = parseConfig(
    { backends: { a: { command: "x", timeout: 1 }, b: { command: "x", timeout: 1 } } },
    { env: new Map() },
  );
  const relay = new CatalogRelay(
    {
      pool,
      logger,
      redactor: logger.redactor,
      backends: new Map(config.backends.map((backend) => [backend.name, backend])),
      unavailable: new Map(),
    },
    { notifyClients: (method) => notified.push(method) },
  );
  return {
    relay,
    requests,
    notified,
    notify: (event: BackendNotificationEvent) => notificationListeners.forEach((listener) => listener(event)),
    changeState: (event: StateChangeEvent) => stateListeners.forEach((listener) => listener(event)),
  };
}

/** A client connection stand-in that records the notifications it is sent. */
function fakeClient(): { connection: McpConnection; sent: [string, unknown][] } {
  const sent: [string, unknown][] = [];
  const connection = {
    isClosed: false,
    sendNotification: async (method: string, params: unknown) => {
      sent.push([method, params]);
    },
  } as unknown as McpConnection;
  return { connection, sent };
}

const signal = new AbortController().signal;
const timeout = () =>
  new BackendError(BackendErrorCode.Timeout, "too slow", { backend: "a", elapsedMs: 1000 });
const notFound = () =>
  new BackendError(BackendErrorCode.Remote, "error", {
    cause: new ProtocolError(-32601, "Method not found"),
  });

describe("CatalogRelay", () => {
  it("leaves a backend that fails or lacks the method out of a merged listing", async () => {
    for (const failure of [timeout, notFound]) {
      const { relay } = createRelay({
        a: () => {
          throw failure();
        },
        b: () => ({ resources: [{ uri: "b://one", name: "one" }] }),
      });
      expect(await relay.listMerged(RESOURCES, {}, signal)).to.deep.equal({
        resources: [{ uri: "b://one", name: "one" }],
      });
    }
  });

  it("asks no backend that is known to lack resources", async () => {
    const { relay, requests } = createRelay(
      { a: () => ({ resources: [] }), b: () => ({ resources: [] }) },
      { a: { tools: {} }, b: { resources: {} } },
    );
    await relay.listMerged(RESOURCES, {}, signal);
    expect(requests.map((request) => request.backend)).to.deep.equal(["b"]);
  });

  it("passes a backend's JSON-RPC error on with its code and message, a local failure as -32603", async () => {
    const { relay } = createRelay({
      a: () => {
        throw new BackendError(BackendErrorCode.Remote, "error", {
          cause: new ProtocolError(-32050, "access denied", { why: "policy" }),
        });
      },
      b: () => {
        throw timeout();
      },
    });
    const remote = await requestBackend(
      relay.host,
      "a",
      McpMethod.ResourcesRead,
      {},
      { action: "reading" },
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(remote).to.be.instanceOf(ProtocolError).and.include({ code: -32050, message: "access denied" });
    expect((remote as ProtocolError).data).to.deep.equal({ why: "policy" });
    const local = await requestBackend(
      relay.host,
      "b",
      McpMethod.ResourcesRead,
      {},
      { action: "reading" },
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(local).to.be.instanceOf(ProtocolError).and.include({ code: ErrorCode.InternalError });
    expect((local as ProtocolError).message).to.include('backend "b" timed out');
  });

  it("routes a URI by template after listing the backends, and forgets a listing that changed", async () => {
    let templates = [{ uriTemplate: "b://thing/{id}", name: "thing" }];
    const { relay, notify, notified } = createRelay({
      a: () => ({ resources: [], resourceTemplates: [] }),
      b: (method) =>
        method === McpMethod.ResourcesList ? { resources: [] } : { resourceTemplates: templates },
    });
    expect(await relay.router.ownerOf("b://thing/7", signal)).to.equal("b");
    templates = [];
    notify({ backend: "b", method: McpMethod.ResourcesListChanged, params: undefined });
    expect(notified).to.deep.equal([McpMethod.ResourcesListChanged]);
    const error = await relay.router.ownerOf("b://thing/7", signal).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(ProtocolError).and.include({ code: ErrorCode.ResourceNotFound });
  });

  it("learns the resource links of a tool result only when it has one", async () => {
    const { relay, requests } = createRelay({
      a: () => ({ resources: [], resourceTemplates: [] }),
      b: () => ({ resources: [], resourceTemplates: [] }),
    });
    relay.learnResourceLinks(
      "a",
      JSON.stringify({
        content: [
          { type: "resource_link", uri: "a://made/1", name: "made" },
          { type: "resource", resource: { uri: "a://embedded/2", text: "x" } },
        ],
      }),
    );
    relay.learnResourceLinks("b", '{"content":[{"type":"text","text":"b://not/a/link"}]}');
    expect(await relay.router.ownerOf("a://made/1", signal)).to.equal("a");
    expect(await relay.router.ownerOf("a://embedded/2", signal)).to.equal("a");
    const before = requests.length;
    const error = await relay.router.ownerOf("b://not/a/link", signal).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(ProtocolError).and.include({ code: ErrorCode.ResourceNotFound });
    // The unknown URI made the gateway list the backends again first.
    expect(requests.length).to.be.greaterThan(before);
  });

  it("subscribes the backend once for two clients, relays its updates to them, and ends it with the last", async () => {
    const { relay, requests, notify } = createRelay({ a: () => ({}), b: () => ({}) });
    const first = fakeClient();
    const second = fakeClient();
    await relay.subscriptions.subscribe(first.connection, "a://x", "a", signal);
    await relay.subscriptions.subscribe(second.connection, "a://x", "a", signal);
    notify({ backend: "a", method: McpMethod.ResourcesUpdated, params: { uri: "a://x/part" } });
    notify({ backend: "b", method: McpMethod.ResourcesUpdated, params: { uri: "a://x" } });
    expect(first.sent).to.deep.equal([[McpMethod.ResourcesUpdated, { uri: "a://x/part" }]]);
    expect(second.sent).to.deep.equal(first.sent);
    await relay.subscriptions.unsubscribe(first.connection, "a://x");
    relay.subscriptions.dropClient(second.connection);
    await new Promise((resolve) => setImmediate(resolve));
    expect(requests.map((request) => request.method)).to.deep.equal([
      McpMethod.ResourcesSubscribe,
      McpMethod.ResourcesUnsubscribe,
    ]);
  });

  it("subscribes again when the backend is ready after its process ended", async () => {
    const { relay, requests, changeState } = createRelay({ a: () => ({}), b: () => ({}) });
    await relay.subscriptions.subscribe(fakeClient().connection, "a://x", "a", signal);
    changeState({ backend: "a", state: "ready", previous: "starting" });
    changeState({ backend: "a", state: "crashed", previous: "ready" });
    changeState({ backend: "a", state: "ready", previous: "starting" });
    expect(requests.map((request) => request.method)).to.deep.equal([
      McpMethod.ResourcesSubscribe,
      McpMethod.ResourcesSubscribe,
    ]);
  });

  it("names prompts <backend>__<prompt> and asks a backend again after its prompts changed", async () => {
    let prompts = [{ name: "greet", description: "Says hi\u200B" }];
    const { relay, notify, notified } = createRelay({
      a: () => ({ prompts }),
      b: () => {
        throw notFound();
      },
    });
    const listed = await relay.prompts.list(signal);
    expect(listed.prompts).to.deep.equal([{ name: "a__greet", description: "Says hi" }]);
    expect(await relay.prompts.resolve("a__greet", signal)).to.deep.equal({ backend: "a", name: "greet" });
    prompts = [{ name: "wave", description: "Waves" }];
    notify({ backend: "a", method: McpMethod.PromptsListChanged, params: undefined });
    expect(notified).to.deep.equal([McpMethod.PromptsListChanged]);
    expect((await relay.prompts.list(signal)).prompts.map((prompt) => prompt.name)).to.deep.equal([
      "a__wave",
    ]);
    const error = await relay.prompts.resolve("a__greet", signal).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(ProtocolError).and.include({ code: ErrorCode.InvalidParams });
  });
});
