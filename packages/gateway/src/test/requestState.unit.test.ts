import { expect } from "chai";
import { RawJson } from "@mcpware/protocol";
import { RequestStateCodec, requestDigest } from "../requestState.js";
import { withResultType } from "../resultType.js";

describe("requestState and resultType", () => {
  it("opens only the states this codec minted, unaltered and unexpired", () => {
    const codec = new RequestStateCodec(1_000);
    const digest = requestDigest("tools/call", "use_tool", { a: 1 });
    const { state, nonce } = codec.mint({ call: "c1", client: "k", digest }, 10_000);
    expect(codec.open(state, 10_500)).to.deep.include({
      call: "c1",
      client: "k",
      digest,
      nonce,
      expires: 11_000,
    });
    expect(codec.mint({ call: "c1", client: "k", digest }, 10_000).nonce, "a nonce per state").to.not.equal(
      nonce,
    );
    expect(codec.open(state, 11_000), "expired").to.equal(undefined);
    expect(new RequestStateCodec(1_000).open(state, 10_500), "another process's key").to.equal(undefined);
    const [body, signature] = state.split(".");
    const other = Buffer.from(
      JSON.stringify({ call: "c2", client: "k", digest, nonce, expires: 99_000 }),
    ).toString("base64url");
    expect(codec.open(`${other}.${signature}`, 10_500), "altered payload").to.equal(undefined);
    expect(codec.open(`${body}.`, 10_500), "no signature").to.equal(undefined);
    for (const junk of [undefined, 42, "", ".", "x".repeat(10_000)])
      expect(codec.open(junk, 10_500)).to.equal(undefined);
    expect(requestDigest("tools/call", "use_tool", { a: 2 })).to.not.equal(digest);
  });

  it("adds resultType (and cache hints where they are due), leaving a result that has one", () => {
    expect(withResultType("tools/call", { content: [] })).to.deep.equal({
      resultType: "complete",
      content: [],
    });
    expect(withResultType("tools/list", { tools: [] })).to.deep.equal({
      resultType: "complete",
      ttlMs: 0,
      cacheScope: "private",
      tools: [],
    });
    expect(withResultType("ping", undefined)).to.deep.equal({ resultType: "complete" });
    const input = { resultType: "input_required", requestState: "s" };
    expect(withResultType("tools/call", input)).to.equal(input);
    const raw = withResultType(
      "tools/call",
      RawJson.fromText('{"content":[{"type":"text","text":"resultType"}]}'),
    );
    expect(JSON.parse((raw as RawJson).text)).to.deep.equal({
      resultType: "complete",
      content: [{ type: "text", text: "resultType" }],
    });
    expect((withResultType("resources/read", RawJson.fromText("{}")) as RawJson).text).to.equal(
      '{"resultType":"complete","ttlMs":0,"cacheScope":"private"}',
    );
    const modern = RawJson.fromText('{"content":[],"resultType":"complete"}');
    expect(withResultType("tools/call", modern)).to.equal(modern);
  });
});
