import { expect } from "chai";
import { MAX_LINKED_URIS, ResourceIndex } from "../resourceIndex.js";

describe("ResourceIndex", () => {
  it("keeps the newest resource links of a backend, at most MAX_LINKED_URIS", () => {
    const index = new ResourceIndex();
    const uris = Array.from({ length: MAX_LINKED_URIS + 5 }, (_, i) => `test://link/${i}`);
    index.addLinked("b", uris);
    expect(index.claims(uris[0]!, ["b"]).linked).to.deep.equal([]);
    expect(index.claims(uris.at(-1)!, ["b"]).linked).to.deep.equal(["b"]);
    // A link seen again is kept as new.
    index.addLinked("b", [uris[10]!]);
    index.addLinked("b", ["test://link/next"]);
    expect(index.claims(uris[10]!, ["b"]).linked).to.deep.equal(["b"]);
    expect(index.claims(uris[5]!, ["b"]).linked).to.deep.equal([]);
  });
});
