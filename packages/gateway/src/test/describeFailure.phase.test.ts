import { expect } from "chai";
import { BackendError, BackendErrorCode } from "@mcpware/backend-pool";
import { describeFailure, isStartFailure, STDERR_LINES_IN_ERRORS } from "../describeFailure.js";
import { createRedactor } from "../redactor.js";

const context = {
  backend: "github",
  timeoutMs: 30_000,
  action: "listing its tools",
  purpose: "list its tools",
  redactor: createRedactor(["ghp_secret_token_value"]),
};

function exited(method: string, stderrTail: string[]): BackendError {
  return new BackendError(BackendErrorCode.Exited, "exited", {
    method,
    exitCode: 1,
    signal: null,
    stderrTail,
  });
}

describe("describeFailure: the phase a backend failed in", () => {
  it("says a backend that exited during the handshake did so while starting, before it could do the request", () => {
    expect(describeFailure(exited("initialize", ["fatal: bad credentials"]), context)).to.equal(
      'backend "github" exited with code 1 while starting (before it could list its tools); it will be started ' +
        "again on the next request.\nLast stderr lines:\n  fatal: bad credentials",
    );
  });

  it("says what the request was doing when the backend exited after it started", () => {
    const text = describeFailure(exited("tools/call", []), {
      ...context,
      action: 'calling tool "search"',
      purpose: 'run tool "search"',
    });
    expect(text).to.equal(
      'backend "github" exited with code 1 while calling tool "search"; it will be restarted on the next request. ' +
        "It wrote nothing to stderr.",
    );
  });

  it("leaves out what the request was for when the caller does not say", () => {
    const text = describeFailure(exited("initialize", []), { ...context, purpose: undefined });
    expect(text).to.match(/^backend "github" exited with code 1 while starting; /);
  });

  it("says a command that could not be run failed to start, without claiming it wrote nothing", () => {
    const cause = Object.assign(new Error("spawn gh ENOENT"), { code: "ENOENT", path: "gh" });
    const text = describeFailure(
      new BackendError(BackendErrorCode.Spawn, "spawn failed", { cause }),
      context,
    );
    expect(text).to.include('backend "github" failed to start').and.to.include("mcpware validate");
    expect(text).to.not.include("while listing").and.not.include("wrote nothing");
  });

  it("counts spawn, start timeout, refused initialize and an exit in the handshake as start failures", () => {
    const codes = [
      BackendErrorCode.Spawn,
      BackendErrorCode.StartTimeout,
      BackendErrorCode.Initialize,
      BackendErrorCode.Failed,
    ];
    for (const code of codes)
      expect(isStartFailure(new BackendError(code, "x", { method: "initialize" })), code).to.equal(true);
    expect(isStartFailure(exited("initialize", []))).to.equal(true);
    expect(isStartFailure(exited("tools/list", []))).to.equal(false);
    expect(
      isStartFailure(new BackendError(BackendErrorCode.Timeout, "x", { method: "tools/list" })),
    ).to.equal(false);
    expect(isStartFailure(new Error("x"))).to.equal(false);
  });
});

describe("describeFailure: repeated stderr lines", () => {
  it("quotes a line printed by each restart once, with how often it came", () => {
    const tail = ["starting", "fatal: bad credentials", "starting", "fatal: bad credentials", "starting"];
    const text = describeFailure(exited("initialize", [...tail, "fatal: bad credentials"]), context);
    expect(text).to.match(/\nLast stderr lines:\n {2}starting \(×3\)\n {2}fatal: bad credentials \(×3\)$/);
    expect(text.split("fatal: bad credentials")).to.have.length(2);
  });

  it("leaves lines that came once as they are", () => {
    const text = describeFailure(exited("initialize", ["one", "two"]), context);
    expect(text).to.match(/\n {2}one\n {2}two$/);
    expect(text).to.not.include("×");
  });

  it("keeps the newest distinct lines when there are more than it quotes", () => {
    const lines = Array.from({ length: STDERR_LINES_IN_ERRORS + 5 }, (_, index) => `line ${index}`);
    const text = describeFailure(exited("initialize", [...lines, ...lines]), context);
    expect(text).to.not.match(/line 4\b/);
    expect(text)
      .to.include("  line 5 (×2)")
      .and.to.include(`  line ${STDERR_LINES_IN_ERRORS + 4} (×2)`);
  });

  it("masks secrets in a counted line", () => {
    const line = "token=ghp_secret_token_value rejected";
    const text = describeFailure(exited("initialize", [line, line]), context);
    expect(text).to.include("  token=*** rejected (×2)").and.not.include("ghp_secret");
  });
});
