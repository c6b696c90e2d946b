// Each figure is a median with its min–max over several runs: this machine is shared and noisy.

export function summarize(samples) {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length, samples };
}

/** seed / peer on medians; undefined when either side is missing. */
export function ratio(a, b) {
  if (!a || !b || b.median === 0) return undefined;
  return a.median / b.median;
}

/** An event-loop delay histogram (perf_hooks, nanoseconds) in milliseconds; a 1 ms timer reads ~1.1 ms idle. */
export function delaySummary(h) {
  const ms = (ns) => ns / 1e6;
  return { median: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), count: h.count };
}

/** The value at quantile `q` of an ascending array. */
export const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
