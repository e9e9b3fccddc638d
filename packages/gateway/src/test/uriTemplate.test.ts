import { expect } from "chai";
import { compileUriTemplate } from "../uriTemplate.js";

function matches(template: string, uri: string): boolean {
  const matcher = compileUriTemplate(template);
  if (matcher === undefined) throw new Error(`${template} did not compile`);
  return matcher.matches(uri);
}

describe("compileUriTemplate", () => {
  it("matches a level-1 variable against one path segment", () => {
    expect(matches("test://static/resource/{id}", "test://static/resource/42")).to.equal(true);
    expect(matches("test://static/resource/{id}", "test://static/resource/a%20b")).to.equal(true);
    expect(matches("test://static/resource/{id}", "test://static/resource/4/2")).to.equal(false);
    expect(matches("test://static/resource/{id}", "test://static/resource/42?x=1")).to.equal(false);
    expect(matches("test://static/resource/{id}", "test://static/other/42")).to.equal(false);
  });

  it("matches several variables and the literal text between them exactly", () => {
    expect(matches("db://{schema}.{table}/rows", "db://public.users/rows")).to.equal(true);
    expect(matches("db://{schema}.{table}/rows", "db://public.users/cols")).to.equal(false);
    // A dot in the literal is a dot, not any character.
    expect(matches("file://a.b/{name}", "file://aXb/x")).to.equal(false);
  });

  it("lets reserved expansion span segments and the query operators stay optional", () => {
    expect(matches("file:///{+path}", "file:///notes/today.txt")).to.equal(true);
    expect(matches("search://items{?q,limit}", "search://items")).to.equal(true);
    expect(matches("search://items{?q,limit}", "search://items?q=a&limit=3")).to.equal(true);
    expect(matches("repo://{owner}{/path*}", "repo://me/src/index.ts")).to.equal(true);
  });

  it("refuses malformed templates", () => {
    for (const template of ["a://{id", "a://id}", "a://{}", "a://{bad name}", "a://{id:0}"]) {
      expect(compileUriTemplate(template), template).to.equal(undefined);
    }
  });

  it("fails a long non-matching URI quickly", () => {
    const matcher = compileUriTemplate("x://{.a}{.b}{.c}/{+d}{+e}!")!;
    const started = performance.now();
    expect(matcher.matches(`x://${".a".repeat(2_000)}/${"b".repeat(2_000)}`)).to.equal(false);
    expect(performance.now() - started).to.be.below(1_000);
  });
});
