/*
 * Tests of DeltaEvictor: evicts the elements whose delta to the last element reaches the threshold.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeltaEvictor } from '../../../../src/api/windowing/evictors/delta-evictor.ts';
import type { EvictorContext } from '../../../../src/api/windowing/evictors/evictor.ts';
import type { TimestampedValue } from '../../../../src/api/windowing/evictors/timestamped-value.ts';
import { GlobalWindow } from '../../../../src/api/windowing/windows/global-window.ts';

const ctx: EvictorContext = { getCurrentProcessingTime: () => 0, getCurrentWatermark: () => 0, getMetricGroup: () => null as never };
const pane = (...values: number[]): TimestampedValue<number>[] => values.map((value, i) => ({ value, timestamp: i }));
const values = (elements: TimestampedValue<number>[]) => elements.map((e) => e.value);
const window = GlobalWindow.get();
const distance = (a: number, b: number) => Math.abs(a - b);

describe('DeltaEvictor', () => {
  it('evicts elements whose delta to the last element is at least the threshold', () => {
    const elements = pane(1, 5, 9, 12, 5, 10);
    const evictor = DeltaEvictor.of(5, distance);
    evictor.evictAfter(elements, elements.length, window, ctx);
    assert.equal(elements.length, 6);
    evictor.evictBefore(elements, elements.length, window, ctx);
    // Deltas to 10: 9, 5, 1, 2, 5, 0.
    assert.deepEqual(values(elements), [9, 12, 10]);
  });

  it('takes a DeltaFunction object and evicts after the window function when asked to', () => {
    const calls: [number, number][] = [];
    const evictor = DeltaEvictor.of(
      2,
      {
        getDelta(oldDataPoint: number, newDataPoint: number) {
          calls.push([oldDataPoint, newDataPoint]);
          return distance(oldDataPoint, newDataPoint);
        },
      },
      true,
    );
    const elements = pane(0, 3, 4);
    evictor.evictBefore(elements, elements.length, window, ctx);
    assert.equal(calls.length, 0);
    evictor.evictAfter(elements, elements.length, window, ctx);
    assert.deepEqual(values(elements), [3, 4]);
    assert.deepEqual(calls, [[0, 4], [3, 4], [4, 4]]);
  });

  it('leaves empty panes alone and rejects bad arguments', () => {
    const empty = pane();
    DeltaEvictor.of(1, distance).evictBefore(empty, 0, window, ctx);
    assert.deepEqual(empty, []);
    assert.throws(() => DeltaEvictor.of(1, {} as never), TypeError);
    assert.throws(() => DeltaEvictor.of('1' as never, distance), TypeError);
    assert.match(String(DeltaEvictor.of(1.5, distance)), /^DeltaEvictor\(.*, 1\.5\)$/);
  });
});
