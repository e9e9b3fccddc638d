import { expect } from "chai";
import { backends, textOf, useHarness, useToolRequest, runCli } from "./helpers/e2e.js";
import type { CliOutcome } from "./helpers/e2e.js";

/** The CLI with only errors logged. */
const mcpware = (args: string[]): Promise<CliOutcome> => runCli([...args, "--log-level", "error"]);

const FIXTURE_LINE = "fixture: cannot start: missing configuration";
const REPEATED_LINE = "boom: TOKEN is not set";

/** A backend that prints the same line three times to stderr and exits with 1 before answering anything. */
const repeatsItself = {
  command: process.execPath,
  args: ["-e", `for (let i = 0; i < 3; i++) console.error("${REPEATED_LINE}"); process.exit(1)`],
};

/** The stderr tail of `repeatsItself`: its line once, counted over one run, or two when the first ended on the era probe. */
const RUNS_OF_REPEATED_LINE = new RegExp(`\nLast stderr lines:\n  ${REPEATED_LINE} \\(×(3|6)\\)\n`);

/** How many times `needle` occurs in `text`. */
function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe("error texts (end to end)", function () {
  this.timeout(60_000);
  const harness = useHarness();

  describe("a backend that dies while starting", () => {
    it("is reported to use_tool as failing while starting, before it could run the tool", async () => {
      const session = await harness.start({ backends: { f: backends.fixture(["--exit-at-start", "9"]) } });
      const text = textOf(await session.client.callTool(useToolRequest("f", "echo", { text: "x" })));
      expect(text).to.include(
        'backend "f" exited with code 9 while starting (before it could run tool "echo"); it will be started again',
      );
      expect(text).to.include(FIXTURE_LINE).and.not.include("while listing");
    });

    it("is reported to discover_backend_tools as failing before it could list its tools", async () => {
      const session = await harness.start({ backends: { f: backends.fixture(["--exit-at-start", "7"]) } });
      const result = await session.client.callTool({
        name: "discover_backend_tools",
        arguments: { backend_name: "f" },
      });
      expect(result.isError).to.equal(true);
      expect(textOf(result)).to.include("exited with code 7 while starting (before it could list its tools)");
    });

    it("is still reported as crashing while calling the tool when it exits mid-call", async () => {
      const session = await harness.start({ backends: { f: backends.fixture() } });
      const text = textOf(await session.client.callTool(useToolRequest("f", "crash", { code: 3 })));
      expect(text).to.include('exited with code 3 while calling tool "crash"').and.not.include("starting");
    });

    it("quotes a stderr line printed by every restart once, with a count", async () => {
      const session = await harness.start({ backends: { f: backends.fixture(["--exit-at-start", "4"]) } });
      let text = "";
      // Four runs: the first start exits on the era probe and is run once more without it (one restart, once),
      // then two more starts after the pool's backoff (about 1 s and 2 s): the stderr tail spans all four.
      for (let attempt = 0; attempt < 3; attempt += 1)
        text = textOf(await session.client.callTool(useToolRequest("f", "echo", { text: "x" })));
      expect(occurrences(text, FIXTURE_LINE), text).to.equal(1);
      expect(text).to.match(/fixture: cannot start: missing configuration \(argv: [^)]*\) \(×4\)$/m);
    });
  });

  describe("mcpware tools", () => {
    it("prints a failed backend's error in full below the table, with its stderr lines once", async () => {
      const dir = await harness.temp();
      const file = await dir.writeJson("config.json", {
        backends: {
          bad: repeatsItself,
          f: backends.fixture(["--exit-at-start", "1"]),
          ok: backends.fixture(),
        },
      });
      const result = await mcpware(["tools", "--config", file]);
      expect(result.code).to.equal(1);
      const [table, ...errors] = result.stdout.split("\n\n");
      expect(table).to.match(/^bad\s+crashed\s+-\s+-\s+\(error: see below\)$/m);
      expect(table).to.match(/^ok\s+ready\s+legacy \S+\s+echo\s/m);
      expect(errors.join("\n\n")).to.include(
        'backend "bad" exited with code 1 while starting (before it could list its tools)',
      );
      // Three lines a run; a run that ends during the era probe is run once more without it.
      expect(errors.join("\n\n")).to.match(RUNS_OF_REPEATED_LINE);
      expect(occurrences(result.stdout, REPEATED_LINE)).to.equal(1);
      expect(errors.join("\n\n")).to.match(
        /fixture: cannot start: missing configuration \(argv: [^)…]*\)( \(×2\))?\n/,
      );
      expect(result.stdout).to.not.include("…");
    });
  });

  describe("mcpware call", () => {
    it("says what to do in command line terms, while use_tool keeps speaking to the model", async () => {
      const dir = await harness.temp();
      const file = await dir.writeJson("config.json", { backends: { f: backends.fixture() } });
      const unknown = await mcpware(["call", "f", "ecko", "--config", file]);
      expect(unknown.code).to.equal(1);
      expect(unknown.stdout).to.equal("");
      expect(unknown.stderr).to.include(
        'mcpware: backend "f" has no tool "ecko". Did you mean "echo"? Run `mcpware tools f` to see its tools.',
      );
      const wrong = await mcpware(["call", "f", "echo", "--args", '{"text": 5}', "--config", file]);
      expect(wrong.code).to.equal(1);
      expect(wrong.stderr)
        .to.include('mcpware: --args do not match the input schema of tool "echo" on backend "f"')
        .and.to.include("Fix --args and run the command again:\n- --args.text: must be string");
      for (const text of [unknown.stderr, wrong.stderr])
        expect(text).to.not.match(/use_tool|discover_backend_tools|tool_arguments/);

      const session = await harness.start({ backends: { f: backends.fixture() } });
      expect(textOf(await session.client.callTool(useToolRequest("f", "ecko")))).to.include(
        'Call discover_backend_tools with backend_name "f" for the full list.',
      );
      expect(textOf(await session.client.callTool(useToolRequest("f", "echo", { text: 5 })))).to.include(
        "Fix tool_arguments and call use_tool again:\n- tool_arguments.text: must be string",
      );
    });

    it("reports a backend that dies while starting on stderr, with its stderr lines once", async () => {
      const dir = await harness.temp();
      const file = await dir.writeJson("config.json", { backends: { bad: repeatsItself } });
      const result = await mcpware(["call", "bad", "echo", "--config", file]);
      expect(result.code).to.equal(1);
      expect(result.stdout).to.equal("");
      expect(result.stderr).to.include(
        'mcpware: backend "bad" exited with code 1 while starting (before it could run tool "echo")',
      );
      expect(result.stderr).to.match(RUNS_OF_REPEATED_LINE);
      expect(occurrences(result.stderr, REPEATED_LINE)).to.equal(1);
    });

    it("prints a tool's own error result on stdout, marked as the tool's", async () => {
      const dir = await harness.temp();
      const file = await dir.writeJson("config.json", { backends: { r: backends.relay("r") } });
      // Nothing answers the backend's roots request in the CLI: the tool returns an isError result of its own.
      const result = await mcpware(["call", "r", "ask", "--args", '{"kind": "roots"}', "--config", file]);
      expect(result.code).to.equal(1);
      expect(result.stdout).to.match(/^\(the tool reported an error\)\nask failed: /);
      expect(result.stderr).to.not.include("mcpware:");
    });
  });
});
