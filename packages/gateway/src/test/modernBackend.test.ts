import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { ModernSession } from "./helpers/modernClient.js";
import { connectModern } from "./helpers/modernClient.js";
import { backends, markedLines, textOf, useHarness, useToolRequest } from "./helpers/e2e.js";

/** The JSON-RPC methods a backend read, in order (from its record file: one message per line). */
async function methodsRead(file: string): Promise<string[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => String((JSON.parse(line) as { method?: unknown }).method ?? "(reply)"));
}

describe("2026-07-28 backends behind mcpware, and the era each backend speaks", function () {
  this.timeout(90_000);
  const harness = useHarness();
  const modernSessions: ModernSession[] = [];
  afterEach(async () => {
    await Promise.all(modernSessions.splice(0).map((session) => session.close()));
  });

  it("serves a legacy (SDK v1) client: the backend's input_required becomes a real elicitation request", async () => {
    const dir = await harness.temp();
    const record = dir.file("modern.jsonl");
    const asked: unknown[] = [];
    const session = await harness.start(
      { backends: { modern: backends.modern(record) } },
      {
        capabilities: { elicitation: { form: {} } },
        setup: (client) =>
          client.setRequestHandler(ElicitRequestSchema, (request) => {
            asked.push(request.params);
            return { action: "accept", content: { name: "Ada" } };
          }),
      },
    );
    const echo = await session.client.callTool(useToolRequest("modern", "echo", { text: "hi" }));
    expect(textOf(echo)).to.equal("echo: hi");
    const greet = await session.client.callTool(useToolRequest("modern", "greet"));
    expect(greet.isError, textOf(greet)).to.not.equal(true);
    expect(textOf(greet)).to.include("Hello, Ada");
    expect(asked).to.have.length(1);
    const methods = await methodsRead(record);
    // Probed in place: discover first, never initialize; every request carries the 2026-07-28 envelope.
    expect(methods[0]).to.equal("server/discover");
    expect(methods).to.not.include("initialize");
    const calls = (await readFile(record, "utf8"))
      .split("\n")
      .filter((line) => line.includes('"tools/call"'))
      .map((line) => JSON.parse(line) as { params: { _meta: Record<string, unknown> } });
    for (const call of calls) {
      expect(call.params._meta).to.have.property("io.modelcontextprotocol/protocolVersion", "2026-07-28");
    }
    // The retry carried the client's answer and the backend's own state.
    expect(JSON.stringify(calls.at(-1)))
      .to.include('"inputResponses"')
      .and.to.include('"requestState"');
  });

  it("serves a 2026-07-28 (SDK v2) client: the backend's input_required reaches it, and its retry the backend", async () => {
    const dir = await harness.temp();
    const record = dir.file("modern.jsonl");
    const file = await dir.writeJson("config.json", { backends: { modern: backends.modern(record) } });
    const asked: unknown[] = [];
    const session = await connectModern(file, "pin", {
      capabilities: { elicitation: { form: {} } },
      setup: (client) =>
        client.setRequestHandler("elicitation/create", (request) => {
          asked.push(request.params);
          return { action: "accept", content: { name: "Grace" } };
        }),
    });
    modernSessions.push(session);
    const greet = await session.client.callTool(useToolRequest("modern", "greet"));
    expect(textOf(greet)).to.include("Hello, Grace");
    expect(asked).to.have.length(1);
    const echo = await session.client.callTool(useToolRequest("modern", "echo", { text: "v2" }));
    expect(textOf(echo)).to.equal("echo: v2");
  });

  it("remembers each backend's era: a second gateway probes nothing; one that exits on the probe costs one restart, once", async () => {
    const dir = await harness.temp();
    const polite = dir.file("polite.log");
    const fragile = dir.file("fragile.log");
    const config = {
      backends: {
        polite: backends.fixture(["--marker", polite]),
        fragile: backends.fixture(["--marker", fragile, "--exit-on-discover"]),
      },
    };
    for (const round of [1, 2]) {
      const session = await harness.start(config);
      for (const name of ["polite", "fragile"]) {
        const echo = await session.client.callTool(
          useToolRequest(name, "echo", { text: `${name} ${round}` }),
        );
        expect(textOf(echo), `${name}, round ${round}`).to.equal(`${name} ${round}`);
      }
      await session.close();
      // Probed once, in the first round only.
      expect(await markedLines(polite, "unknown server/discover"), `round ${round}`).to.have.length(1);
      expect(await markedLines(fragile, "unknown server/discover"), `round ${round}`).to.have.length(1);
      // The fragile one: started again without a probe in round 1 (two starts), then once per round.
      expect(await markedLines(fragile, "started"), `round ${round}`).to.have.length(round + 1);
      expect(await markedLines(polite, "started"), `round ${round}`).to.have.length(round);
    }
  });
});
