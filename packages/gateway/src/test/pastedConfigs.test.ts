import { expect } from "chai";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { IGNORED_KEYS_WARNING } from "../clientConfigKeys.js";
import { REMOTE_UNSUPPORTED } from "../resolveConfig.js";
import type { ClientConfigFixture } from "./helpers/clientConfigs.js";
import { CLIENT_CONFIG_FIXTURES, readFixture } from "./helpers/clientConfigs.js";
import { TEST_SERVER, parseOverview, textOf, useHarness, useToolRequest, waitFor } from "./helpers/e2e.js";

/**
 * A client's file as it is, except that each runnable server runs the fixture server (its other keys, the
 * client's own included, are kept). The folder gets what the entries refer to: their `cwd` and `notes.env`.
 */
async function pasteable(
  fixture: ClientConfigFixture,
  dir: string,
  extraArgs: string[] = [],
): Promise<unknown> {
  const document = await readFixture(fixture);
  const servers = document[fixture.shape] as Record<string, Record<string, unknown>>;
  for (const name of fixture.runnable) {
    const entry = servers[name]!;
    entry.command = process.execPath;
    entry.args = [TEST_SERVER, ...extraArgs];
    if (typeof entry.cwd === "string") await mkdir(path.join(dir, entry.cwd), { recursive: true });
  }
  await writeFile(path.join(dir, "notes.env"), "NOTES_TOKEN=pasted-notes-token\n");
  return document;
}

describe("serving a pasted client config", function () {
  this.timeout(60_000);
  const harness = useHarness();

  for (const fixture of CLIENT_CONFIG_FIXTURES) {
    it(`serves ${fixture.client}'s file: local servers answer, the remote one is unavailable`, async () => {
      const dir = await harness.temp();
      const session = await harness.start(await pasteable(fixture, dir.path));
      for (const name of fixture.runnable) {
        const result = await session.client.callTool(useToolRequest(name, "echo", { text: `from ${name}` }));
        expect(textOf(result), name).to.equal(`from ${name}`);
      }
      const discovery = await session.client.callTool({ name: "discover_backend_tools", arguments: {} });
      const listed = parseOverview(textOf(discovery));
      const remote = listed.find((backend) => backend.name === fixture.remote);
      expect(remote?.state).to.equal("unavailable");
      expect(remote?.error).to.include(REMOTE_UNSUPPORTED);
      for (const name of fixture.disabled) expect(listed.map((backend) => backend.name)).to.not.include(name);
      if (fixture.ignoredKeys.length > 0) {
        const warning = `${IGNORED_KEYS_WARNING} ${fixture.ignoredKeys.join(", ")}`;
        expect(await waitFor(() => session.stderr().includes(warning)), session.stderr()).to.equal(true);
      }
    });
  }

  it("passes a VS Code envFile's variables to the backend", async () => {
    const fixture = CLIENT_CONFIG_FIXTURES.find((candidate) => candidate.client === "VS Code")!;
    const dir = await harness.temp();
    const document = await pasteable(fixture, dir.path, ["--stderr-env", "NOTES_TOKEN"]);
    const session = await harness.start(document, { args: ["--log-level", "debug"] });
    const result = await session.client.callTool(useToolRequest("notes", "echo", { text: "hi" }));
    expect(textOf(result)).to.equal("hi");
    // The value is a secret: the log shows it was set, masked.
    expect(await waitFor(() => /env NOTES_TOKEN=\*\*\*/.test(session.stderr())), session.stderr()).to.equal(
      true,
    );
    expect(session.stderr()).to.not.include("pasted-notes-token");
  });
});
