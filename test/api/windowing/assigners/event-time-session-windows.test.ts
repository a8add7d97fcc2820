/*
 * Tests of EventTimeSessionWindows (Flink's EventTimeSessionWindowsTest): assignment, merging of
 * single, consecutive and covering windows, argument checks and the properties.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Duration } from '../../../../src/api/common/duration.ts';
import { NO_TIMESTAMP } from '../../../../src/api/common/watermark.ts';
import { DynamicEventTimeSessionWindows } from '../../../../src/api/windowing/assigners/dynamic-event-time-session-windows.ts';
import { EventTimeSessionWindows } from '../../../../src/api/windowing/assigners/event-time-session-windows.ts';
import { MergingWindowAssigner } from '../../../../src/api/windowing/assigners/merging-window-assigner.ts';
import { EventTimeTrigger } from '../../../../src/api/windowing/triggers/event-time-trigger.ts';
import { TimeWindow, TimeWindowSerializer } from '../../../../src/api/windowing/windows/time-window.ts';
import { mergeCalls } from './merge-calls.ts';

const ctx = { getCurrentProcessingTime: () => 0 };
const keys = (windows: TimeWindow[]) => windows.map((w) => w.key());
const w = (start: number, end: number) => new TimeWindow(start, end);

describe('EventTimeSessionWindows', () => {
  it('assigns [timestamp, timestamp + gap)', () => {
    const sessionGap = 5000;
    const assigner = EventTimeSessionWindows.withGap(Duration.ofMillis(sessionGap));
    assert.deepEqual(keys(assigner.assignWindows('String', 0, ctx)), [`0:${sessionGap}`]);
    assert.deepEqual(keys(assigner.assignWindows('String', 4999, ctx)), [`4999:${4999 + sessionGap}`]);
    assert.deepEqual(keys(assigner.assignWindows('String', 5000, ctx)), [`5000:${5000 + sessionGap}`]);
    assert.deepEqual(keys(assigner.assignWindows('String', -10, ctx)), [`-10:${-10 + sessionGap}`]);
  });

  it('takes other time units and plain milliseconds', () => {
    assert.deepEqual(keys(EventTimeSessionWindows.withGap(Duration.ofSeconds(5)).assignWindows('String', 4999, ctx)), ['4999:9999']);
    assert.deepEqual(keys(EventTimeSessionWindows.withGap(5000).assignWindows('String', 5000, ctx)), ['5000:10000']);
  });

  it('does not merge a single (point) window', () => {
    const assigner = EventTimeSessionWindows.withGap(Duration.ofMillis(5000));
    assert.deepEqual(mergeCalls(assigner, [w(0, 0)]), []);
    assert.deepEqual(mergeCalls(assigner, [w(0, 1)]), []);
  });

  it('merges consecutive windows', () => {
    const assigner = EventTimeSessionWindows.withGap(Duration.ofMillis(5000));
    assert.deepEqual(mergeCalls(assigner, [w(0, 1), w(1, 2), w(2, 3), w(4, 5), w(5, 6)]), [
      { merged: ['0:1', '1:2', '2:3'], into: '0:3' },
      { merged: ['4:5', '5:6'], into: '4:6' },
    ]);
  });

  it('merges covering windows', () => {
    const assigner = EventTimeSessionWindows.withGap(Duration.ofMillis(5000));
    assert.deepEqual(mergeCalls(assigner, [w(1, 1), w(0, 2), w(4, 7), w(5, 6)]), [
      { merged: ['0:2', '1:1'], into: '0:2' },
      { merged: ['4:7', '5:6'], into: '4:7' },
    ]);
  });

  it('rejects a gap that is not positive', () => {
    assert.throws(() => EventTimeSessionWindows.withGap(Duration.ofSeconds(-1)), { name: 'RangeError', message: /0 < size/ });
    assert.throws(() => EventTimeSessionWindows.withGap(Duration.ofSeconds(0)), /0 < size/);
  });

  it('fails for an element without a timestamp', () => {
    assert.throws(() => EventTimeSessionWindows.withGap(10).assignWindows('x', NO_TIMESTAMP, ctx), /Record has Long.MIN_VALUE timestamp/);
  });

  it('is a merging event-time assigner with the EventTimeTrigger', () => {
    const assigner = EventTimeSessionWindows.withGap(Duration.ofSeconds(5));
    assert.ok(assigner instanceof MergingWindowAssigner);
    assert.equal(assigner.isEventTime(), true);
    assert.equal(assigner.getWindowSerializer(), TimeWindowSerializer.INSTANCE);
    assert.ok(assigner.getDefaultTrigger() instanceof EventTimeTrigger);
    assert.equal(assigner.getGap(), 5000);
    assert.equal(String(assigner), 'EventTimeSessionWindows(5000)');
  });

  it('withDynamicGap makes a dynamic event-time session assigner', () => {
    const assigner = EventTimeSessionWindows.withDynamicGap((s: string) => s.length);
    assert.ok(assigner instanceof DynamicEventTimeSessionWindows);
    assert.equal(assigner.isEventTime(), true);
    assert.deepEqual(keys(assigner.assignWindows('abc', 10, ctx)), ['10:13']);
  });
});
