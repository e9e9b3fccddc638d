/** Nearest-rank percentile (p in 0–100) of the values; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** The median (mean of the two middle values for an even count); NaN for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle] as number;
  return ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The three ways the client reaches server-everything (see `benchSession.ts`). */
export type Side = "direct" | "floor" | "gateway";

/** The sides in the order every item measures them (and the order of the report's columns). */
export const ALL_SIDES: readonly Side[] = ["direct", "floor", "gateway"];

/**
 * One figure measured on up to three sides: the median over rounds of each side, and the ratios between them.
 * A side that was not measured (gateway not built yet, or an item without a floor) is null, and so is every
 * ratio that needs it.
 */
export interface Comparison {
  readonly unit: string;
  readonly direct: number | null;
  readonly floor: number | null;
  readonly gateway: number | null;
  /** gateway / direct. */
  readonly ratio: number | null;
  /** floor / direct: what the minimal relay adds on its own. */
  readonly floorVsDirect: number | null;
  /** gateway / floor: what mcpware adds beyond what any gateway must do. */
  readonly gatewayVsFloor: number | null;
  readonly directRounds: readonly number[];
  readonly floorRounds: readonly number[];
  readonly gatewayRounds: readonly number[];
}

/** Per-round values of each side, for {@link compare}. */
export type RoundsBySide = Partial<Record<Side, readonly number[]>>;

/** An empty list of rounds for every side. */
export function emptyRounds(): Record<Side, number[]> {
  return { direct: [], floor: [], gateway: [] };
}

/** Builds a {@link Comparison} from the per-round values of each side. */
export function compare(unit: string, rounds: RoundsBySide): Comparison {
  const of = (side: Side): number | null => {
    const values = rounds[side] ?? [];
    return values.length > 0 ? median(values) : null;
  };
  const direct = of("direct");
  const floor = of("floor");
  const gateway = of("gateway");
  return {
    unit,
    direct,
    floor,
    gateway,
    ratio: ratioOf(gateway, direct),
    floorVsDirect: ratioOf(floor, direct),
    gatewayVsFloor: ratioOf(gateway, floor),
    directRounds: (rounds.direct ?? []).map(roundTo3),
    floorRounds: (rounds.floor ?? []).map(roundTo3),
    gatewayRounds: (rounds.gateway ?? []).map(roundTo3),
  };
}

/** numerator / denominator, or null when either is missing or the denominator is not positive. */
export function ratioOf(numerator: number | null, denominator: number | null): number | null {
  return numerator !== null && denominator !== null && denominator > 0 ? numerator / denominator : null;
}

/** Rounds to 3 decimals so the JSON stays readable. */
export function roundTo3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
