import { expect } from "chai";
import type { Disposable, PoolRequestOptions } from "@mcpware/backend-pool";
import { BackendError, BackendErrorCode } from "@mcpware/backend-pool";
import type { CallToolResult, ProgressNotificationParams } from "@mcpware/protocol";
import type { GatewayContext } from "../gatewayContext.js";
import { createSilentLogger } from "../logger.js";
import { parseConfig } from "../loadConfig.js";
import type { GatewayPool } from "../toolCatalog.js";
import { ToolCatalog } from "../toolCatalog.js";
import { useTool } from "../useTool.js";

const TOOLS = [{ name: "work", inputSchema: { type: "object", properties: { n: { type: "number" } } } }];

/** A pool stand-in: tools/list answers TOOLS; tools/call runs `onCall`. */
function createContext(onCall: (params: unknown, options: PoolRequestOptions) => Promise<unknown>) {
  const calls: unknown[] = [];
  const pool = {
    async request(_name: string, method: string, params: unknown, options: PoolRequestOptions = {}) {
      if (method === "tools/list") return { tools: TOOLS };
      calls.push(params);
      return onCall(params, options);
    },
    info: () => ({ state: "ready" }),
    onNotification: (): Disposable => ({ dispose() {} }),
    onStateChange: (): Disposable => ({ dispose() {} }),
  } as unknown as GatewayPool;
  const logger = createSilentLogger();
  const config = parseConfig({ backends: { b: { command: "x", timeout: 2 } } }, { env: new Map() });
  const context: GatewayContext = {
    config,
    pool,
    catalog: new ToolCatalog(pool, logger),
    logger,
    redactor: logger.redactor,
    backends: new Map(config.backends.map((backend) => [backend.name, backend])),
    unavailable: new Map(),
  };
  return { context, calls };
}

const request = { backend_server: "b", server_tool: "work", tool_arguments: { n: 1 } };

describe("useTool", () => {
  it("sends the client's progress token and relays progress under it until the result", async () => {
    let late: ((progress: ProgressNotificationParams) => void) | undefined;
    const { context, calls } = createContext(async (_params, options) => {
      options.onProgress?.({ progressToken: "client-token", progress: 1, total: 2 });
      late = options.onProgress;
      return { content: [{ type: "text", text: "done" }] };
    });
    const relayed: ProgressNotificationParams[] = [];
    const result = await useTool(context, request, {
      signal: new AbortController().signal,
      progressToken: "client-token",
      sendProgress: (progress) => relayed.push(progress),
    });
    late?.({ progressToken: "client-token", progress: 2, total: 2 });
    expect(result).to.deep.equal({ content: [{ type: "text", text: "done" }] });
    expect(calls).to.deep.equal([
      { name: "work", arguments: { n: 1 }, _meta: { progressToken: "client-token" } },
    ]);
    expect(relayed).to.deep.equal([{ progressToken: "client-token", progress: 1, total: 2 }]);
  });

  it("accepts tool_arguments given as a JSON string and defaults them to {}", async () => {
    const { context, calls } = createContext(async () => ({ content: [] }));
    await useTool(
      context,
      { ...request, tool_arguments: '{"n": 2}' },
      { signal: new AbortController().signal },
    );
    await useTool(
      context,
      { backend_server: "b", server_tool: "work" },
      { signal: new AbortController().signal },
    );
    expect(calls).to.deep.equal([
      { name: "work", arguments: { n: 2 } },
      { name: "work", arguments: {} },
    ]);
  });

  it("answers malformed use_tool arguments with an isError result", async () => {
    const { context, calls } = createContext(async () => ({ content: [] }));
    for (const args of [
      undefined,
      [],
      { server_tool: "work" },
      { backend_server: "b" },
      { ...request, tool_arguments: 5 },
    ]) {
      const result = (await useTool(context, args, {
        signal: new AbortController().signal,
      })) as CallToolResult;
      expect(result.isError, JSON.stringify(args)).to.equal(true);
    }
    expect(calls).to.deep.equal([]);
  });

  it("maps a timeout to its deadline in seconds", async () => {
    const { context } = createContext(async () => {
      throw new BackendError(BackendErrorCode.Timeout, "late", { elapsedMs: 2001 });
    });
    const result = (await useTool(context, request, {
      signal: new AbortController().signal,
    })) as CallToolResult;
    expect(result.isError).to.equal(true);
    expect(JSON.stringify(result.content)).to.include("timed out after 2 s");
  });

  it("rethrows when the client cancelled, so no result is sent", async () => {
    const controller = new AbortController();
    const { context } = createContext(async () => {
      controller.abort(new Error("client cancelled"));
      throw new BackendError(BackendErrorCode.Aborted, "aborted");
    });
    const error = await useTool(context, request, { signal: controller.signal }).catch(
      (caught: unknown) => caught,
    );
    expect(error).to.have.property("message", "client cancelled");
  });
});
