/*
 * Tests of TimeEvictor: keeps the elements within windowSize of the newest element's timestamp;
 * leaves panes without timestamps alone.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Duration } from '../../../../src/api/common/duration.ts';
import { NO_TIMESTAMP } from '../../../../src/api/common/watermark.ts';
import type { EvictorContext } from '../../../../src/api/windowing/evictors/evictor.ts';
import { TimeEvictor } from '../../../../src/api/windowing/evictors/time-evictor.ts';
import type { TimestampedValue } from '../../../../src/api/windowing/evictors/timestamped-value.ts';
import { TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';

const ctx: EvictorContext = { getCurrentProcessingTime: () => 0, getCurrentWatermark: () => 0, getMetricGroup: () => null as never };
const at = (...timestamps: number[]): TimestampedValue<string>[] => timestamps.map((timestamp) => ({ value: `v${timestamp}`, timestamp }));
const timestamps = (elements: TimestampedValue<string>[]) => elements.map((e) => e.timestamp);
const window = new TimeWindow(0, 100);

describe('TimeEvictor', () => {
  it('evicts elements at or before the newest timestamp minus windowSize', () => {
    const elements = at(1, 2, 6, 10, 11);
    const evictor = TimeEvictor.of(5);
    evictor.evictAfter(elements, elements.length, window, ctx);
    assert.equal(elements.length, 5);
    evictor.evictBefore(elements, elements.length, window, ctx);
    // Newest is 11, cutoff 6: 6 is evicted too.
    assert.deepEqual(timestamps(elements), [10, 11]);
    assert.deepEqual(elements.map((e) => e.value), ['v10', 'v11']);
  });

  it('finds the newest element wherever it is and keeps the order of the rest', () => {
    const elements = at(20, 3, 18, 40, 36, 1);
    TimeEvictor.of(Duration.ofMillis(10)).evictBefore(elements, elements.length, window, ctx);
    assert.deepEqual(timestamps(elements), [40, 36]);
  });

  it('evicts after the window function when asked to', () => {
    const elements = at(1, 10);
    const evictor = TimeEvictor.of(5, true);
    evictor.evictBefore(elements, elements.length, window, ctx);
    assert.deepEqual(timestamps(elements), [1, 10]);
    evictor.evictAfter(elements, elements.length, window, ctx);
    assert.deepEqual(timestamps(elements), [10]);
  });

  it('leaves the pane alone when its first element has no timestamp, and empty panes', () => {
    const elements = at(NO_TIMESTAMP, 1, 100);
    TimeEvictor.of(5).evictBefore(elements, elements.length, window, ctx);
    assert.equal(elements.length, 3);
    const empty = at();
    TimeEvictor.of(5).evictBefore(empty, 0, window, ctx);
    assert.deepEqual(empty, []);
  });

  it('takes a Duration and names itself', () => {
    assert.equal(TimeEvictor.of(Duration.ofSeconds(2)).getWindowSize(), 2000);
    assert.equal(String(TimeEvictor.of(5)), 'TimeEvictor(5)');
  });
});
