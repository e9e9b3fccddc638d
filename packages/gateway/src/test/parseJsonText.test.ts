import { expect } from "chai";
import { parseJsonText } from "../parseJsonText.js";

describe("parseJsonText", () => {
  it("parses valid JSON, ignoring a byte-order mark", () => {
    expect(parseJsonText('\ufeff{"a": [1, -2.5e3, true, null, "\\u00e9"]}')).to.deep.equal({
      ok: true,
      value: { a: [1, -2500, true, null, "é"] },
    });
  });

  for (const [text, line, column] of [
    ['{"a": 1,}', 1, 9],
    ['{\n  "a": tru}', 2, 8],
    ["[1 2]", 1, 4],
    ['{"a": "x', 1, 7],
    ["", 1, 1],
    ["{} x", 1, 4],
    ['{"a":\n\n   01}', 3, 5],
  ] as const) {
    it(`reports line ${line}, column ${column} for ${JSON.stringify(text)}`, () => {
      const outcome = parseJsonText(text);
      expect(outcome.ok).to.equal(false);
      if (!outcome.ok) expect(outcome.problems[0]!.message).to.include(`line ${line}, column ${column}`);
    });
  }

  it("reports repeated keys at the path of their object", () => {
    const outcome = parseJsonText('{"x": [{"k": 1, "k": 2}]}');
    expect(outcome).to.deep.equal({
      ok: false,
      problems: [{ path: "$.x[0]", message: 'key "k" appears more than once' }],
    });
  });
});
