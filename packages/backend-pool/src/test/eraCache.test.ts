import { expect } from "chai";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { EraCache, defaultEraCacheFile, eraCacheKey } from "../eraCache.js";

describe("eraCache", () => {
  describe("defaultEraCacheFile", () => {
    it("is under $XDG_CACHE_HOME when it is an absolute path, else ~/.cache", () => {
      expect(defaultEraCacheFile({ XDG_CACHE_HOME: "/var/cache/me" }, "linux", "/home/me")).to.equal(
        "/var/cache/me/mcpware/eras.json",
      );
      expect(defaultEraCacheFile({ XDG_CACHE_HOME: "relative" }, "linux", "/home/me")).to.equal(
        "/home/me/.cache/mcpware/eras.json",
      );
      expect(defaultEraCacheFile({}, "darwin", "/Users/me")).to.equal("/Users/me/.cache/mcpware/eras.json");
    });

    it("is under %LOCALAPPDATA% on Windows", () => {
      expect(
        defaultEraCacheFile({ LOCALAPPDATA: "C:\\Users\\me\\AppData\\Local" }, "win32", "C:\\Users\\me"),
      ).to.equal("C:\\Users\\me\\AppData\\Local\\mcpware\\eras.json");
      expect(defaultEraCacheFile({}, "win32", "C:\\Users\\me")).to.equal(
        "C:\\Users\\me\\AppData\\Local\\mcpware\\eras.json",
      );
    });
  });

  describe("eraCacheKey", () => {
    it("is the same for the same command line and differs when the command, args or image differ", () => {
      const key = eraCacheKey("node", ["server.js"]);
      expect(key).to.match(/^[0-9a-f]{64}$/);
      expect(eraCacheKey("node", ["server.js"])).to.equal(key);
      expect(eraCacheKey("node", ["other.js"])).to.not.equal(key);
      expect(eraCacheKey("docker", ["run", "-i", "--rm", "mcp/a"])).to.not.equal(
        eraCacheKey("docker", ["run", "-i", "--rm", "mcp/b"]),
      );
    });
  });

  describe("EraCache", () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), "mcpware-era-cache-"));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("merges its verdicts into what the file holds now, and forgets on request", async () => {
      const file = path.join(dir, "eras.json");
      const errors: string[] = [];
      const one = new EraCache(file, (message) => errors.push(message));
      const two = new EraCache(file, (message) => errors.push(message));
      expect(await one.lookup("a")).to.equal(undefined);
      one.record("a", "modern");
      await one.flush();
      two.record("b", "legacy");
      await two.flush();
      const stored = JSON.parse(await readFile(file, "utf8")) as { eras: Record<string, { era: string }> };
      expect(Object.keys(stored.eras)).to.have.members(["a", "b"]);
      expect(await new EraCache(file, () => {}).lookup("a")).to.equal("modern");
      two.forget("b");
      await two.flush();
      expect(await new EraCache(file, () => {}).lookup("b")).to.equal(undefined);
      expect(errors).to.deep.equal([]);
    });

    it("reports a damaged file and serves from memory", async () => {
      const file = path.join(dir, "eras.json");
      await writeFile(file, JSON.stringify({ version: 99, eras: {} }));
      const errors: string[] = [];
      const cache = new EraCache(file, (message) => errors.push(message));
      expect(await cache.lookup("a")).to.equal(undefined);
      expect(errors).to.have.length(1);
      cache.record("a", "legacy");
      expect(await cache.lookup("a")).to.equal("legacy");
      await cache.flush();
      expect(await new EraCache(file, () => {}).lookup("a"), "the file was replaced").to.equal("legacy");
    });

    it("keeps verdicts in memory only without a file", async () => {
      const cache = new EraCache(undefined, () => {
        throw new Error("no file, no error");
      });
      cache.record("a", "modern");
      await cache.flush();
      expect(await cache.lookup("a")).to.equal("modern");
    });
  });
});
