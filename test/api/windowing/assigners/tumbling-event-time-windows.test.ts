/*
 * Tests of TumblingEventTimeWindows (Flink's TumblingEventTimeWindowsTest): assignment with and
 * without offsets and stagger, argument checks, the missing-timestamp error and the properties.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Duration } from '../../../../src/api/common/duration.ts';
import { NO_TIMESTAMP } from '../../../../src/api/common/watermark.ts';
import { TumblingEventTimeWindows } from '../../../../src/api/windowing/assigners/tumbling-event-time-windows.ts';
import { WindowStagger } from '../../../../src/api/windowing/assigners/window-stagger.ts';
import { EventTimeTrigger } from '../../../../src/api/windowing/triggers/event-time-trigger.ts';
import { TimeWindow, TimeWindowSerializer } from '../../../../src/api/windowing/windows/time-window.ts';

const at = (now: number) => ({ getCurrentProcessingTime: () => now });
const keys = (windows: TimeWindow[]) => windows.map((w) => w.key());

describe('TumblingEventTimeWindows', () => {
  it('assigns each timestamp to the window of its size that contains it', () => {
    const assigner = TumblingEventTimeWindows.of(Duration.ofMillis(5000));
    assert.deepEqual(keys(assigner.assignWindows('String', 0, at(0))), ['0:5000']);
    assert.deepEqual(keys(assigner.assignWindows('String', 4999, at(0))), ['0:5000']);
    assert.deepEqual(keys(assigner.assignWindows('String', 5000, at(0))), ['5000:10000']);
    assert.ok(assigner.assignWindows('String', 1, at(0))[0] instanceof TimeWindow);
  });

  it('assigns negative timestamps to windows before the epoch', () => {
    const assigner = TumblingEventTimeWindows.of(1000);
    assert.deepEqual(keys(assigner.assignWindows('x', -1, at(0))), ['-1000:0']);
    assert.deepEqual(keys(assigner.assignWindows('x', -1000, at(0))), ['-1000:0']);
    assert.deepEqual(keys(assigner.assignWindows('x', -1001, at(0))), ['-2000:-1000']);
  });

  it('staggers windows by the natural offset of the first element', () => {
    const assigner = TumblingEventTimeWindows.of(Duration.ofMillis(5000), Duration.ofMillis(0), WindowStagger.NATURAL);
    assert.deepEqual(keys(assigner.assignWindows('String', 150, at(150))), ['150:5150']);
    assert.deepEqual(keys(assigner.assignWindows('String', 5099, at(150))), ['150:5150']);
    assert.deepEqual(keys(assigner.assignWindows('String', 5300, at(150))), ['5150:10150']);
  });

  it('takes the stagger offset once, from the first element', () => {
    const assigner = TumblingEventTimeWindows.of(5000, 0, WindowStagger.NATURAL);
    assigner.assignWindows('a', 150, at(150));
    assert.deepEqual(keys(assigner.assignWindows('b', 150, at(4000))), ['150:5150']);
  });

  it('shifts windows by a global offset', () => {
    const assigner = TumblingEventTimeWindows.of(Duration.ofMillis(5000), Duration.ofMillis(100));
    assert.deepEqual(keys(assigner.assignWindows('String', 100, at(0))), ['100:5100']);
    assert.deepEqual(keys(assigner.assignWindows('String', 5099, at(0))), ['100:5100']);
    assert.deepEqual(keys(assigner.assignWindows('String', 5100, at(0))), ['5100:10100']);
  });

  it('shifts windows by a negative global offset', () => {
    const assigner = TumblingEventTimeWindows.of(Duration.ofMillis(5000), Duration.ofMillis(-100));
    assert.deepEqual(keys(assigner.assignWindows('String', 0, at(0))), ['-100:4900']);
    assert.deepEqual(keys(assigner.assignWindows('String', 4899, at(0))), ['-100:4900']);
    assert.deepEqual(keys(assigner.assignWindows('String', 4900, at(0))), ['4900:9900']);
  });

  it('takes other time units and plain milliseconds', () => {
    const assigner = TumblingEventTimeWindows.of(Duration.ofSeconds(5), Duration.ofSeconds(1));
    assert.deepEqual(keys(assigner.assignWindows('String', 1000, at(0))), ['1000:6000']);
    assert.deepEqual(keys(assigner.assignWindows('String', 5999, at(0))), ['1000:6000']);
    assert.deepEqual(keys(assigner.assignWindows('String', 6000, at(0))), ['6000:11000']);
    assert.deepEqual(keys(TumblingEventTimeWindows.of(5000, 1000).assignWindows('String', 6000, at(0))), ['6000:11000']);
  });

  it('rejects sizes and offsets that break abs(offset) < size', () => {
    assert.throws(() => TumblingEventTimeWindows.of(Duration.ofSeconds(-1)), { name: 'RangeError', message: /abs\(offset\) < size/ });
    assert.throws(() => TumblingEventTimeWindows.of(0), /abs\(offset\) < size/);
    assert.throws(() => TumblingEventTimeWindows.of(Duration.ofSeconds(10), Duration.ofSeconds(20)), /abs\(offset\) < size/);
    assert.throws(() => TumblingEventTimeWindows.of(Duration.ofSeconds(10), Duration.ofSeconds(-11)), /abs\(offset\) < size/);
    assert.throws(() => TumblingEventTimeWindows.of(Duration.ofSeconds(10), Duration.ofSeconds(10)), /abs\(offset\) < size/);
    assert.throws(() => TumblingEventTimeWindows.of('10s' as never), TypeError);
  });

  it('fails for an element without a timestamp, with Flink\'s message', () => {
    const assigner = TumblingEventTimeWindows.of(1000);
    for (const ts of [NO_TIMESTAMP, Number.MIN_SAFE_INTEGER, Number.NaN]) {
      assert.throws(() => assigner.assignWindows('x', ts, at(0)), {
        message: "Record has Long.MIN_VALUE timestamp (= no timestamp marker). Is the time characteristic set to 'ProcessingTime', or did you forget to call 'DataStream.assignTimestampsAndWatermarks(...)'?",
      });
    }
  });

  it('is event time, with the EventTimeTrigger and the TimeWindow serializer', () => {
    const assigner = TumblingEventTimeWindows.of(Duration.ofSeconds(5), Duration.ofMillis(100));
    assert.equal(assigner.isEventTime(), true);
    assert.equal(assigner.getWindowSerializer(), TimeWindowSerializer.INSTANCE);
    assert.ok(assigner.getDefaultTrigger() instanceof EventTimeTrigger);
    assert.equal(assigner.getSize(), 5000);
    assert.equal(String(assigner), 'TumblingEventTimeWindows(5000)');
  });
});
