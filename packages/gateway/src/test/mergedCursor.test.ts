import { expect } from "chai";
import { ErrorCode, ProtocolError } from "@mcpware/protocol";
import { decodeCursor, encodeCursor } from "../mergedCursor.js";

const BACKENDS = new Set(["alpha", "beta"]);

function invalid(run: () => unknown): ProtocolError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(ProtocolError);
    return error as ProtocolError;
  }
  throw new Error("expected a ProtocolError");
}

describe("merged cursors", () => {
  it("point back at the backend, its own cursor and the page count", () => {
    const cursor = encodeCursor("resources/list", { backend: "beta", cursor: "page=2", page: 3 });
    expect(cursor).to.match(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor("resources/list", cursor, BACKENDS)).to.deep.equal({
      backend: "beta",
      cursor: "page=2",
      page: 3,
    });
    const start = encodeCursor("resources/list", { backend: "alpha", cursor: undefined, page: 1 });
    expect(decodeCursor("resources/list", start, BACKENDS)).to.deep.equal({
      backend: "alpha",
      cursor: undefined,
      page: 1,
    });
  });

  it("are refused with -32602 by another listing, for an unknown backend, or when made up", () => {
    const cursor = encodeCursor("resources/list", { backend: "beta", cursor: "x", page: 1 });
    expect(invalid(() => decodeCursor("resources/templates/list", cursor, BACKENDS)).code).to.equal(
      ErrorCode.InvalidParams,
    );
    expect(invalid(() => decodeCursor("resources/list", cursor, new Set(["alpha"]))).message).to.include(
      '"beta" is not configured',
    );
    for (const made of ["", "%%", "bm90IGpzb24", Buffer.from("[1,2]").toString("base64url"), 42]) {
      expect(invalid(() => decodeCursor("resources/list", made, BACKENDS)).code).to.equal(
        ErrorCode.InvalidParams,
      );
    }
  });
});
