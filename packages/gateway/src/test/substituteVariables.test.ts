import { expect } from "chai";
import { MASK, SubstitutionSyntaxError, substituteVariables } from "../substituteVariables.js";

const variables = new Map([
  ["TOKEN", "s3cret"],
  ["EMPTY", ""],
  ["NESTED", "${TOKEN}"],
]);
const lookup = (name: string): string | undefined => variables.get(name);

describe("substituteVariables", () => {
  it("replaces ${VAR} with the variable's value and masks it", () => {
    const result = substituteVariables("Bearer ${TOKEN}!", lookup);
    expect(result.value).to.equal("Bearer s3cret!");
    expect(result.masked).to.equal(`Bearer ${MASK}!`);
    expect(result.substituted).to.deep.equal(["s3cret"]);
    expect(result.missing).to.deep.equal([]);
  });

  it("uses the default when the variable is unset or empty", () => {
    expect(substituteVariables("${UNSET:-fallback}", lookup).value).to.equal("fallback");
    expect(substituteVariables("${EMPTY:-fallback}", lookup).value).to.equal("fallback");
    expect(substituteVariables("${TOKEN:-fallback}", lookup).value).to.equal("s3cret");
    expect(substituteVariables("${UNSET:-}", lookup).missing).to.deep.equal([]);
  });

  it("reports every unset variable without a default once", () => {
    const result = substituteVariables("${A}-${B}-${A}", lookup);
    expect(result.missing).to.deep.equal(["A", "B"]);
  });

  it("writes a literal ${ for $${ and leaves other dollars alone", () => {
    expect(substituteVariables("$${TOKEN} $HOME $ 5$", lookup).value).to.equal("${TOKEN} $HOME $ 5$");
  });

  it("never re-expands a substituted value or a default", () => {
    expect(substituteVariables("${NESTED}", lookup).value).to.equal("${TOKEN}");
    expect(substituteVariables("${UNSET:-$${TOKEN}", lookup).value).to.equal("$${TOKEN");
  });

  it("rejects unclosed references and invalid names with the offset", () => {
    expect(() => substituteVariables("abc ${TOKEN", lookup)).to.throw(SubstitutionSyntaxError, /unclosed/);
    expect(() => substituteVariables("${1X}", lookup)).to.throw(SubstitutionSyntaxError, /invalid variable/);
    expect(() => substituteVariables("${A:=b}", lookup)).to.throw(SubstitutionSyntaxError);
    try {
      substituteVariables("xx${}", lookup);
      expect.fail("should throw");
    } catch (error) {
      expect((error as SubstitutionSyntaxError).offset).to.equal(2);
    }
  });
});
