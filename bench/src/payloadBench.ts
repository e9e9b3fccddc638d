import { performance } from "node:perf_hooks";
import { alternate, type BenchContext, sessionOf, withSideSessions } from "./benchContext.js";
import { compare, type Comparison, emptyRounds, median } from "./stats.js";

/** Item 6: sequential echo latency by argument size. */
export interface PayloadResult {
  readonly rounds: number;
  readonly sizes: readonly {
    readonly label: string;
    readonly bytes: number;
    readonly callsPerRound: number;
    /** Median over rounds of each round's median call, ms. */
    readonly latency: Comparison;
  }[];
}

/** Runs item 6: each size gets one untimed call per side, then alternating rounds of sequential calls. */
export async function runPayloadBench(context: BenchContext): Promise<PayloadResult> {
  const { rounds, payloads } = context.plan;
  const sizes: PayloadResult["sizes"][number][] = [];
  await withSideSessions(context, async (sessions) => {
    for (const payload of payloads) {
      const message = "x".repeat(payload.bytes);
      for (const session of Object.values(sessions)) await session.echo(message);
      const perRound = emptyRounds();
      await alternate(context, rounds, async (side) => {
        const session = sessionOf(sessions, side);
        const samples: number[] = [];
        for (let call = 0; call < payload.callsPerRound; call++) {
          const start = performance.now();
          await session.echo(message);
          samples.push(performance.now() - start);
        }
        perRound[side].push(median(samples));
      });
      sizes.push({ ...payload, latency: compare("ms", perRound) });
    }
  });
  return { rounds, sizes };
}
