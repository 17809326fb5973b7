// Small statistics over samples in milliseconds: the figures every workload reports.

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly p95: number;
  readonly mean: number;
  readonly total: number;
}

/** Nearest-rank percentile of sorted samples (p in [0, 1]). */
function rank(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i] as number;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = samples.reduce((s, x) => s + x, 0);
  return { n: samples.length, median: rank(sorted, 0.5), p95: rank(sorted, 0.95), mean: total / Math.max(1, samples.length), total };
}

export function median(samples: readonly number[]): number {
  return summarize(samples).median;
}
