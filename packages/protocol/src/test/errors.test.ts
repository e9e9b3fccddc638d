import { expect } from "chai";
import {
  ErrorCode,
  ProtocolError,
  isPrivateErrorCode,
  toProtocolError,
  toPublicErrorCode,
} from "../errors.js";

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
      ConnectionClosed: -32000,
      RequestTimeout: -32001,
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

  it("treats -32096…-32099 and -32800 as private and maps them (and non-integers) to -32603", () => {
    for (const code of [-32096, -32097, -32098, -32099, -32800]) {
      expect(isPrivateErrorCode(code)).to.equal(true);
      expect(toPublicErrorCode(code)).to.equal(ErrorCode.InternalError);
    }
    for (const code of [-32000, -32001, -32002, -32042, -32095, -32100, -32600, -32700, 1, 0]) {
      expect(isPrivateErrorCode(code)).to.equal(false);
      expect(toPublicErrorCode(code)).to.equal(code);
    }
    for (const code of ["-32600", 1.5, null, undefined, Number.NaN]) {
      expect(toPublicErrorCode(code)).to.equal(ErrorCode.InternalError);
    }
  });

  it("turns any failure into a wire error: ProtocolErrors kept, private codes and plain errors as -32603", () => {
    const kept = new ProtocolError(-32602, "bad params", { a: 1 });
    expect(toProtocolError(kept)).to.equal(kept);
    const mapped = toProtocolError(new ProtocolError(-32099, "write failed", { b: 2 }));
    expect(mapped.toJSON()).to.deep.equal({ code: -32603, message: "write failed", data: { b: 2 } });
    const plain = new Error("disk full");
    const wrapped = toProtocolError(plain);
    expect(wrapped.toJSON()).to.deep.equal({ code: -32603, message: "disk full" });
    expect(wrapped.cause).to.equal(plain);
    expect(toProtocolError("a string").code).to.equal(-32603);
  });
});
