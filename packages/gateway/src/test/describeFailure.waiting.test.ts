import { expect } from "chai";
import { BackendError, BackendErrorCode } from "@mcpware/backend-pool";
import type { RequestErrorFields } from "@mcpware/protocol";
import { RequestError, RequestErrorCode } from "@mcpware/protocol";
import { describeFailure } from "../describeFailure.js";
import { createRedactor } from "../redactor.js";

const SECRET = "ghp_secret_token_value";

const context = {
  backend: "github",
  timeoutMs: 30_000,
  action: 'calling tool "search"',
  redactor: createRedactor([SECRET]),
};

/** ERR_BACKEND_TIMEOUT as the pool makes it: the connection's ERR_REQUEST_TIMEOUT as its cause. */
function timeoutWithCause(elapsedMs: number, fields: RequestErrorFields): BackendError {
  const cause = new RequestError(RequestErrorCode.Timeout, "Request tools/call timed out", {
    method: "tools/call",
    timeoutMs: context.timeoutMs,
    elapsedMs,
    ...fields,
  });
  return new BackendError(BackendErrorCode.Timeout, "timed out", {
    backend: "github",
    method: "tools/call",
    elapsedMs,
    cause,
  });
}

describe("describeFailure: a timeout with time spent waiting for the client", () => {
  describe("the request deadline passed", () => {
    it("says the time waiting for the client did not count against the timeout", () => {
      const text = describeFailure(timeoutWithCause(42_400, { waitedMs: 12_340 }), context);
      expect(text).to.equal(
        'backend "github" timed out after 42.4 s (its timeout is 30 s; the 12.3 s waiting for the client did not ' +
          'count) while calling tool "search"; the request was cancelled. Try again, or with a smaller request.',
      );
    });

    it("names the timeout and the waiting even when the elapsed time equals the timeout", () => {
      const text = describeFailure(timeoutWithCause(30_000, { waitedMs: 5_000 }), context);
      expect(text).to.include('backend "github" timed out after 30 s (its timeout is 30 s; ');
      expect(text).to.include("the 5 s waiting for the client did not count)");
    });

    it("rounds the waiting to a tenth of a second", () => {
      const text = describeFailure(timeoutWithCause(31_000, { waitedMs: 1_049 }), context);
      expect(text).to.include("the 1 s waiting for the client did not count");
      const other = describeFailure(timeoutWithCause(31_000, { waitedMs: 1_050 }), context);
      expect(other).to.include("the 1.1 s waiting for the client did not count");
    });

    it("says nothing about waiting when there was none", () => {
      for (const fields of [{ waitedMs: 0 }, {}]) {
        const text = describeFailure(timeoutWithCause(30_000, fields), context);
        expect(text).to.equal(
          'backend "github" timed out after 30 s while calling tool "search"; the request was cancelled. ' +
            "Try again, or with a smaller request.",
        );
      }
    });

    it("uses the waiting of a RequestError cause only", () => {
      const cause = Object.assign(new Error("not a RequestError"), { waitedMs: 9_000, maxTotalMs: 60_000 });
      const error = new BackendError(BackendErrorCode.Timeout, "timed out", { elapsedMs: 30_000, cause });
      const text = describeFailure(error, context);
      expect(text).to.not.include("waiting").and.not.include("maxCallDuration");
      expect(text).to.include('backend "github" timed out after 30 s while');
    });
  });

  describe("the call's maxCallDuration passed", () => {
    it("names maxCallDuration in seconds and the time of it spent waiting for the client", () => {
      const error = timeoutWithCause(600_000, { maxTotalMs: 600_000, waitedMs: 570_000 });
      expect(describeFailure(error, context)).to.equal(
        'backend "github" took longer than the most a call may take, 600 s (its maxCallDuration, 570 s of it ' +
          'waiting for the client), while calling tool "search"; the request was cancelled.',
      );
    });

    it("leaves the waiting out when there was none", () => {
      const error = timeoutWithCause(90_500, { maxTotalMs: 90_500, waitedMs: 0 });
      expect(describeFailure(error, context)).to.equal(
        'backend "github" took longer than the most a call may take, 90.5 s (its maxCallDuration), while ' +
          'calling tool "search"; the request was cancelled.',
      );
    });

    it("rounds the waiting to a tenth of a second", () => {
      const error = timeoutWithCause(120_000, { maxTotalMs: 120_000, waitedMs: 44_449 });
      expect(describeFailure(error, context)).to.include(
        "(its maxCallDuration, 44.4 s of it waiting for the client)",
      );
    });

    it("is not the text of the request deadline", () => {
      const text = describeFailure(
        timeoutWithCause(600_000, { maxTotalMs: 600_000, waitedMs: 1_000 }),
        context,
      );
      expect(text).to.not.include("timed out after").and.not.include("its timeout is");
    });

    it("masks secrets in the text", () => {
      const error = timeoutWithCause(60_000, { maxTotalMs: 60_000, waitedMs: 30_000 });
      const text = describeFailure(error, { ...context, action: `calling tool "search" with ${SECRET}` });
      expect(text).to.include("its maxCallDuration").and.not.include(SECRET);
    });
  });
});
