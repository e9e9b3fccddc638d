import { expect } from "chai";
import { RawJson } from "../rawJson.js";

describe("RawJson", () => {
  it("keeps the text it was made from, byte for byte, and parses it once on demand", () => {
    const raw = RawJson.fromText('{ "a" : [1,  2] }');
    expect(raw.text).to.equal('{ "a" : [1,  2] }');
    const value = raw.value;
    expect(value).to.deep.equal({ a: [1, 2] });
    expect(raw.value).to.equal(value);
  });

  it("serializes a value it was made from on demand", () => {
    const value = { b: "x" };
    const raw = RawJson.fromValue(value);
    expect(raw.value).to.equal(value);
    expect(raw.text).to.equal('{"b":"x"}');
  });

  it("throws a TypeError for a value that has no JSON text", () => {
    expect(() => RawJson.fromValue(undefined).text).to.throw(TypeError);
    expect(() => RawJson.fromValue(() => {}).text).to.throw(TypeError);
  });
});
