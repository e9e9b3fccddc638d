import { expect } from "chai";
import { PassThrough } from "node:stream";
import { createLogger } from "../logger.js";
import { createRedactor } from "../redactor.js";

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  return { stream, text: () => text };
}

describe("createLogger", () => {
  it("writes messages at or above its level, one line each", () => {
    const sink = capture();
    const logger = createLogger({ level: "warn", stream: sink.stream });
    logger.error("e");
    logger.warn("w");
    logger.info("i");
    expect(sink.text()).to.equal("mcpware:gateway error e\nmcpware:gateway warn w\n");
  });

  it("masks known secrets in every message, children included", () => {
    const sink = capture();
    const logger = createLogger({
      level: "info",
      stream: sink.stream,
      redactor: createRedactor(["hunter2-secret"]),
    });
    logger.child("backend:gh").info("token hunter2-secret rejected");
    logger.redactor.add(["later-secret"]);
    logger.warn("later-secret too");
    expect(sink.text()).to.equal(
      "mcpware:gateway:backend:gh info token *** rejected\nmcpware:gateway warn *** too\n",
    );
  });

  it("does not take a percent sign in a message for a format directive", () => {
    const sink = capture();
    createLogger({ level: "info", stream: sink.stream }).info("100%s done");
    expect(sink.text()).to.include("100%s done");
  });
});

describe("createRedactor", () => {
  it("masks the longest secret first and ignores values too short to be secrets", () => {
    const redactor = createRedactor(["abcd", "abcdefgh", "xy"]);
    expect(redactor.redact("abcdefgh abcd xy")).to.equal("*** *** xy");
  });
});
