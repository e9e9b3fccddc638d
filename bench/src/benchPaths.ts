import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout root, computed from this file's location (`bench/dist/benchPaths.js`). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Where `latest.json` and `latest.svg` are written. */
export const RESULTS_DIR = join(REPO_ROOT, "bench", "results");

/** The gateway binary built by `tsc -b` (`packages/gateway/dist/bin.js`). */
export const DEFAULT_GATEWAY_BIN = join(REPO_ROOT, "packages", "gateway", "dist", "bin.js");

const requireFromRoot = createRequire(join(REPO_ROOT, "package.json"));

/**
 * The entry script of the pinned `@modelcontextprotocol/server-everything`, resolved from the root
 * `node_modules`. It is run as `node <entry> stdio` so no shell wrapper sits between us and the server (the
 * pid we measure is the server's own).
 */
export function resolveEverythingEntry(): string {
  const packageJson = requireFromRoot.resolve("@modelcontextprotocol/server-everything/package.json");
  return join(dirname(packageJson), "dist", "index.js");
}

/**
 * The version of a package installed at the root (undefined when not resolvable). Some packages map
 * `./package.json` to a nested file through `exports`, so this walks up from what resolves to the
 * `package.json` that carries the package's own name.
 */
export function readPackageVersion(name: string): string | undefined {
  let directory: string;
  try {
    directory = dirname(requireFromRoot.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
  for (;;) {
    const version = readManifestVersion(join(directory, "package.json"), name);
    if (version !== undefined) return version;
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

/** The version of the workspace's gateway package. */
export function readGatewayVersion(): string | undefined {
  return readManifestVersion(join(REPO_ROOT, "packages", "gateway", "package.json"), "@mcpware/gateway");
}

function readManifestVersion(path: string, name: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const manifest = JSON.parse(readFileSync(path, "utf8")) as { name?: string; version?: string };
  return manifest.name === name ? manifest.version : undefined;
}

/** The floor side's relay, compiled next to this file (`bench/dist/floorRelay.js`). */
export const FLOOR_RELAY_SCRIPT = fileURLToPath(new URL("./floorRelay.js", import.meta.url));
