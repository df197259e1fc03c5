/** Summary of a sample of durations (ms). */
export interface Distribution {
  readonly count: number;
  readonly median: number | undefined;
  readonly p95: number | undefined;
  readonly max: number | undefined;
}

/**
 * Median, 95th percentile (nearest rank) and maximum.
 * @param values - the sample
 */
export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
  return { count: sorted.length, median: rank(0.5), p95: rank(0.95), max: sorted.at(-1) };
}

/** Milliseconds as seconds with one decimal, or `-`. */
export function seconds(ms: number | undefined): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`;
}
