import { expect } from "chai";
import { matchResultLine } from "../resultLine.js";
import type { ResultLineMatch } from "../resultLine.js";

/** What `matchResultLine` makes of `line`: the id and the result's text, or undefined when it leaves it. */
function match(line: string): { id: number; result: string } | undefined {
  const found: ResultLineMatch = { id: -1, start: 0, end: 0 };
  return matchResultLine(line, found)
    ? { id: found.id, result: line.slice(found.start, found.end) }
    : undefined;
}

describe("matchResultLine", () => {
  it("finds id and result text in the SDK's member order and in the id-first order", () => {
    expect(match('{"result":{},"jsonrpc":"2.0","id":0}')).to.deep.equal({ id: 0, result: "{}" });
    expect(
      match('{"result":{"content":[{"type":"text"}]},"jsonrpc":"2.0","id":123456789012345}'),
    ).to.deep.equal({
      id: 123456789012345,
      result: '{"content":[{"type":"text"}]}',
    });
    expect(match('{"jsonrpc":"2.0","id":12,"result":{ "a" :  [1, 2] }}')).to.deep.equal({
      id: 12,
      result: '{ "a" :  [1, 2] }',
    });
  });

  it("keeps brackets, quotes and member-like text inside the result's strings", () => {
    const result = String.raw`{"s":"},\"x\":{","t":"\\","u":"}],\"jsonrpc\":\"2.0\",\"id\":5"}`;
    expect(JSON.parse(result)).to.be.an("object");
    expect(match(`{"jsonrpc":"2.0","id":1,"result":${result}}`)).to.deep.equal({ id: 1, result });
    expect(match(`{"result":${result},"jsonrpc":"2.0","id":1}`)).to.deep.equal({ id: 1, result });
  });

  it("leaves every other line to the parser", () => {
    const others = [
      ["an error reply", '{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"x"}}'],
      ["another member order", '{"id":1,"jsonrpc":"2.0","result":{}}'],
      ["a string id", '{"jsonrpc":"2.0","id":"1","result":{}}'],
      ["a negative id", '{"jsonrpc":"2.0","id":-1,"result":{}}'],
      ["an id with a leading zero", '{"result":{},"jsonrpc":"2.0","id":01}'],
      ["an id of 16 digits", '{"jsonrpc":"2.0","id":1234567890123456,"result":{}}'],
      ["a result that is not an object", '{"jsonrpc":"2.0","id":1,"result":[{}]}'],
      ["a \\r inside", '{"jsonrpc":"2.0","id":1,"result":{"a":"\r"}}'],
      ["spaces between members", '{"jsonrpc": "2.0", "id": 1, "result": {}}'],
      ["a member after the result", '{"jsonrpc":"2.0","id":1,"result":{"a":1},"x":{"b":2}}'],
      ["a member between the result and jsonrpc", '{"result":{"a":1},"x":{"b":2},"jsonrpc":"2.0","id":1}'],
      ["an error beside the result", '{"result":{},"error":{"code":1,"message":"x"},"jsonrpc":"2.0","id":1}'],
      ["a result that does not close", '{"jsonrpc":"2.0","id":1,"result":{"a":"}"}'],
      ["brackets of the wrong kind", '{"result":{"x":[}{]},"jsonrpc":"2.0","id":3}'],
      ["a bracket closing nothing", '{"result":{"x":]},"jsonrpc":"2.0","id":3}'],
      ["a short line", '{"result":{},"id":1}'],
    ];
    for (const [what, line] of others) expect(match(line!), what).to.equal(undefined);
  });
});
