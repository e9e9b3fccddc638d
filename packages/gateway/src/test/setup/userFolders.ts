/**
 * Loaded by mocha before any test (see `.mocharc.cjs`): the user's cache folder (where the pool remembers each
 * backend's protocol era) becomes a temp folder for this run, so no test reads or writes the real one. Gateways
 * the tests spawn inherit it through `baseEnv`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const cache = mkdtempSync(path.join(tmpdir(), "mcpware-cache-"));
process.env.XDG_CACHE_HOME = cache;
process.once("exit", () => rmSync(cache, { recursive: true, force: true }));
