/**
 * Pools for tests: each is destroyed after the test, and every process it spawned must be gone. Their era verdicts
 * stay in memory (`eraCacheFile: false`) unless a test gives a file.
 */
import { expect } from "chai";
import { BackendPool } from "../../backendPool.js";
import type { BackendPoolOptions } from "../../types.js";
import { survivors } from "./processTable.js";

export interface PoolHarness {
  create(options?: BackendPoolOptions): BackendPool;
  /** Every pid spawned by the harness's pools (process group leaders). */
  readonly pids: Set<number>;
}

/** Call inside a `describe`: registers the `afterEach` that disposes pools and checks for leaks. */
export function usePoolHarness(): PoolHarness {
  const pools: BackendPool[] = [];
  const pids = new Set<number>();
  afterEach(async () => {
    await Promise.all(pools.map((pool) => pool.destroy()));
    pools.length = 0;
    const left = await survivors(pids);
    pids.clear();
    expect(left, "processes left behind").to.deep.equal([]);
  });
  return {
    pids,
    create(options) {
      // Never the user's era cache: in memory unless the test names a file.
      const pool = new BackendPool({ eraCacheFile: false, ...options });
      pools.push(pool);
      pool.onSpawn((event) => pids.add(event.pid));
      return pool;
    },
  };
}

/** The rejection reason of a promise that must reject. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the promise to reject");
}

/** Resolves with the first event the `subscribe`d listener sees that matches. */
export function nextEvent<E>(
  subscribe: (listener: (event: E) => void) => { dispose(): void },
  matches: (event: E) => boolean,
): Promise<E> {
  return new Promise((resolve) => {
    const subscription = subscribe((event) => {
      if (!matches(event)) return;
      subscription.dispose();
      resolve(event);
    });
  });
}
