import { expect } from "chai";
import { StderrRing } from "../stderrRing.js";

describe("StderrRing", () => {
  it("splits chunks into lines across chunk boundaries and strips CR", () => {
    const ring = new StderrRing();
    expect(ring.push("hel")).to.deep.equal([]);
    expect(ring.push("lo\r\nwor")).to.deep.equal(["hello"]);
    expect(ring.push("ld\n")).to.deep.equal(["world"]);
    expect(ring.tail()).to.deep.equal(["hello", "world"]);
  });

  it("flushes a last line without a newline", () => {
    const ring = new StderrRing();
    ring.push("partial");
    expect(ring.flush()).to.deep.equal(["partial"]);
    expect(ring.flush()).to.deep.equal([]);
    expect(ring.tail()).to.deep.equal(["partial"]);
  });

  it("never keeps more than its byte budget, however much is pushed", () => {
    const ring = new StderrRing({ maxBytes: 1024 });
    for (let i = 0; i < 10_000; i++) ring.push(`line ${i} ${"x".repeat(50)}\n`);
    expect(ring.size).to.be.at.most(1024);
    expect(ring.tail(1)[0]).to.match(/^line 9999 /);
  });

  it("cuts an endless line instead of buffering it", () => {
    const ring = new StderrRing({ maxLineBytes: 100 });
    const lines = ring.push("y".repeat(1000));
    expect(lines).to.have.length(1);
    expect(lines[0]!.length).to.be.at.most(101);
  });

  it("limits the tail by lines and by characters", () => {
    const ring = new StderrRing();
    for (let i = 0; i < 50; i++) ring.push(`${i}\n`);
    expect(ring.tail(3)).to.deep.equal(["47", "48", "49"]);
    ring.push(`${"z".repeat(5000)}\n`);
    const tail = ring.tail(20, 2048);
    expect(tail).to.have.length(1);
    expect(tail[0]!.length).to.equal(2048);
  });
});
