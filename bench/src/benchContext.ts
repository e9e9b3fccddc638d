import type { BenchPlan } from "./benchOptions.js";
import { BenchSession, type SessionEnvironment, type Side } from "./benchSession.js";
import { warmUp } from "./callLoops.js";

/** What every item receives: the plan, how to spawn sessions, and where to report progress and warnings. */
export interface BenchContext {
  readonly plan: BenchPlan;
  readonly environment: SessionEnvironment;
  /** False while the gateway is not built: items then measure the direct and floor sides only. */
  readonly gatewayAvailable: boolean;
  /** Progress lines (stderr; stdout carries the table). */
  log(message: string): void;
  /** Facts worth keeping in the results, e.g. processes the gateway left behind. */
  warn(message: string): void;
}

/** The sides to measure in this run: direct, floor, and mcpware when its binary exists. */
export function sides(context: BenchContext): Side[] {
  return context.gatewayAvailable ? ["direct", "floor", "gateway"] : ["direct", "floor"];
}

/**
 * Runs `measure` for every side, `rounds` times, rotating which side goes first (round r starts with side
 * r mod n) so that drift on a shared machine (other jobs, thermal state) falls on every side alike.
 */
export async function alternate(
  context: BenchContext,
  rounds: number,
  measure: (side: Side, round: number) => Promise<void>,
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const all = sides(context);
    const first = round % all.length;
    for (const side of [...all.slice(first), ...all.slice(0, first)]) await measure(side, round);
  }
}

/** Opens a session, reporting leftovers on close; the session is closed whatever `use` does. */
export async function withSession<T>(
  context: BenchContext,
  side: Side,
  backendCount: number,
  use: (session: BenchSession) => Promise<T>,
): Promise<T> {
  const session = await BenchSession.open(context.environment, side, backendCount);
  try {
    return await use(session);
  } finally {
    await closeSession(context, session);
  }
}

/**
 * Opens one session per measured side (each fronting one backend), all at the same time, for items that compare
 * call by call, and warms each up (`plan.warmupMs` of sustained load each) before `use` runs.
 */
export async function withSideSessions<T>(
  context: BenchContext,
  use: (sessions: Partial<Record<Side, BenchSession>>) => Promise<T>,
): Promise<T> {
  const sessions: Partial<Record<Side, BenchSession>> = {};
  try {
    for (const side of sides(context)) sessions[side] = await BenchSession.open(context.environment, side, 1);
    for (const session of Object.values(sessions)) await warmUp(session, context.plan.warmupMs);
    return await use(sessions);
  } finally {
    await Promise.all(
      Object.values(sessions).map((session) =>
        session === undefined ? undefined : closeSession(context, session),
      ),
    );
  }
}

/** Closes a session and turns leftover processes into a warning. */
export async function closeSession(context: BenchContext, session: BenchSession): Promise<void> {
  const report = await session.close();
  if (report.leftoverPids.length > 0) {
    context.warn(
      `${session.side} pid ${session.pid} left ${report.leftoverPids.length} process(es) running after close ` +
        `(killed by the bench): ${report.leftoverPids.join(", ")}`,
    );
  }
}

/** The session of `side`, which must have been opened. */
export function sessionOf(sessions: Partial<Record<Side, BenchSession>>, side: Side): BenchSession {
  const session = sessions[side];
  if (session === undefined) throw new Error(`no ${side} session was opened`);
  return session;
}
