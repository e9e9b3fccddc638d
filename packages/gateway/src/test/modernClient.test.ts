import type { Client } from "@modelcontextprotocol/client";
import { expect } from "chai";
import type { ModernSession, Negotiation } from "./helpers/modernClient.js";
import { connectModern } from "./helpers/modernClient.js";
import { backends, textOf, useHarness, useToolRequest as use } from "./helpers/e2e.js";

describe("an MCP 2026-07-28 client (official SDK v2) through mcpware to legacy backends", function () {
  this.timeout(90_000);
  const harness = useHarness();
  const sessions: ModernSession[] = [];
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((session) => session.close()));
  });

  async function start(negotiation: Negotiation, setup?: (client: Client) => void) {
    const dir = await harness.temp();
    const file = await dir.writeJson("modern.json", { backends: { everything: backends.everything() } });
    const session = await connectModern(file, negotiation, {
      capabilities: { elicitation: { form: {} } },
      ...(setup === undefined ? {} : { setup }),
    });
    sessions.push(session);
    return session;
  }

  for (const negotiation of ["auto", "pin"] as const) {
    it(`connects in ${negotiation} mode without falling back, discovers and calls a tool`, async () => {
      const { client } = await start(negotiation);
      expect(client.getProtocolEra()).to.equal("modern");
      const discovered = client.getDiscoverResult();
      expect(discovered?.supportedVersions).to.include("2026-07-28").and.to.include("2025-06-18");
      expect(client.getServerVersion()?.name).to.equal("mcpware");
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).to.deep.equal(["discover_backend_tools", "use_tool"]);
      const found = await client.callTool({ name: "discover_backend_tools", arguments: { query: "echo" } });
      expect(textOf(found)).to.match(/^everything: echo\(message\)/m);
      const echo = await client.callTool(use("everything", "echo", { message: "modern hello" }));
      expect(textOf(echo)).to.equal("Echo: modern hello");
    });
  }

  it("relays progress, and cancels the backend's call when the client aborts", async () => {
    const { client } = await start("auto");
    const progress: number[] = [];
    const done = await client.callTool(
      use("everything", "trigger-long-running-operation", { duration: 0.3, steps: 3 }),
      { onprogress: (update) => progress.push(update.progress) },
    );
    expect(textOf(done)).to.include("Long running operation completed");
    // In order, under the client's own token; the SDK may drop the last one if it reads the result first.
    expect(progress.length).to.be.greaterThan(0);
    expect(progress).to.deep.equal([1, 2, 3].slice(0, progress.length));

    const controller = new AbortController();
    const cancelled = client.callTool(
      use("everything", "trigger-long-running-operation", { duration: 30, steps: 30 }),
      { signal: controller.signal, onprogress: () => controller.abort(new Error("enough")) },
    );
    let failure: unknown;
    await cancelled.catch((error: unknown) => (failure = error));
    expect(failure, "the aborted call rejects").to.be.instanceOf(Error);
    // The gateway is still serving.
    const echo = await client.callTool(use("everything", "echo", { message: "after" }));
    expect(textOf(echo)).to.equal("Echo: after");
  });

  it("turns a legacy backend's elicitation into input_required, answered by the client's handler", async () => {
    const asked: unknown[] = [];
    const { client } = await start("pin", (client) => {
      client.setRequestHandler("elicitation/create", (request) => {
        asked.push(request.params);
        return { action: "accept", content: { name: "Ada", color: "blue" } };
      });
    });
    const result = await client.callTool(use("everything", "trigger-elicitation-request"));
    expect(result.isError).to.not.equal(true);
    expect(asked).to.have.length(1);
    expect(JSON.stringify(asked[0])).to.include("requestedSchema");
    expect(textOf(result)).to.include("Ada");
  });
});
