/** Paths and specs of the fixture processes (compiled next to the tests). */
import { fileURLToPath } from "node:url";
import type { BackendPool } from "../../backendPool.js";
import type { BackendSpec } from "../../types.js";

export type FixtureName =
  | "echo"
  | "slowStart"
  | "neverInitializes"
  | "hangsOnCall"
  | "crashesMidRequest"
  | "exitsAtOnce"
  | "printsNoise"
  | "writesHugeLine"
  | "ignoresStdinClose"
  | "ignoresSigterm"
  | "spawnsGrandchild"
  | "floodsStderr"
  | "closesStdin"
  | "recordsMessages"
  | "modernServer";

export function fixturePath(name: FixtureName): string {
  return fileURLToPath(new URL(`../fixtures/${name}.js`, import.meta.url));
}

/** A spec running a fixture with node; `name` defaults to the fixture's name. */
export function fixtureSpec(
  fixture: FixtureName,
  overrides: Partial<BackendSpec> & { argv?: string[] } = {},
): BackendSpec {
  const { argv = [], ...rest } = overrides;
  return { name: fixture, command: process.execPath, args: [fixturePath(fixture), ...argv], ...rest };
}

/**
 * Records every pid the pool spawns, so a test can check afterwards that they
 * and their process groups are gone.
 */
export function trackPids(pool: BackendPool): Set<number> {
  const pids = new Set<number>();
  pool.onSpawn((event) => pids.add(event.pid));
  return pids;
}
