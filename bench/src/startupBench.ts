import { performance } from "node:perf_hooks";
import { alternate, type BenchContext, closeSession, sides } from "./benchContext.js";
import { BenchSession, type Side } from "./benchSession.js";
import { ECHO_MESSAGE } from "./callLoops.js";
import { compare, type Comparison, emptyRounds } from "./stats.js";

/** Item 3: from spawn to the `initialize` reply, and to the first tool result. */
export interface StartupResult {
  readonly rounds: number;
  /** Spawn → `initialize` reply, ms. Through mcpware no backend is started for it. */
  readonly initializeReply: Comparison;
  /** Spawn → first `echo` result, ms; through mcpware this includes the backend's lazy start. */
  readonly firstToolResult: Comparison;
}

/**
 * Runs item 3. One untimed start per side goes first so that both sides find the files of Node and their
 * modules in the page cache.
 */
export async function runStartupBench(context: BenchContext): Promise<StartupResult> {
  const { startupRounds } = context.plan;
  const initialize = emptyRounds();
  const firstResult = emptyRounds();
  for (const side of sides(context)) await startOnce(context, side);
  await alternate(context, startupRounds, async (side) => {
    const timing = await startOnce(context, side);
    initialize[side].push(timing.initializeReplyMs);
    firstResult[side].push(timing.firstToolResultMs);
  });
  return {
    rounds: startupRounds,
    initializeReply: compare("ms", initialize),
    firstToolResult: compare("ms", firstResult),
  };
}

async function startOnce(
  context: BenchContext,
  side: Side,
): Promise<{ initializeReplyMs: number; firstToolResultMs: number }> {
  const session = await BenchSession.open(context.environment, side, 1);
  try {
    await session.echo(ECHO_MESSAGE);
    return {
      initializeReplyMs: session.initializeReplyMs,
      firstToolResultMs: performance.now() - session.spawnedAt,
    };
  } finally {
    await closeSession(context, session);
  }
}
