import { expect } from "chai";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { readdirSync } from "node:fs";
import path from "node:path";
import { OVERVIEW_TOKEN_BUDGET } from "../tokenBudget.js";
import { REPO_ROOT, backends, textOf, useHarness } from "./helpers/e2e.js";

/** Tool lists recorded from real MCP servers (the bench's fixtures), served by the fixture server. */
const RECORDED_DIR = path.join(REPO_ROOT, "bench", "fixtures", "tool-lists");
/** The recorded servers, in name order (brave-search … slack). */
const RECORDED = readdirSync(RECORDED_DIR)
  .filter((file) => file.endsWith(".json"))
  .map((file) => file.slice(0, -".json".length))
  .sort();

function recorded(server: string) {
  const file = path.join(RECORDED_DIR, `${server}.json`);
  return backends.fixture(["--tools-file", file], { description: `recorded ${server} tools` });
}

/** The hits of a query answer, best first, as `backend/tool`. */
function hitsOf(text: string): string[] {
  return text.split("\n").flatMap((line) => {
    const match = /^([^\s:]+): ([^\s(]+)\(/.exec(line);
    return match === null ? [] : [`${match[1]}/${match[2]}`];
  });
}

describe("discover_backend_tools: query, tool_names and the overview's budget (end to end)", function () {
  this.timeout(120_000);
  const harness = useHarness();

  async function startRecorded(count = RECORDED.length, only?: string) {
    const entries: Record<string, unknown> = {};
    if (only !== undefined) return harness.start({ backends: { [only]: recorded(only) } });
    for (let at = 0; at < count; at += 1) {
      const server = RECORDED[at % RECORDED.length]!;
      const copy = Math.floor(at / RECORDED.length) + 1;
      entries[copy === 1 ? server : `${server}${copy}`] = recorded(server);
    }
    return harness.start({ backends: entries });
  }

  async function discover(session: Awaited<ReturnType<typeof startRecorded>>, args: Record<string, unknown>) {
    const result = await session.client.callTool({ name: "discover_backend_tools", arguments: args });
    // Sent once: one text, no copy of it as structuredContent.
    expect(result.structuredContent, JSON.stringify(args)).to.equal(undefined);
    expect(result.content, JSON.stringify(args)).to.have.length(1);
    return result;
  }

  it("finds tools by a word of their description, by an argument name, and an exact name first", async () => {
    const session = await startRecorded();
    const listed = await session.client.listTools();
    const discoverTool = listed.tools.find((tool) => tool.name === "discover_backend_tools")!;
    expect(discoverTool).to.not.have.property("outputSchema");
    expect(discoverTool.inputSchema.properties).to.have.keys("query", "backend_name", "tool_names");
    expect(session.client.getInstructions()).to.include('{"query"');

    const byDescription = textOf(await discover(session, { query: "businesses" }));
    expect(hitsOf(byDescription)[0], byDescription).to.equal("brave-search/brave_local_search");
    // The hit shows how to call the tool: its arguments (optional ones marked) and the next step.
    expect(byDescription).to.match(
      /^brave-search: brave_local_search\(query, count\?\) - Searches for local/m,
    );
    expect(byDescription).to.include('"tool_names"');

    const byArgument = textOf(await discover(session, { query: "autoInit" }));
    expect(hitsOf(byArgument)[0], byArgument).to.equal("github/create_repository");

    // "search" is in many tools' names and descriptions; the tool called exactly that comes first.
    const exact = hitsOf(textOf(await discover(session, { query: "search" })));
    expect(exact[0]).to.equal("gdrive/search");
    expect(exact.length).to.be.greaterThan(1);
    expect(hitsOf(textOf(await discover(session, { query: "create_issue" })))[0]).to.equal(
      "github/create_issue",
    );

    // A query within one backend.
    const inSlack = hitsOf(textOf(await discover(session, { query: "message", backend_name: "slack" })));
    expect(inSlack.length).to.be.greaterThan(0);
    expect(inSlack.every((hit) => hit.startsWith("slack/"))).to.equal(true);

    // Each hit once, even when a word matches a tool in several fields.
    const hits = hitsOf(textOf(await discover(session, { query: "pull request review" })));
    expect(new Set(hits).size).to.equal(hits.length);
  });

  it("answers an empty or absurd query with the overview and what to try", async () => {
    const session = await startRecorded();
    const empty = await discover(session, { query: "   " });
    expect(empty.isError).to.not.equal(true);
    expect(textOf(empty))
      .to.match(/^The query was empty/)
      .and.to.include("## github (ready");
    const absurd = await discover(session, { query: "qwxzvbnm plorfk" });
    expect(absurd.isError).to.not.equal(true);
    expect(textOf(absurd))
      .to.match(/^No tool in 9 backends matches "qwxzvbnm plorfk"\. Try other words/)
      .and.to.include("## gdrive (ready");
  });

  it("gives exactly the named tools' definitions and names the missing ones with the closest", async () => {
    const session = await startRecorded(1, "github");
    const result = await discover(session, {
      backend_name: "github",
      tool_names: ["get_issue", "create_issue", "create_isue"],
    });
    expect(result.isError).to.not.equal(true);
    const text = textOf(result);
    expect([...text.matchAll(/^### (\S+)/gm)].map((match) => match[1])).to.deep.equal([
      "get_issue",
      "create_issue",
    ]);
    expect(text).to.include('No tool "create_isue" in "github". Did you mean "create_issue"?');
    const schema = JSON.parse(/^input schema: (.*)$/m.exec(text.split("### create_issue")[1]!)![1]!);
    expect(schema.required).to.include.members(["owner", "repo", "title"]);
    expect(schema).to.not.have.property("$schema");
    // Compact: one line per schema.
    expect(text).to.not.match(/^\s+"/m);

    const none = await discover(session, { backend_name: "github", tool_names: ["no_such_tool"] });
    expect(none.isError).to.equal(true);
    expect(textOf(none)).to.include('No tool "no_such_tool" in "github"');
    const noBackend = await discover(session, { tool_names: ["create_issue"] });
    expect(noBackend.isError).to.equal(true);
    expect(textOf(noBackend)).to.include("tool_names needs backend_name");
    const wrongType = await discover(session, { backend_name: "github", tool_names: [3] });
    expect(wrongType.isError).to.equal(true);
    expect(textOf(wrongType)).to.include("tool_names must be a list of tool names");
  });

  it("keeps the overview of 30 backends within its token budget, summarising them", async () => {
    const session = await startRecorded(30);
    const text = textOf(await discover(session, {}));
    expect(countTokens(text)).to.be.at.most(OVERVIEW_TOKEN_BUDGET);
    expect(text).to.include(`Summarised to fit ${OVERVIEW_TOKEN_BUDGET} tokens`);
    expect(text).to.include('"query"');
    // Every backend is named, with its tool count; the 26 tools of github are summarised by a few names.
    for (const name of ["github", "gdrive", "brave-search4", "filesystem4"])
      expect(text).to.include(`## ${name} (`);
    expect(text).to.match(/^## github \(ready, 26 tools\): recorded github tools$/m);
    expect(text).to.match(/^create_or_update_file, search_repositories, .*, … \(\+21\)$/m);
  });
});
