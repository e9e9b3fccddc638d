import { expect } from "chai";
import { MODERN_PROTOCOL_VERSION, MetaKey, RawJson } from "@mcpware/protocol";
import { inputRequiredOf } from "../inputRequired.js";
import {
  initializeResultOf,
  isModernDiscoverResult,
  listChangedFilter,
  modernEnvelope,
  withEnvelope,
} from "../modernEnvelope.js";

describe("modernEnvelope", () => {
  const envelope = modernEnvelope({ roots: {} }, { name: "pool", version: "1" });

  it("merges the envelope into params, keeping the caller's _meta except the envelope's own keys", () => {
    expect(withEnvelope(undefined, envelope)).to.deep.equal({ _meta: envelope });
    const params = {
      name: "t",
      _meta: { progressToken: 7, [MetaKey.ClientInfo]: "theirs", [MetaKey.LogLevel]: "error" },
    };
    const merged = withEnvelope(params, modernEnvelope({}, { name: "pool", version: "1" }, "debug"));
    expect(merged).to.deep.equal({
      name: "t",
      _meta: {
        progressToken: 7,
        [MetaKey.ProtocolVersion]: MODERN_PROTOCOL_VERSION,
        [MetaKey.ClientCapabilities]: {},
        [MetaKey.ClientInfo]: { name: "pool", version: "1" },
        [MetaKey.LogLevel]: "error",
      },
    });
    expect(params._meta[MetaKey.ClientInfo], "params are not mutated").to.equal("theirs");
  });

  it("takes a discover result for modern only with 2026-07-28 among supportedVersions and capabilities", () => {
    expect(
      isModernDiscoverResult({ supportedVersions: [MODERN_PROTOCOL_VERSION], capabilities: {} }),
    ).to.equal(true);
    expect(isModernDiscoverResult({ supportedVersions: ["2025-11-25"], capabilities: {} })).to.equal(false);
    expect(isModernDiscoverResult({ supportedVersions: [MODERN_PROTOCOL_VERSION] })).to.equal(false);
    expect(isModernDiscoverResult({ resultType: "input_required" })).to.equal(false);
  });

  it("makes an initialize-like result of a discover result, serverInfo from its _meta", () => {
    const result = initializeResultOf({
      supportedVersions: [MODERN_PROTOCOL_VERSION],
      capabilities: { tools: { listChanged: true } },
      instructions: "hi",
      _meta: { [MetaKey.ServerInfo]: { name: "s", version: "2" } },
    });
    expect(result).to.deep.include({
      protocolVersion: MODERN_PROTOCOL_VERSION,
      capabilities: { tools: { listChanged: true } },
      serverInfo: { name: "s", version: "2" },
      instructions: "hi",
    });
    expect(result).to.not.have.property("supportedVersions");
    expect(listChangedFilter(result.capabilities)).to.deep.equal({ toolsListChanged: true });
    expect(listChangedFilter({ tools: {} })).to.equal(undefined);
  });

  it("finds input_required results, raw ones without parsing ordinary text", () => {
    expect(inputRequiredOf({ resultType: "input_required", requestState: "s" })).to.deep.equal({
      resultType: "input_required",
      requestState: "s",
    });
    expect(inputRequiredOf({ resultType: "complete" })).to.equal(undefined);
    // Not JSON at all: parsing it would throw, so the substring check must have ruled it out.
    expect(inputRequiredOf(RawJson.fromText("{not json"))).to.equal(undefined);
    expect(
      inputRequiredOf(RawJson.fromText('{"content":[{"type":"text","text":"\\"input_required\\""}]}')),
    ).to.equal(undefined);
    expect(inputRequiredOf(RawJson.fromText('{"resultType": "input_required"}'))).to.deep.equal({
      resultType: "input_required",
    });
  });
});
