import { expect } from "chai";
import { ErrorCode, ProtocolError, toProtocolError } from "../errors.js";

describe("errors", () => {
  it("names the JSON-RPC and MCP codes with their wire values", () => {
    expect(ErrorCode).to.deep.equal({
      ParseError: -32700,
      InvalidRequest: -32600,
      MethodNotFound: -32601,
      InvalidParams: -32602,
      InternalError: -32603,
      ResourceNotFound: -32002,
      UrlElicitationRequired: -32042,
      MissingRequiredClientCapability: -32021,
      UnsupportedProtocolVersion: -32022,
    });
  });

  it("serializes a ProtocolError to a JSON-RPC error object, omitting undefined data", () => {
    expect(new ProtocolError(-32602, "bad", { field: "x" }).toJSON()).to.deep.equal({
      code: -32602,
      message: "bad",
      data: { field: "x" },
    });
    expect(JSON.stringify(new ProtocolError(-32601, "nope"))).to.equal('{"code":-32601,"message":"nope"}');
  });

  it("keeps the cause and refuses a code that is not an integer", () => {
    const cause = new Error("root");
    expect(new ProtocolError(-32603, "wrapped", undefined, { cause }).cause).to.equal(cause);
    expect(() => new ProtocolError(1.5, "x")).to.throw(TypeError, /integer/);
    expect(() => new ProtocolError(Number.NaN, "x")).to.throw(TypeError);
  });

  it("turns any failure into a wire error: a ProtocolError as it is, whatever its code, anything else as -32603", () => {
    const kept = new ProtocolError(-32602, "bad params", { a: 1 });
    expect(toProtocolError(kept)).to.equal(kept);
    // No code is private any more: what a handler chose goes out unchanged.
    const chosen = new ProtocolError(-32099, "server-defined", { b: 2 });
    expect(toProtocolError(chosen)).to.equal(chosen);
    const plain = new Error("disk full");
    const wrapped = toProtocolError(plain);
    expect(wrapped.toJSON()).to.deep.equal({ code: -32603, message: "disk full" });
    expect(wrapped.cause).to.equal(plain);
    expect(toProtocolError("a string").code).to.equal(-32603);
    expect(toProtocolError(new Error("")).message).to.equal("Internal error");
  });
});
