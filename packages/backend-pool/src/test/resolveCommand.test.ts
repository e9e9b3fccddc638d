import { expect } from "chai";
import { findWindowsExecutable, quoteForCmd, resolveCommand } from "../resolveCommand.js";

const windowsEnv = {
  PATH: "C:\\nodejs;C:\\Windows\\System32",
  PATHEXT: ".COM;.EXE;.BAT;.CMD",
  ComSpec: "C:\\Windows\\System32\\cmd.exe",
};
const files = new Set(["C:\\nodejs\\npx.cmd", "C:\\nodejs\\node.exe", "C:\\Windows\\System32\\where.exe"]);
const exists = (file: string): boolean => files.has(file);

describe("resolveCommand", () => {
  it("is the identity on POSIX", () => {
    expect(resolveCommand("npx", ["-y", "pkg"], { platform: "linux" })).to.deep.equal({
      file: "npx",
      args: ["-y", "pkg"],
      windowsVerbatimArguments: false,
    });
  });

  it("finds a Windows command through PATH and PATHEXT", () => {
    expect(findWindowsExecutable("node", { env: windowsEnv, cwd: "C:\\work", exists })).to.equal(
      "C:\\nodejs\\node.exe",
    );
    expect(findWindowsExecutable("missing", { env: windowsEnv, cwd: "C:\\work", exists })).to.equal(
      undefined,
    );
  });

  it("runs a Windows .exe directly", () => {
    const resolved = resolveCommand("node", ["server.js"], {
      platform: "win32",
      env: windowsEnv,
      cwd: "C:\\work",
      exists,
    });
    expect(resolved).to.deep.equal({
      file: "C:\\nodejs\\node.exe",
      args: ["server.js"],
      windowsVerbatimArguments: false,
    });
  });

  it("runs a .cmd shim such as npx through cmd.exe with every argument quoted and escaped", () => {
    const resolved = resolveCommand("npx", ["-y", "a&calc", 'say "hi"'], {
      platform: "win32",
      env: windowsEnv,
      cwd: "C:\\work",
      exists,
    });
    expect(resolved.file).to.equal("C:\\Windows\\System32\\cmd.exe");
    expect(resolved.windowsVerbatimArguments).to.equal(true);
    expect(resolved.args.slice(0, 3)).to.deep.equal(["/d", "/s", "/c"]);
    const line = resolved.args[3]!;
    expect(line.startsWith('"C:\\nodejs\\npx.cmd ')).to.equal(true);
    // No bare metacharacter survives: each & or quote is caret-escaped.
    expect(line).to.not.match(/[^^]&/);
    expect(quoteForCmd("a&b", false)).to.equal('^"a^&b^"');
  });
});
