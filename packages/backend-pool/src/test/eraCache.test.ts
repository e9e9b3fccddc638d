import { expect } from "chai";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { EraCache, defaultEraCacheFile, eraCacheKey } from "../eraCache.js";

describe("eraCache", () => {
  describe("defaultEraCacheFile", () => {
    // Folders made up for the test, built from the temp folder: no machine's own paths.
    const home = path.posix.join(tmpdir(), "era-home");
    const cacheHome = path.posix.join(tmpdir(), "era-cache");

    it("is under $XDG_CACHE_HOME when it is an absolute path, else ~/.cache", () => {
      expect(defaultEraCacheFile({ XDG_CACHE_HOME: cacheHome }, "linux", home)).to.equal(
        path.posix.join(cacheHome, "mcpware", "eras.json"),
      );
      expect(defaultEraCacheFile({ XDG_CACHE_HOME: "relative" }, "linux", home)).to.equal(
        path.posix.join(home, ".cache", "mcpware", "eras.json"),
      );
      expect(defaultEraCacheFile({}, "darwin", home)).to.equal(
        path.posix.join(home, ".cache", "mcpware", "eras.json"),
      );
    });

    it("is under %LOCALAPPDATA% on Windows", () => {
      const profile = path.win32.join("X:\\", "profile");
      const local = path.win32.join(profile, "AppData", "Local");
      expect(defaultEraCacheFile({ LOCALAPPDATA: local }, "win32", profile)).to.equal(
        path.win32.join(local, "mcpware", "eras.json"),
      );
      expect(defaultEraCacheFile({}, "win32", profile)).to.equal(
        path.win32.join(local, "mcpware", "eras.json"),
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
