import { expect } from "chai";
import type { BackendNotificationEvent, Disposable, StateChangeEvent } from "@mcpware/backend-pool";
import { BackendError, BackendErrorCode } from "@mcpware/backend-pool";
import type { Tool } from "@mcpware/protocol";
import { createSilentLogger } from "../logger.js";
import type { GatewayPool } from "../toolCatalog.js";
import { MAX_TOOL_LIST_PAGES, ToolCatalog } from "../toolCatalog.js";

const tool = (name: string, inputSchema: Record<string, unknown> = { type: "object" }): Tool =>
  ({ name, inputSchema }) as Tool;

/** A pool stand-in that answers tools/list from `pages` (keyed by cursor) and counts requests. */
class FakePool {
  requests: unknown[] = [];
  pages = new Map<string, { tools: Tool[]; nextCursor?: string }>();
  failWith: Error | undefined;
  private notificationListeners: ((event: BackendNotificationEvent) => void)[] = [];
  private stateListeners: ((event: StateChangeEvent) => void)[] = [];

  async request(_name: string, _method: string, params?: unknown): Promise<unknown> {
    this.requests.push(params);
    await Promise.resolve();
    if (this.failWith !== undefined) throw this.failWith;
    const cursor = (params as { cursor?: string }).cursor ?? "";
    return this.pages.get(cursor) ?? { tools: [] };
  }
  onNotification(listener: (event: BackendNotificationEvent) => void): Disposable {
    this.notificationListeners.push(listener);
    return { dispose: () => {} };
  }
  onStateChange(listener: (event: StateChangeEvent) => void): Disposable {
    this.stateListeners.push(listener);
    return { dispose: () => {} };
  }
  emitNotification(event: BackendNotificationEvent): void {
    this.notificationListeners.forEach((listener) => listener(event));
  }
  emitState(event: StateChangeEvent): void {
    this.stateListeners.forEach((listener) => listener(event));
  }
  asPool(): GatewayPool {
    return this as unknown as GatewayPool;
  }
}

describe("ToolCatalog", () => {
  let pool: FakePool;
  let catalog: ToolCatalog;
  beforeEach(() => {
    pool = new FakePool();
    pool.pages.set("", { tools: [tool("a"), tool("b")], nextCursor: "p2" });
    pool.pages.set("p2", { tools: [tool("c")] });
    catalog = new ToolCatalog(pool.asPool(), createSilentLogger());
  });
  afterEach(() => {
    catalog.dispose();
  });

  it("follows every nextCursor", async () => {
    const list = await catalog.get("x");
    expect(list.tools.map((item) => item.name)).to.deep.equal(["a", "b", "c"]);
    expect(pool.requests).to.deep.equal([{}, { cursor: "p2" }]);
  });

  it("shares one fetch between concurrent callers and caches the result", async () => {
    await Promise.all([catalog.get("x"), catalog.get("x"), catalog.get("x")]);
    await catalog.get("x");
    expect(pool.requests).to.have.length(2);
  });

  it("fetches again after tools/list_changed and after the backend stops or crashes", async () => {
    await catalog.get("x");
    pool.emitNotification({ backend: "x", method: "notifications/tools/list_changed", params: undefined });
    await catalog.get("x");
    pool.emitState({ backend: "x", state: "crashed", previous: "ready" });
    await catalog.get("x");
    pool.emitState({ backend: "x", state: "ready", previous: "starting" });
    await catalog.get("x");
    expect(pool.requests).to.have.length(6);
  });

  it("does not cache a failed fetch", async () => {
    pool.failWith = new BackendError(BackendErrorCode.Exited, "gone");
    const error = await catalog.get("x").catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(BackendError);
    pool.failWith = undefined;
    expect((await catalog.get("x")).tools).to.have.length(3);
  });

  it("stops at a repeated cursor and after the page limit", async () => {
    pool.pages.set("", { tools: [tool("a")], nextCursor: "loop" });
    pool.pages.set("loop", { tools: [tool("b")], nextCursor: "loop" });
    expect((await catalog.get("x")).tools.map((item) => item.name)).to.deep.equal(["a", "b"]);
    for (let page = 0; page < MAX_TOOL_LIST_PAGES + 5; page += 1) {
      pool.pages.set(page === 0 ? "" : `c${page}`, { tools: [tool(`t${page}`)], nextCursor: `c${page + 1}` });
    }
    catalog.invalidate("x");
    expect((await catalog.get("x")).tools).to.have.length(MAX_TOOL_LIST_PAGES);
  });

  it("ends a caller's wait when its signal aborts, without failing the shared fetch", async () => {
    const controller = new AbortController();
    const waiting = catalog.get("x", controller.signal);
    const other = catalog.get("x");
    controller.abort(new Error("caller gave up"));
    const error = await waiting.catch((caught: unknown) => caught as Error);
    expect(error).to.have.property("message", "caller gave up");
    expect((await other).tools).to.have.length(3);
  });

  it("compiles each tool's argument check once, for 2020-12 and draft-07 schemas", async () => {
    pool.pages.set("", {
      tools: [
        tool("modern", { type: "object", properties: { n: { type: "number" } }, required: ["n"] }),
        tool("tuple", {
          $schema: "http://json-schema.org/draft-07/schema#",
          type: "object",
          properties: { p: { type: "array", items: [{ type: "number" }, { type: "string" }] } },
        }),
        tool("broken", { type: "object", properties: { n: { type: "no-such-type" } } }),
      ],
    });
    const list = await catalog.get("x");
    const modern = list.checkArguments("modern")!;
    expect(list.checkArguments("modern")).to.equal(modern);
    expect(modern({ n: 1 })).to.equal(undefined);
    expect(modern({})).to.deep.equal(["tool_arguments.n: is required but missing"]);
    expect(list.checkArguments("tuple")!({ p: ["x", 1] })).to.deep.equal([
      "tool_arguments.p[0]: must be number",
      "tool_arguments.p[1]: must be string",
    ]);
    expect(list.checkArguments("broken")).to.equal(undefined);
    expect(list.checkArguments("missing")).to.equal(undefined);
  });
});
