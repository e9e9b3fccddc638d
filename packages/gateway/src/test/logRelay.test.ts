import { expect } from "chai";
import sinon from "sinon";
import type { LoggingLevel } from "@mcpware/protocol";
import {
  LogRateLimiter,
  MAX_BACKEND_LOG_MESSAGES_PER_SECOND,
  isLoggingLevel,
  passesLevel,
  tagLogMessage,
} from "../logRelay.js";

/** MCP log levels, least severe first. */
const LEVELS: readonly LoggingLevel[] = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
];

interface Report {
  backend: string;
  dropped: number;
  limit: number;
}

describe("logRelay", () => {
  describe("LogRateLimiter", () => {
    let clock: sinon.SinonFakeTimers;
    let reports: Report[];
    let limiters: LogRateLimiter[];

    beforeEach(() => {
      clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
      reports = [];
      limiters = [];
    });
    afterEach(() => {
      for (const limiter of limiters) limiter.dispose();
      clock.restore();
    });

    function createLimiter(limit: number): LogRateLimiter {
      const limiter = new LogRateLimiter(limit, (backend, dropped, reportedLimit) => {
        reports.push({ backend, dropped, limit: reportedLimit });
      });
      limiters.push(limiter);
      return limiter;
    }

    function admitMany(limiter: LogRateLimiter, backend: string, count: number): boolean[] {
      return Array.from({ length: count }, () => limiter.admit(backend));
    }

    it("admits at most `limit` messages in a window and drops the rest", () => {
      const limiter = createLimiter(3);
      expect(admitMany(limiter, "fs", 5)).to.deep.equal([true, true, true, false, false]);
      clock.tick(999);
      expect(limiter.admit("fs")).to.equal(false);
      expect(reports).to.deep.equal([]);
    });

    it("reports the count dropped in a window when its timer ends the window", () => {
      const limiter = createLimiter(2);
      admitMany(limiter, "fs", 3);
      clock.tick(400);
      admitMany(limiter, "fs", 2);
      clock.tick(599);
      expect(reports, "not before the second is over").to.deep.equal([]);
      clock.tick(1);
      expect(reports).to.deep.equal([{ backend: "fs", dropped: 3, limit: 2 }]);
      expect(clock.countTimers()).to.equal(0);
      clock.tick(5_000);
      expect(reports).to.have.length(1);
    });

    it("starts a window at its first message, not on a fixed grid", () => {
      const limiter = createLimiter(1);
      clock.tick(300);
      expect(limiter.admit("fs")).to.equal(true);
      clock.tick(999);
      expect(limiter.admit("fs"), "still the window that started at 300 ms").to.equal(false);
      clock.tick(1);
      expect(reports).to.deep.equal([{ backend: "fs", dropped: 1, limit: 1 }]);
      expect(limiter.admit("fs"), "a new window").to.equal(true);
      expect(limiter.admit("fs")).to.equal(false);
    });

    it("admits again in the next window, with a fresh count", () => {
      const limiter = createLimiter(2);
      expect(admitMany(limiter, "fs", 4)).to.deep.equal([true, true, false, false]);
      clock.tick(1_000);
      expect(admitMany(limiter, "fs", 3)).to.deep.equal([true, true, false]);
      clock.tick(1_000);
      expect(reports).to.deep.equal([
        { backend: "fs", dropped: 2, limit: 2 },
        { backend: "fs", dropped: 1, limit: 2 },
      ]);
    });

    it("reports a window's drops when the next window starts before its timer has run", () => {
      const limiter = createLimiter(1);
      let admittedAtBoundary: boolean | undefined;
      let reportsAtBoundary: Report[] | undefined;
      // Scheduled before the limiter's own timer for the same instant, so it runs first: a message that arrives
      // at the end of the window while the limiter's timer is still pending.
      setTimeout(() => {
        admittedAtBoundary = limiter.admit("fs");
        reportsAtBoundary = [...reports];
      }, 1_000);
      admitMany(limiter, "fs", 3);
      clock.tick(1_000);
      expect(admittedAtBoundary, "the first message of the new window").to.equal(true);
      expect(reportsAtBoundary).to.deep.equal([{ backend: "fs", dropped: 2, limit: 1 }]);
      clock.tick(5_000);
      expect(reports, "reported once, not again by the old window's timer").to.deep.equal([
        { backend: "fs", dropped: 2, limit: 1 },
      ]);
    });

    it("reports nothing for a window that dropped nothing and leaves no timer", () => {
      const limiter = createLimiter(2);
      admitMany(limiter, "fs", 2);
      expect(clock.countTimers()).to.equal(0);
      clock.tick(1_000);
      expect(limiter.admit("fs")).to.equal(true);
      limiter.dispose();
      expect(reports).to.deep.equal([]);
    });

    it("keeps a separate window per backend", () => {
      const limiter = createLimiter(1);
      expect(admitMany(limiter, "a", 2)).to.deep.equal([true, false]);
      clock.tick(500);
      expect(admitMany(limiter, "b", 3)).to.deep.equal([true, false, false]);
      clock.tick(500);
      expect(reports, "a's window ended; b's has 500 ms left").to.deep.equal([
        { backend: "a", dropped: 1, limit: 1 },
      ]);
      expect(limiter.admit("a")).to.equal(true);
      expect(limiter.admit("b")).to.equal(false);
      clock.tick(500);
      expect(reports).to.deep.equal([
        { backend: "a", dropped: 1, limit: 1 },
        { backend: "b", dropped: 3, limit: 1 },
      ]);
    });

    it("dispose() reports what is pending and stops every timer", () => {
      const limiter = createLimiter(1);
      admitMany(limiter, "a", 3);
      admitMany(limiter, "b", 2);
      expect(clock.countTimers()).to.equal(2);
      limiter.dispose();
      expect(reports).to.have.deep.members([
        { backend: "a", dropped: 2, limit: 1 },
        { backend: "b", dropped: 1, limit: 1 },
      ]);
      expect(reports).to.have.length(2);
      expect(clock.countTimers()).to.equal(0);
      clock.tick(5_000);
      expect(reports).to.have.length(2);
    });

    it("rejects a limit that is not a positive integer with a TypeError", () => {
      for (const limit of [0, -1, 1.5, Number.NaN, Infinity, 2 ** 53, "5" as unknown as number]) {
        expect(() => new LogRateLimiter(limit, () => {}), String(limit)).to.throw(
          TypeError,
          /positive integer/,
        );
      }
      expect(() => new LogRateLimiter(1, () => {})).to.not.throw();
    });

    it("has a default limit that is a positive integer", () => {
      expect(Number.isSafeInteger(MAX_BACKEND_LOG_MESSAGES_PER_SECOND)).to.equal(true);
      expect(MAX_BACKEND_LOG_MESSAGES_PER_SECOND).to.be.greaterThan(0);
    });
  });

  describe("isLoggingLevel", () => {
    it("accepts the eight MCP log levels", () => {
      for (const level of LEVELS) expect(isLoggingLevel(level), level).to.equal(true);
    });

    it("rejects anything else", () => {
      for (const value of ["warn", "INFO", "fatal", "", " debug", undefined, null, 0, 3, {}, ["info"]]) {
        expect(isLoggingLevel(value), JSON.stringify(value)).to.equal(false);
      }
    });
  });

  describe("passesLevel", () => {
    it("lets everything pass when no threshold is set", () => {
      for (const level of LEVELS) expect(passesLevel(level, undefined), level).to.equal(true);
    });

    it("lets a level pass a threshold exactly when it is at least as severe", () => {
      LEVELS.forEach((threshold, thresholdIndex) => {
        LEVELS.forEach((level, levelIndex) => {
          expect(passesLevel(level, threshold), `${level} against ${threshold}`).to.equal(
            levelIndex >= thresholdIndex,
          );
        });
      });
    });

    it("orders the levels as RFC 5424 does", () => {
      expect(passesLevel("warning", "notice")).to.equal(true);
      expect(passesLevel("notice", "warning")).to.equal(false);
      expect(passesLevel("emergency", "alert")).to.equal(true);
      expect(passesLevel("debug", "info")).to.equal(false);
    });
  });

  describe("tagLogMessage", () => {
    it("names the backend as the logger when the message has none", () => {
      expect(tagLogMessage("fs", { level: "info", data: "hello" })).to.deep.equal({
        level: "info",
        logger: "fs",
        data: "hello",
      });
    });

    it("puts the backend before the message's own logger", () => {
      expect(tagLogMessage("fs", { level: "error", logger: "watcher", data: { n: 1 } })).to.deep.equal({
        level: "error",
        logger: "fs/watcher",
        data: { n: 1 },
      });
    });

    it("treats an empty or non-string logger as none", () => {
      expect(tagLogMessage("fs", { level: "info", logger: "", data: 1 })?.logger).to.equal("fs");
      expect(tagLogMessage("fs", { level: "info", logger: 42, data: 1 })?.logger).to.equal("fs");
      expect(tagLogMessage("fs", { level: "info", logger: null, data: 1 })?.logger).to.equal("fs");
    });

    it("keeps the message's other fields", () => {
      const params = { level: "warning", logger: "x", data: ["a", "b"], _meta: { trace: "t1" }, extra: true };
      expect(tagLogMessage("git", params)).to.deep.equal({
        level: "warning",
        logger: "git/x",
        data: ["a", "b"],
        _meta: { trace: "t1" },
        extra: true,
      });
    });

    it("does not change the params it was given", () => {
      const params = { level: "info", logger: "own", data: "d" };
      tagLogMessage("fs", params);
      expect(params).to.deep.equal({ level: "info", logger: "own", data: "d" });
    });

    it("returns undefined for a message without a valid level", () => {
      expect(tagLogMessage("fs", { level: "warn", data: "x" })).to.equal(undefined);
      expect(tagLogMessage("fs", { level: "INFO", data: "x" })).to.equal(undefined);
      expect(tagLogMessage("fs", { data: "x" })).to.equal(undefined);
    });

    it("returns undefined for params that are not an object", () => {
      for (const params of [undefined, null, "info", 3, [{ level: "info", data: "x" }]]) {
        expect(tagLogMessage("fs", params), JSON.stringify(params)).to.equal(undefined);
      }
    });
  });
});
