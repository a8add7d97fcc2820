/*
 * Tests of SlidingEventTimeWindows (Flink's SlidingEventTimeWindowsTest): the windows of a
 * timestamp in Flink's order (last start first), offsets, argument checks, the missing-timestamp
 * error and the properties.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Duration } from '../../../../src/api/common/duration.ts';
import { NO_TIMESTAMP } from '../../../../src/api/common/watermark.ts';
import { SlidingEventTimeWindows } from '../../../../src/api/windowing/assigners/sliding-event-time-windows.ts';
import { EventTimeTrigger } from '../../../../src/api/windowing/triggers/event-time-trigger.ts';
import { TimeWindowSerializer, type TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';

const ctx = { getCurrentProcessingTime: () => 0 };
const keys = (windows: TimeWindow[]) => windows.map((w) => w.key());

describe('SlidingEventTimeWindows', () => {
  it('assigns each timestamp to size / slide windows, the one that starts last first', () => {
    const assigner = SlidingEventTimeWindows.of(Duration.ofMillis(5000), Duration.ofMillis(1000));
    assert.deepEqual(keys(assigner.assignWindows('String', 0, ctx)), ['0:5000', '-1000:4000', '-2000:3000', '-3000:2000', '-4000:1000']);
    assert.deepEqual(keys(assigner.assignWindows('String', 4999, ctx)), ['4000:9000', '3000:8000', '2000:7000', '1000:6000', '0:5000']);
    assert.deepEqual(keys(assigner.assignWindows('String', 5000, ctx)), ['5000:10000', '4000:9000', '3000:8000', '2000:7000', '1000:6000']);
  });

  it('shifts windows by an offset', () => {
    const assigner = SlidingEventTimeWindows.of(Duration.ofMillis(5000), Duration.ofMillis(1000), Duration.ofMillis(100));
    assert.deepEqual(keys(assigner.assignWindows('String', 100, ctx)).sort(), ['-3900:1100', '-2900:2100', '-1900:3100', '-900:4100', '100:5100'].sort());
    assert.deepEqual(keys(assigner.assignWindows('String', 5099, ctx)).sort(), ['100:5100', '1100:6100', '2100:7100', '3100:8100', '4100:9100'].sort());
    assert.deepEqual(keys(assigner.assignWindows('String', 5100, ctx)).sort(), ['1100:6100', '2100:7100', '3100:8100', '4100:9100', '5100:10100'].sort());
  });

  it('shifts windows by a negative offset', () => {
    const assigner = SlidingEventTimeWindows.of(Duration.ofMillis(5000), Duration.ofMillis(1000), Duration.ofMillis(-100));
    assert.deepEqual(keys(assigner.assignWindows('String', 0, ctx)).sort(), ['-4100:900', '-3100:1900', '-2100:2900', '-1100:3900', '-100:4900'].sort());
    assert.deepEqual(keys(assigner.assignWindows('String', 4899, ctx)).sort(), ['-100:4900', '900:5900', '1900:6900', '2900:7900', '3900:8900'].sort());
    assert.deepEqual(keys(assigner.assignWindows('String', 4900, ctx)).sort(), ['900:5900', '1900:6900', '2900:7900', '3900:8900', '4900:9900'].sort());
  });

  it('takes other time units', () => {
    const assigner = SlidingEventTimeWindows.of(Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofMillis(500));
    assert.deepEqual(keys(assigner.assignWindows('String', 100, ctx)).sort(), ['-4500:500', '-3500:1500', '-2500:2500', '-1500:3500', '-500:4500'].sort());
    assert.deepEqual(keys(assigner.assignWindows('String', 5499, ctx)).sort(), ['500:5500', '1500:6500', '2500:7500', '3500:8500', '4500:9500'].sort());
    assert.deepEqual(keys(assigner.assignWindows('String', 5100, ctx)).sort(), ['500:5500', '1500:6500', '2500:7500', '3500:8500', '4500:9500'].sort());
  });

  it('assigns one window when size equals slide and fewer when the slide does not divide the size', () => {
    assert.deepEqual(keys(SlidingEventTimeWindows.of(1000, 1000).assignWindows('x', 1500, ctx)), ['1000:2000']);
    assert.deepEqual(keys(SlidingEventTimeWindows.of(1000, 300).assignWindows('x', 1000, ctx)), ['900:1900', '600:1600', '300:1300']);
    // Gaps between windows when the slide is larger than the size.
    assert.deepEqual(keys(SlidingEventTimeWindows.of(100, 1000).assignWindows('x', 1050, ctx)), ['1000:1100']);
    assert.deepEqual(keys(SlidingEventTimeWindows.of(100, 1000).assignWindows('x', 1200, ctx)), []);
  });

  it('hands out the same windows again while an element falls into the same windows', () => {
    const assigner = SlidingEventTimeWindows.of(1000, 300);
    const first = assigner.assignWindows('x', 950, ctx);
    assert.deepEqual(keys(first), ['900:1900', '600:1600', '300:1300', '0:1000']);
    assert.equal(assigner.assignWindows('x', 999, ctx), first);
    // Same last start, but [0, 1000) ends before 1000: one window fewer.
    const second = assigner.assignWindows('x', 1000, ctx);
    assert.deepEqual(keys(second), ['900:1900', '600:1600', '300:1300']);
    assert.equal(assigner.assignWindows('x', 1199, ctx), second);
    assert.deepEqual(keys(assigner.assignWindows('x', 1200, ctx)), ['1200:2200', '900:1900', '600:1600', '300:1300']);
    // Back in time (out of order): the windows of that time.
    assert.deepEqual(keys(assigner.assignWindows('x', 950, ctx)), keys(first));
  });

  it('rejects arguments that break abs(offset) < slide and size > 0', () => {
    const message = /abs\(offset\) < slide and size > 0/;
    assert.throws(() => SlidingEventTimeWindows.of(Duration.ofSeconds(-2), Duration.ofSeconds(1)), { name: 'RangeError', message });
    assert.throws(() => SlidingEventTimeWindows.of(Duration.ofSeconds(2), Duration.ofSeconds(-1)), message);
    assert.throws(() => SlidingEventTimeWindows.of(Duration.ofSeconds(2), 0), message);
    assert.throws(() => SlidingEventTimeWindows.of(Duration.ofSeconds(-20), Duration.ofSeconds(10), Duration.ofSeconds(-1)), message);
    assert.throws(() => SlidingEventTimeWindows.of(Duration.ofSeconds(20), Duration.ofSeconds(10), Duration.ofSeconds(-11)), message);
    assert.throws(() => SlidingEventTimeWindows.of(Duration.ofSeconds(20), Duration.ofSeconds(10), Duration.ofSeconds(11)), message);
  });

  it('rejects more than MAX_WINDOW_NUM windows per element', () => {
    assert.throws(() => SlidingEventTimeWindows.of(Duration.ofDays(365), 1), /size \/ slide <= 10000000/);
    assert.doesNotThrow(() => SlidingEventTimeWindows.of(10_000_000, 1));
  });

  it('fails for an element without a timestamp', () => {
    assert.throws(() => SlidingEventTimeWindows.of(5000, 1000).assignWindows('x', NO_TIMESTAMP, ctx), /Record has Long.MIN_VALUE timestamp \(= no timestamp marker\)/);
  });

  it('is event time, with the EventTimeTrigger and the TimeWindow serializer', () => {
    const assigner = SlidingEventTimeWindows.of(Duration.ofSeconds(5), Duration.ofMillis(100));
    assert.equal(assigner.isEventTime(), true);
    assert.equal(assigner.getWindowSerializer(), TimeWindowSerializer.INSTANCE);
    assert.ok(assigner.getDefaultTrigger() instanceof EventTimeTrigger);
    assert.equal(assigner.getSize(), 5000);
    assert.equal(assigner.getSlide(), 100);
    assert.equal(String(assigner), 'SlidingEventTimeWindows(5000, 100)');
  });
});
