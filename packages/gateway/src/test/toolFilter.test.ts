import { expect } from "chai";
import { toolFilter } from "../toolFilter.js";

describe("toolFilter", () => {
  it('matches whole tool names, "/" included, with globs', () => {
    const deny = toolFilter({ deny: ["delete*", "admin_{a,b}"] })!;
    expect(deny.allows("read")).to.equal(true);
    expect(deny.allows("delete")).to.equal(false);
    expect(deny.allows("delete/all")).to.equal(false);
    expect(deny.allows("admin_b")).to.equal(false);
    expect(deny.reason("delete/all")).to.include("tools.deny (delete*, admin_{a,b})");
    const allow = toolFilter({ allow: ["*"] })!;
    expect(allow.allows("ns/tool")).to.equal(true);
    const only = toolFilter({ allow: ["get-?um"], deny: ["get-num"] })!;
    expect(only.allows("get-sum")).to.equal(true);
    expect(only.allows("get-num")).to.equal(false);
    expect(only.allows("echo")).to.equal(false);
    expect(only.reason("echo")).to.include("none of the config's tools.allow (get-?um)");
  });

  it("is no filter at all without patterns", () => {
    expect(toolFilter(undefined)).to.equal(undefined);
    expect(toolFilter({ allow: [], deny: [] })).to.equal(undefined);
  });
});
