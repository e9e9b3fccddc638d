import { expect } from "chai";
import { exceedsJsonDepth } from "../jsonDepth.js";

describe("exceedsJsonDepth", () => {
  it("counts nesting of arrays and objects against the limit", () => {
    expect(exceedsJsonDepth(`${"[".repeat(10)}${"]".repeat(10)}`, 10)).to.equal(false);
    expect(exceedsJsonDepth(`${"[".repeat(11)}${"]".repeat(11)}`, 10)).to.equal(true);
    expect(exceedsJsonDepth(`${'{"a":'.repeat(11)}1${"}".repeat(11)}`, 10)).to.equal(true);
    expect(exceedsJsonDepth(`[${"[],".repeat(100)}[]]`, 2)).to.equal(false);
  });

  it("does not count brackets inside strings, escaped quotes included", () => {
    const text = `["${"[".repeat(40)}\\"${"{".repeat(40)}"]`;
    expect(exceedsJsonDepth(text, 1)).to.equal(false);
  });
});
