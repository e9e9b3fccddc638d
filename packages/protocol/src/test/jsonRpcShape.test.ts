import { expect } from "chai";
import fc from "fast-check";
import {
  exactRequestId,
  findTopLevelIdText,
  idText,
  isResponseShaped,
  shapeProblem,
} from "../jsonRpcShape.js";

const TWO_POW_53 = 2n ** 53n;

describe("findTopLevelIdText", () => {
  it("finds the raw text of the top-level id and ignores nested ids and ids inside strings", () => {
    expect(findTopLevelIdText('{"a":{"id":1},"b":"\\"id\\":2","id":12345678901234567890}')).to.equal(
      "12345678901234567890",
    );
    expect(findTopLevelIdText('{"\\u0069d":-99999999999999999999}')).to.equal("-99999999999999999999");
    expect(findTopLevelIdText('{"id":1,"id":22222222222222222222}')).to.equal("22222222222222222222");
    expect(findTopLevelIdText('\t{ "id" :\r\n 7 }')).to.equal("7");
    expect(findTopLevelIdText('{"x":[1,[2,{"id":3}]],"id":"s"}')).to.equal('"s"');
    expect(findTopLevelIdText('{"x":1}')).to.equal(undefined);
    expect(findTopLevelIdText("[1]")).to.equal(undefined);
  });

  it("scans any nesting depth without recursion", () => {
    const depth = 100_000;
    const text = `{"params":${"[".repeat(depth)}${"]".repeat(depth)},"id":90071992547409930}`;
    expect(findTopLevelIdText(text)).to.equal("90071992547409930");
  });
});

describe("exactRequestId", () => {
  it("keeps a string or a safe integer as it is", () => {
    expect(exactRequestId("9007199254740993", '{"id":"9007199254740993"}')).to.equal("9007199254740993");
    expect(exactRequestId(Number.MAX_SAFE_INTEGER, "{}")).to.equal(Number.MAX_SAFE_INTEGER);
    expect(exactRequestId(-1, "{}")).to.equal(-1);
  });

  it("reads an integer beyond 2^53 from the line as a bigint, whatever the layout", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: TWO_POW_53, max: 10n ** 40n }),
        fc.boolean(),
        fc.constantFrom("idFirst", "idLast", "spaced"),
        (magnitude, negative, layout) => {
          const digits = (negative ? -magnitude : magnitude).toString();
          const line =
            layout === "idFirst"
              ? `{"id":${digits},"jsonrpc":"2.0","method":"m","params":{"id":1}}\r`
              : layout === "idLast"
                ? `{"jsonrpc":"2.0","method":"m","params":{"nested":{"id":2}},"id":${digits}}`
                : `{ "jsonrpc" : "2.0" , "method" : "m" , "id" : ${digits} }`;
          const parsed = (JSON.parse(line) as { id: number }).id;
          expect(exactRequestId(parsed, line)).to.equal(BigInt(digits));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses an id beyond 2^53 written with an exponent or a fraction", () => {
    for (const id of ["1e20", "9007199254740993.0", "1.5e300", "-1E17"]) {
      const line = `{"jsonrpc":"2.0","id":${id},"method":"m"}`;
      expect(exactRequestId((JSON.parse(line) as { id: number }).id, line), id).to.equal(undefined);
    }
  });
});

describe("idText", () => {
  it("writes an id as JSON text: bigints as their digits, strings quoted and escaped", () => {
    expect(idText(9007199254740993n)).to.equal("9007199254740993");
    expect(idText(-18446744073709551617n)).to.equal("-18446744073709551617");
    expect(idText(7)).to.equal("7");
    expect(idText('a"\u0000')).to.equal('"a\\"\\u0000"');
  });
});

describe("shapeProblem", () => {
  it("passes the four kinds of message, a request id beyond 2^53 included", () => {
    for (const line of [
      '{"jsonrpc":"2.0","id":1,"method":"m","params":[]}',
      '{"jsonrpc":"2.0","method":"m","params":null}',
      '{"jsonrpc":"2.0","id":"x","result":null}',
      '{"jsonrpc":"2.0","id":2,"error":{"code":1,"message":"x"}}',
      '{"jsonrpc":"2.0","id":9007199254740993,"method":"m"}',
    ]) {
      expect(shapeProblem(JSON.parse(line)), line).to.equal(undefined);
    }
  });

  it("names what is wrong with anything else", () => {
    const problems = [
      "null",
      "[]",
      "1",
      '{"id":1,"method":"m"}',
      '{"jsonrpc":"2.0","method":1}',
      '{"jsonrpc":"2.0","method":"m","params":1}',
      '{"jsonrpc":"2.0","id":null,"method":"m"}',
      '{"jsonrpc":"2.0","id":1.5,"method":"m"}',
      '{"jsonrpc":"2.0","id":true,"method":"m"}',
      '{"jsonrpc":"2.0","id":1}',
      '{"jsonrpc":"2.0","id":1,"error":"x"}',
      '{"jsonrpc":"2.0","result":{}}',
      '{"jsonrpc":"2.0","id":[],"result":{}}',
      '{"jsonrpc":"2.0","id":1.5,"result":{}}',
    ].map((line) => shapeProblem(JSON.parse(line)));
    for (const problem of problems) expect(problem).to.be.a("string");
  });

  it("tells a response, however malformed, from anything else", () => {
    expect(isResponseShaped({ result: 1 })).to.equal(true);
    expect(isResponseShaped({ id: null, error: "x" })).to.equal(true);
    expect(isResponseShaped({ method: "m", result: 1 })).to.equal(false);
    expect(isResponseShaped([{ result: 1 }])).to.equal(false);
  });
});
