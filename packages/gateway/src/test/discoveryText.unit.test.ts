import { expect } from "chai";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import type { DiscoveredBackend } from "../discoveryText.js";
import { compactSchema, renderOverview, signature } from "../discoveryText.js";

function backendsOf(count: number, toolsEach: number): DiscoveredBackend[] {
  return Array.from({ length: count }, (_, at) => ({
    name: `backend-${at}`,
    description: `Backend number ${at}, which does one kind of thing well`,
    state: "ready",
    tools: Array.from({ length: toolsEach }, (_, tool) => ({
      name: `tool_${tool}`,
      description: `Does the ${tool}th thing with the given arguments and returns what it found`,
    })),
  }));
}

describe("discovery texts", () => {
  it("shows every tool while the overview fits its budget", async () => {
    const text = await renderOverview(backendsOf(2, 3), 2_000);
    expect(text).to.match(/^2 backends, 6 tools\./);
    expect(text).to.include("- tool_2: Does the 2th thing").and.not.include("Summarised");
  });

  it("summarises backends past the budget, and only names or counts the last ones past that", async () => {
    for (const [count, budget] of [
      [30, 2_000],
      [300, 2_000],
      [3_000, 500],
    ] as const) {
      const text = await renderOverview(backendsOf(count, 20), budget);
      expect(countTokens(text), `${count} backends`).to.be.at.most(budget);
      expect(text).to.include(`Summarised to fit ${budget} tokens`);
      expect(text).to.include("## backend-0 (ready, 20 tools): Backend number 0");
      expect(text).to.include("tool_0, tool_1, tool_2, tool_3, tool_4, … (+15)");
    }
    const crowded = await renderOverview(backendsOf(300, 20), 2_000);
    expect(crowded).to.match(/\d+ more backends: backend-\d+, backend-\d+, .*, and \d+ more\.$/);
  });

  it("renders schemas on one line without $schema, and a tool's arguments as a signature", () => {
    const schema = {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      properties: { owner: { type: "string" }, body: { type: "string" } },
      required: ["owner"],
    };
    expect(compactSchema(schema)).to.equal(
      '{"type":"object","properties":{"owner":{"type":"string"},"body":{"type":"string"}},"required":["owner"]}',
    );
    expect(signature({ name: "create_issue", inputSchema: schema as never })).to.equal(
      "create_issue(owner, body?)",
    );
    const wide = {
      type: "object" as const,
      properties: Object.fromEntries(Array.from({ length: 11 }, (_, at) => [`a${at}`, {}])),
    };
    expect(signature({ name: "wide", inputSchema: wide })).to.equal(
      "wide(a0?, a1?, a2?, a3?, a4?, a5?, a6?, a7?, … +3)",
    );
  });
});
