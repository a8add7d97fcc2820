/*
 * How the state figures of several keyed state backends (or tasks) are combined for metrics.
 */

/** Sums state figures; levels (0..1) take the maximum instead. */
export function mergeStateMetrics(all: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const metrics of all) {
    for (const [name, value] of Object.entries(metrics)) {
      if (typeof value !== 'number') continue;
      out[name] = name.endsWith('backPressureLevel') || name.endsWith('.p99') || name.endsWith('.p50') ? Math.max(out[name] ?? 0, value) : (out[name] ?? 0) + value;
    }
  }
  return out;
}
