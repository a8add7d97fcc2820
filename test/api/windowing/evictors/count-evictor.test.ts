/*
 * Tests of CountEvictor: keeps the last maxCount elements of a pane, before or after the window
 * function.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CountEvictor } from '../../../../src/api/windowing/evictors/count-evictor.ts';
import type { EvictorContext } from '../../../../src/api/windowing/evictors/evictor.ts';
import type { TimestampedValue } from '../../../../src/api/windowing/evictors/timestamped-value.ts';
import { GlobalWindow } from '../../../../src/api/windowing/windows/global-window.ts';

const ctx: EvictorContext = { getCurrentProcessingTime: () => 0, getCurrentWatermark: () => 0, getMetricGroup: () => null as never };
const pane = (...values: number[]): TimestampedValue<number>[] => values.map((value) => ({ value, timestamp: value * 10 }));
const values = (elements: TimestampedValue<number>[]) => elements.map((e) => e.value);
const window = GlobalWindow.get();

describe('CountEvictor', () => {
  it('evicts the oldest elements beyond maxCount before the window function', () => {
    const evictor = CountEvictor.of(3);
    const elements = pane(1, 2, 3, 4, 5);
    evictor.evictAfter(elements, elements.length, window, ctx);
    assert.deepEqual(values(elements), [1, 2, 3, 4, 5]);
    evictor.evictBefore(elements, elements.length, window, ctx);
    assert.deepEqual(values(elements), [3, 4, 5]);
  });

  it('evicts after the window function when asked to', () => {
    const evictor = CountEvictor.of(2, true);
    const elements = pane(1, 2, 3);
    evictor.evictBefore(elements, elements.length, window, ctx);
    assert.deepEqual(values(elements), [1, 2, 3]);
    evictor.evictAfter(elements, elements.length, window, ctx);
    assert.deepEqual(values(elements), [2, 3]);
  });

  it('leaves panes of at most maxCount elements alone', () => {
    const elements = pane(1, 2, 3);
    CountEvictor.of(3).evictBefore(elements, elements.length, window, ctx);
    assert.deepEqual(values(elements), [1, 2, 3]);
    const empty = pane();
    CountEvictor.of(0).evictBefore(empty, 0, window, ctx);
    assert.deepEqual(empty, []);
  });

  it('evicts everything with maxCount 0', () => {
    const elements = pane(1, 2);
    CountEvictor.of(0).evictBefore(elements, elements.length, window, ctx);
    assert.deepEqual(elements, []);
  });

  it('counts by the size it is given, as Flink does', () => {
    const elements = pane(1, 2, 3, 4, 5);
    CountEvictor.of(3).evictBefore(elements, 4, window, ctx);
    assert.deepEqual(values(elements), [2, 3, 4, 5]);
  });

  it('rejects a count that is not a number and names itself', () => {
    assert.throws(() => CountEvictor.of('3' as never), TypeError);
    assert.equal(CountEvictor.of(3).getMaxCount(), 3);
    assert.equal(String(CountEvictor.of(3)), 'CountEvictor(3)');
  });
});
