import { expect } from "chai";
import { closestNames, editDistance } from "../closestNames.js";

describe("closestNames", () => {
  const tools = [
    "echo",
    "get-sum",
    "get-env",
    "get-tiny-image",
    "get-structured-content",
    "trigger-long-running-operation",
  ];

  it("suggests names within a small edit distance, best first", () => {
    expect(closestNames("get_sum", tools)[0]).to.equal("get-sum");
    expect(closestNames("ecoh", tools)).to.deep.equal(["echo"]);
  });

  it("suggests names that contain the wanted name", () => {
    expect(closestNames("tiny-image", tools)).to.include("get-tiny-image");
  });

  it("ignores case", () => {
    expect(closestNames("ECHO", tools)).to.deep.equal(["echo"]);
  });

  it("returns nothing when no name is close", () => {
    expect(closestNames("launch-rocket", tools)).to.deep.equal([]);
  });

  it("returns at most the requested number of names", () => {
    expect(closestNames("get-xxx", tools, 2)).to.have.length.at.most(2);
  });

  it("counts an adjacent transposition as one edit", () => {
    expect(editDistance("abcd", "abdc")).to.equal(1);
    expect(editDistance("kitten", "sitting")).to.equal(3);
    expect(editDistance("", "abc")).to.equal(3);
  });
});
