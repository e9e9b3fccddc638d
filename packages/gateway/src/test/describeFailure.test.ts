import { expect } from "chai";
import { BackendError, BackendErrorCode } from "@mcpware/backend-pool";
import { ProtocolError } from "@mcpware/protocol";
import { describeFailure, errorResult, formatSeconds } from "../describeFailure.js";
import { createRedactor } from "../redactor.js";

const context = {
  backend: "github",
  timeoutMs: 30_000,
  action: 'calling tool "search"',
  redactor: createRedactor(["ghp_secret_token_value"]),
};

describe("describeFailure", () => {
  it("states a timeout in seconds", () => {
    const error = new BackendError(BackendErrorCode.Timeout, "timed out", {
      backend: "github",
      elapsedMs: 30_004,
    });
    expect(describeFailure(error, context)).to.include('backend "github" timed out after 30 s');
  });

  it("gives the exit code and the last stderr lines of a backend that exited", () => {
    const error = new BackendError(BackendErrorCode.Exited, "exited", {
      exitCode: 1,
      signal: null,
      stderrTail: ["starting", "fatal: bad credentials"],
    });
    const text = describeFailure(error, context);
    expect(text).to.include("exited with code 1").and.to.include("  fatal: bad credentials");
  });

  it("names the signal of a backend that was killed", () => {
    const error = new BackendError(BackendErrorCode.Exited, "exited", { exitCode: null, signal: "SIGKILL" });
    expect(describeFailure(error, context)).to.include("was killed by signal SIGKILL");
  });

  it("explains a start failure with the spawn error code", () => {
    const cause = Object.assign(new Error("spawn x ENOENT"), { code: "ENOENT", path: "x" });
    const error = new BackendError(BackendErrorCode.Spawn, "spawn failed", { cause });
    expect(describeFailure(error, context)).to.include("failed to start").and.to.include("ENOENT x");
  });

  it("quotes the backend's own JSON-RPC error", () => {
    const cause = new ProtocolError(-32602, "Unknown tool: search");
    const error = new BackendError(BackendErrorCode.Remote, "remote", { cause });
    expect(describeFailure(error, context)).to.include("Unknown tool: search (JSON-RPC error -32602)");
  });

  it("covers every backend error code with its own text", () => {
    const texts = new Set(
      Object.values(BackendErrorCode).map((code) =>
        describeFailure(new BackendError(code, `generic ${code}`), context),
      ),
    );
    expect(texts.size).to.equal(Object.values(BackendErrorCode).length);
  });

  it("masks secrets in everything it quotes", () => {
    const error = new BackendError(BackendErrorCode.Exited, "exited", {
      exitCode: 2,
      stderrTail: ["token=ghp_secret_token_value rejected"],
    });
    const text = describeFailure(error, context);
    expect(text).to.include("token=*** rejected").and.not.to.include("ghp_secret_token_value");
    expect(describeFailure(new Error("ghp_secret_token_value"), context)).to.not.include("ghp_secret");
  });

  it("wraps a message as an isError tool result", () => {
    expect(errorResult("nope")).to.deep.equal({ content: [{ type: "text", text: "nope" }], isError: true });
  });

  it("formats whole and fractional seconds", () => {
    expect(formatSeconds(55_000)).to.equal("55");
    expect(formatSeconds(1_500)).to.equal("1.5");
  });
});
