import { expect } from "chai";
import { InboundRequest, InboundRequests } from "../inboundRequests.js";

describe("InboundRequests", () => {
  it('keeps ids apart by type: 1, "1" and 1n are three requests', () => {
    const requests = new InboundRequests();
    const number = new InboundRequest(1, "m", 10);
    const string = new InboundRequest("1", "m", 10);
    requests.add(number);
    requests.add(string);
    expect(requests.find(1)).to.deep.equal([number]);
    expect(requests.find("1")).to.deep.equal([string]);
    expect(requests.size).to.equal(2);
  });

  it("finds every request sharing an id, and a bigint id by the number JSON.parse makes of its digits", () => {
    const requests = new InboundRequests();
    const first = new InboundRequest(9007199254740993n, "a", 10);
    const second = new InboundRequest(9007199254740993n, "b", 10);
    const other = new InboundRequest(9007199254740995n, "c", 10);
    for (const request of [first, second, other]) requests.add(request);
    // What JSON.parse makes of the digits in a notifications/cancelled requestId.
    expect(requests.find(Number("9007199254740993"))).to.deep.equal([first, second]);
    expect(requests.find(Number("9007199254740995"))).to.deep.equal([other]);
    expect(requests.delete(first)).to.equal(true);
    expect(requests.delete(first)).to.equal(false);
    expect(requests.find(Number("9007199254740993"))).to.deep.equal([second]);
    expect(requests.size).to.equal(2);
  });

  it("writes the id of a request back as its JSON text", () => {
    expect(new InboundRequest(9007199254740993n, "m", 10).idText).to.equal("9007199254740993");
    expect(new InboundRequest('q"', "m", 10).idText).to.equal('"q\\""');
  });

  it("sums the sizes of the requests in flight", () => {
    const requests = new InboundRequests();
    const a = new InboundRequest(1, "m", 100);
    const b = new InboundRequest(1, "m", 20);
    requests.add(a);
    requests.add(b);
    expect(requests.bytes).to.equal(120);
    requests.delete(a);
    requests.delete(a);
    expect(requests.bytes).to.equal(20);
    requests.abortAll(new Error("closed"));
    expect(requests.bytes).to.equal(0);
  });

  it("resolves whenEmpty once the last request is forgotten, at once when there is none", async () => {
    const requests = new InboundRequests();
    await requests.whenEmpty();
    const a = new InboundRequest(1, "m", 10);
    const b = new InboundRequest(1, "m", 10);
    requests.add(a);
    requests.add(b);
    let empty = false;
    const whenEmpty = requests.whenEmpty().then(() => (empty = true));
    requests.delete(b);
    await Promise.resolve();
    expect(empty).to.equal(false);
    requests.delete(a);
    await whenEmpty;
    expect(requests.size).to.equal(0);
  });

  it("aborts the signal of every request on abortAll, even one asked for only afterwards", () => {
    const requests = new InboundRequests();
    const asked = new InboundRequest(1, "m", 10);
    const notAsked = new InboundRequest("x", "m", 10);
    requests.add(asked);
    requests.add(notAsked);
    const signal = asked.signal;
    const reason = new Error("closed");
    requests.abortAll(reason);
    expect(signal.aborted).to.equal(true);
    expect(signal.reason).to.equal(reason);
    expect(notAsked.signal.aborted).to.equal(true);
    expect(notAsked.signal.reason).to.equal(reason);
    expect(requests.size).to.equal(0);
    expect(requests.find(1)).to.deep.equal([]);
  });
});
