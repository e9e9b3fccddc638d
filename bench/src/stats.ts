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

/**
 * One figure measured on both sides: the median over rounds of each side, and gateway/direct. A side that
 * was not measured (gateway not built yet) is null, and so is the ratio.
 */
export interface Comparison {
  readonly unit: string;
  readonly direct: number | null;
  readonly gateway: number | null;
  /** gateway / direct. */
  readonly ratio: number | null;
  readonly directRounds: readonly number[];
  readonly gatewayRounds: readonly number[];
}

/** Builds a {@link Comparison} from the per-round values of each side. */
export function compare(
  unit: string,
  directRounds: readonly number[],
  gatewayRounds: readonly number[],
): Comparison {
  const direct = directRounds.length > 0 ? median(directRounds) : null;
  const gateway = gatewayRounds.length > 0 ? median(gatewayRounds) : null;
  return {
    unit,
    direct,
    gateway,
    ratio: direct !== null && gateway !== null && direct > 0 ? gateway / direct : null,
    directRounds: directRounds.map(roundTo3),
    gatewayRounds: gatewayRounds.map(roundTo3),
  };
}

/** Rounds to 3 decimals so the JSON stays readable. */
export function roundTo3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
