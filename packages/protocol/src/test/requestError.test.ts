import { expect } from "chai";
import { ProtocolError } from "../errors.js";
import { closedError, isRequestError, RequestError, RequestErrorCode } from "../requestError.js";

describe("RequestError", () => {
  it("names each local failure of a request with a string code", () => {
    expect(RequestErrorCode).to.deep.equal({
      Timeout: "ERR_REQUEST_TIMEOUT",
      Aborted: "ERR_REQUEST_ABORTED",
      Cancelled: "ERR_REQUEST_CANCELLED",
      ConnectionClosed: "ERR_CONNECTION_CLOSED",
      WriteFailed: "ERR_WRITE_FAILED",
      ReplyTooLarge: "ERR_REPLY_TOO_LARGE",
      Unserializable: "ERR_MESSAGE_UNSERIALIZABLE",
    });
  });

  it("carries its facts and its cause", () => {
    const cause = new Error("root");
    const error = new RequestError(RequestErrorCode.Timeout, "timed out", {
      method: "tools/call",
      timeoutMs: 20,
      elapsedMs: 21,
      cause,
    });
    expect(error).to.be.instanceOf(Error);
    expect(error).to.not.be.instanceOf(ProtocolError);
    expect(error).to.include({
      name: "RequestError",
      code: "ERR_REQUEST_TIMEOUT",
      method: "tools/call",
      timeoutMs: 20,
      elapsedMs: 21,
      byteLength: undefined,
      peerReason: undefined,
    });
    expect(error.cause).to.equal(cause);
    expect(new RequestError(RequestErrorCode.Aborted, "x")).to.not.have.property("cause");
  });

  it("tells a RequestError apart, by code when one is given", () => {
    const error = new RequestError(RequestErrorCode.ReplyTooLarge, "too large", { byteLength: 10 });
    expect(isRequestError(error)).to.equal(true);
    expect(isRequestError(error, RequestErrorCode.ReplyTooLarge)).to.equal(true);
    expect(isRequestError(error, RequestErrorCode.Timeout)).to.equal(false);
    expect(isRequestError(new ProtocolError(-32603, "x"))).to.equal(false);
    expect(isRequestError({ code: "ERR_REQUEST_TIMEOUT" })).to.equal(false);
  });

  it("makes ERR_CONNECTION_CLOSED with the method that got no reply and the cause", () => {
    const cause = new Error("EPIPE");
    const error = closedError("ping", cause);
    expect(error).to.include({ code: RequestErrorCode.ConnectionClosed, method: "ping" });
    expect(error.cause).to.equal(cause);
    expect(closedError(undefined).method).to.equal(undefined);
  });
});
