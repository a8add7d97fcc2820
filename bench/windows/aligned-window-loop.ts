/*
 * The hand-written loop of the tumbling and sliding window benchmarks: what one would write
 * without an engine. Per window a Map from key to accumulator; each reading goes into every
 * window that contains it (size / slide of them); the watermark follows the timestamps
 * (monotonous: the largest timestamp minus one), and a window fires — each key's result to the
 * sink — and is dropped once the watermark reaches its last millisecond, as Flink's
 * EventTimeTrigger fires. End of input is the maximum watermark: every open window fires.
 */
import type { RunOutcome } from '../harness.ts';
import { Checksum, byKey, checksumSink, timestampOf, windowStats, type Reading, type StatsAccumulator } from './window-workload.ts';

export function alignedWindowLoop(n: number, size: number, slide: number, reading: (i: number) => Reading): RunOutcome {
  const acc = new Checksum();
  const sink = checksumSink(acc);
  const aggregate = windowStats;
  /** Window start → (key → accumulator). */
  const windows = new Map<number, Map<number, StatsAccumulator>>();
  let watermark = Number.NEGATIVE_INFINITY;
  /** The smallest maxTimestamp of an open window. */
  let nextFiring = Number.POSITIVE_INFINITY;

  const fire = (): void => {
    nextFiring = Number.POSITIVE_INFINITY;
    for (const [start, panes] of windows) {
      const maxTimestamp = start + size - 1;
      if (maxTimestamp > watermark) {
        if (maxTimestamp < nextFiring) nextFiring = maxTimestamp;
        continue;
      }
      for (const pane of panes.values()) sink(aggregate.getResult(pane));
      windows.delete(start);
    }
  };

  for (let i = 1; i <= n; i++) {
    const r = reading(i);
    const ts = timestampOf(r);
    const key = byKey(r);
    // Flink's getWindowStartWithOffset with offset 0, for timestamps ≥ 0.
    const lastStart = ts - (ts % slide);
    for (let start = lastStart; start > ts - size; start -= slide) {
      let panes = windows.get(start);
      if (panes === undefined) {
        panes = new Map();
        windows.set(start, panes);
        if (start + size - 1 < nextFiring) nextFiring = start + size - 1;
      }
      const current = panes.get(key);
      if (current === undefined) panes.set(key, aggregate.add(r, aggregate.createAccumulator()));
      else {
        const next = aggregate.add(r, current);
        if (next !== current) panes.set(key, next);
      }
    }
    if (ts - 1 > watermark) {
      watermark = ts - 1;
      if (watermark >= nextFiring) fire();
    }
  }
  watermark = Number.POSITIVE_INFINITY;
  fire();
  return acc.outcome();
}
