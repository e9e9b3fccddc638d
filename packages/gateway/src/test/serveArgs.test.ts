import { expect } from "chai";
import { DEFAULT_CONFIG_FILE } from "../loadConfig.js";
import { parseServeArgs } from "../serveArgs.js";

describe("parseServeArgs", () => {
  it("reads a plain serve command line in either option form, with or without the command name", () => {
    const expected = { configPath: "a.json", envFile: "b.env", logLevel: "debug" };
    expect(
      parseServeArgs(["--config", "a.json", "--env-file", "b.env", "--log-level", "debug"], {}),
    ).to.deep.equal(expected);
    expect(
      parseServeArgs(["serve", "-c", "a.json", "--env-file=b.env", "--log-level=debug"], {}),
    ).to.deep.equal(expected);
  });

  it("fills the defaults of the yargs definition: $MCPWARE_CONFIG, then the default file, and level info", () => {
    expect(parseServeArgs([], { MCPWARE_CONFIG: "env.json" })).to.deep.equal({
      configPath: "env.json",
      envFile: undefined,
      logLevel: "info",
    });
    expect(parseServeArgs(["serve"], {})).to.deep.equal({
      configPath: DEFAULT_CONFIG_FILE,
      envFile: undefined,
      logLevel: "info",
    });
  });

  it("leaves every other command line to yargs", () => {
    const others = [
      ["--help"],
      ["-V"],
      ["validate"],
      ["tools", "x"],
      ["serve", "extra"],
      ["--config"],
      ["--config", ""],
      ["--config", "--log-level"],
      ["--config", "a", "--config", "b"],
      ["-c", "a", "--config=b"],
      ["--log-level", "loud"],
      ["--unknown", "x"],
      ["--config", "a", "stray"],
      ["-c=a"],
    ];
    for (const args of others) expect(parseServeArgs(args, {}), args.join(" ")).to.equal(undefined);
  });
});
