import { expect } from "chai";
import {
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  isSupportedProtocolVersion,
  negotiateProtocolVersion,
} from "../protocolVersion.js";

describe("protocol versions", () => {
  it("supports exactly the four legacy versions, oldest first, the latest being 2025-11-25", () => {
    expect(SUPPORTED_PROTOCOL_VERSIONS).to.deep.equal([
      "2024-11-05",
      "2025-03-26",
      "2025-06-18",
      "2025-11-25",
    ]);
    expect(LATEST_PROTOCOL_VERSION).to.equal("2025-11-25");
    expect(SUPPORTED_PROTOCOL_VERSIONS.at(-1)).to.equal(LATEST_PROTOCOL_VERSION);
  });

  it("echoes every supported version a client requests", () => {
    for (const version of SUPPORTED_PROTOCOL_VERSIONS) {
      expect(negotiateProtocolVersion(version)).to.equal(version);
    }
  });

  it("answers the latest supported version for an unknown, modern or malformed request", () => {
    for (const requested of [
      "2024-10-07",
      "2026-07-28",
      "1999-01-01",
      "",
      "2025-11-25 ",
      20251125,
      null,
      undefined,
      {},
    ]) {
      expect(negotiateProtocolVersion(requested)).to.equal(LATEST_PROTOCOL_VERSION);
    }
  });

  it("recognises only exact supported version strings", () => {
    expect(isSupportedProtocolVersion("2025-06-18")).to.equal(true);
    expect(isSupportedProtocolVersion("2025-06-18\n")).to.equal(false);
    expect(isSupportedProtocolVersion("2026-07-28")).to.equal(false);
    expect(isSupportedProtocolVersion(["2025-06-18"])).to.equal(false);
  });
});
