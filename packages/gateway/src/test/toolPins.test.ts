import { expect } from "chai";
import { readFile, writeFile } from "node:fs/promises";
import { backends, textOf, useHarness, useToolRequest, runCli } from "./helpers/e2e.js";
import type { CliOutcome } from "./helpers/e2e.js";

const mcpware = (args: string[]): Promise<CliOutcome> => runCli(args);

describe("tool-definition pinning (end to end)", function () {
  this.timeout(120_000);
  const harness = useHarness();

  /** The config of one relay fixture whose `capabilities` tool has description variant `variant`. */
  function config(variant: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const relay = backends.relay("a");
    return { ...extra, backends: { a: { ...relay, args: [...relay.args, "--variant", variant] } } };
  }

  async function discover(session: Awaited<ReturnType<typeof harness.start>>): Promise<string> {
    return textOf(
      await session.client.callTool({ name: "discover_backend_tools", arguments: { backend_name: "a" } }),
    );
  }

  it("blocks a tool whose description changed between two runs, shows the change, and calls it once accepted", async () => {
    const dir = await harness.temp();
    const file = await dir.writeJson("config.json", config("1"));
    // The same config file both times: the pins belong to the file.
    let session = await harness.startFile(file);
    expect(await discover(session)).to.not.include("blocked");
    await session.close();

    await dir.writeJson("config.json", config("2"));
    session = await harness.startFile(file);
    const text = await discover(session);
    expect(text).to.match(
      /### capabilities\nnote: blocked: the definition of tool "capabilities" on backend "a" changed since it was pinned on .* \(description\)/,
    );
    // The changed text itself never reaches the model while the tool is blocked.
    expect(text).to.not.include("(variant 2)");
    const call = await session.client.callTool(useToolRequest("a", "capabilities"));
    expect(call.isError).to.equal(true);
    expect(textOf(call)).to.include(
      'the definition of tool "capabilities" on backend "a" changed since it was pinned',
    );
    expect(textOf(call)).to.include("mcpware pins accept a capabilities");
    // Every other tool of the backend still works.
    expect(textOf(await session.client.callTool(useToolRequest("a", "log", { level: "info" })))).to.equal(
      "sent 1",
    );
    await session.close();

    const doctor = await mcpware(["doctor", "--config", file]);
    expect(doctor.stdout).to.match(
      /✗ +pin a\/capabilities +changed since it was pinned on .* \(description; seen/,
    );

    const listed = await mcpware(["pins", "--config", file]);
    expect(listed.code, listed.stderr).to.equal(1);
    expect(listed.stdout).to.include("a/capabilities changed since it was pinned");
    expect(listed.stdout).to.include(
      '-  "description": "The client capabilities this server was given. (variant 1)",',
    );
    expect(listed.stdout).to.include(
      '+  "description": "The client capabilities this server was given. (variant 2)",',
    );

    const running = await harness.startFile(file);
    expect((await running.client.callTool(useToolRequest("a", "capabilities"))).isError).to.equal(true);

    const accepted = await mcpware(["pins", "accept", "a", "capabilities", "--config", file]);
    expect(accepted.code, accepted.stderr).to.equal(0);
    expect(accepted.stdout).to.include("accepted a/capabilities");
    expect((await mcpware(["pins", "--config", file])).code).to.equal(0);
    expect((await mcpware(["doctor", "--config", file])).stdout).to.match(
      /✓ +pins +\d+ tools pinned, no change seen/,
    );

    // A gateway that was running meanwhile honours the acceptance at once.
    expect((await running.client.callTool(useToolRequest("a", "capabilities"))).isError).to.not.equal(true);
    session = await harness.startFile(file);
    const after = await session.client.callTool(useToolRequest("a", "capabilities"));
    expect(after.isError).to.not.equal(true);
  });

  it('only warns under "pinning": "warn"', async () => {
    const dir = await harness.temp();
    const file = await dir.writeJson("config.json", config("1", { pinning: "warn" }));
    let session = await harness.startFile(file);
    await discover(session);
    await session.close();
    await dir.writeJson("config.json", config("2", { pinning: "warn" }));
    session = await harness.startFile(file);
    expect(await discover(session)).to.include("note: warning: its definition changed since it was pinned");
    const call = await session.client.callTool(useToolRequest("a", "capabilities"));
    expect(call.isError).to.not.equal(true);
    expect(session.stderr()).to.include('the definition of tool "capabilities" on backend "a" changed');
  });

  it("fails closed when the pins file is damaged: no tool of the backend can be called", async () => {
    const dir = await harness.temp();
    const file = await dir.writeJson("config.json", config("1"));
    let session = await harness.startFile(file);
    await discover(session);
    await session.close();
    const pins = (await mcpware(["pins", "--config", file])).stdout.split("\n")[0]!.replace("pins: ", "");
    await writeFile(pins, '{"backends": {"a": {"capab');
    session = await harness.startFile(file);
    const call = await session.client.callTool(useToolRequest("a", "capabilities"));
    expect(call.isError).to.equal(true);
    expect(textOf(call))
      .to.include("the tool pins cannot be read or written")
      .and.include("is not valid JSON");
    expect(await readFile(pins, "utf8")).to.equal('{"backends": {"a": {"capab');
  });
});
