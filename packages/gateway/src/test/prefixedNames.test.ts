import { expect } from "chai";
import { MAX_EXPOSED_NAME_LENGTH, exposedNames } from "../prefixedNames.js";

describe("exposedNames", () => {
  const names = (items: { backend: string; name: string }[]): string[] => [...exposedNames(items).keys()];

  it("uses <backend>__<name> when it is a usable, unique name", () => {
    expect(names([{ backend: "github", name: "create_issue" }])).to.deep.equal(["github__create_issue"]);
  });

  it("hashes a name that is too long or has other characters, keeping it under 64 usable characters", () => {
    const [long, odd] = names([
      { backend: "b", name: "x".repeat(90) },
      { backend: "b", name: "read file.v2" },
    ]);
    for (const name of [long!, odd!]) {
      expect(name).to.match(/^[A-Za-z0-9_-]+_[0-9a-f]{8}$/);
      expect(name.length).to.be.at.most(MAX_EXPOSED_NAME_LENGTH);
    }
    expect(odd).to.match(/^b__read_file_v2_/);
  });

  it("hashes every member of a collision, whatever the order, and the same way each time", () => {
    const one = { backend: "a", name: "b__c" };
    const two = { backend: "a__b", name: "c" };
    const forward = exposedNames([one, two]);
    const backward = exposedNames([two, one]);
    expect([...forward.keys()].sort()).to.deep.equal([...backward.keys()].sort());
    expect(forward.has("a__b__c")).to.equal(false);
    expect(new Set(forward.values())).to.deep.equal(new Set([one, two]));
    for (const [name, item] of forward) expect(backward.get(name)).to.deep.equal(item);
  });

  it("never lets a usable name take another item's hashed name, in any order", () => {
    const odd = { backend: "a", name: "x y" };
    const hashedOdd = [...exposedNames([odd]).keys()][0]!;
    const crafted = { backend: "a", name: hashedOdd.slice("a__".length) };
    const forward = exposedNames([odd, crafted]);
    const backward = exposedNames([crafted, odd]);
    expect(forward.get(hashedOdd)).to.deep.equal(odd);
    expect(backward.get(hashedOdd)).to.deep.equal(odd);
    expect(forward.size).to.equal(2);
    expect([...forward.keys()].sort()).to.deep.equal([...backward.keys()].sort());
  });
});
