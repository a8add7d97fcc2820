/*
 * Tests of TumblingProcessingTimeWindows (Flink's TumblingProcessingTimeWindowsTest): windows come
 * from the processing time, not the element's timestamp; offsets, stagger, argument checks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Duration } from '../../../../src/api/common/duration.ts';
import { NO_TIMESTAMP } from '../../../../src/api/common/watermark.ts';
import { TumblingProcessingTimeWindows } from '../../../../src/api/windowing/assigners/tumbling-processing-time-windows.ts';
import { WindowStagger } from '../../../../src/api/windowing/assigners/window-stagger.ts';
import { ProcessingTimeTrigger } from '../../../../src/api/windowing/triggers/processing-time-trigger.ts';
import { TimeWindowSerializer, type TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';

const at = (now: number) => ({ getCurrentProcessingTime: () => now });
const keys = (windows: TimeWindow[]) => windows.map((w) => w.key());

describe('TumblingProcessingTimeWindows', () => {
  it('assigns the window that contains the current processing time', () => {
    const assigner = TumblingProcessingTimeWindows.of(Duration.ofMillis(5000));
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(0))), ['0:5000']);
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(4999))), ['0:5000']);
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(5000))), ['5000:10000']);
    // The element's timestamp plays no part.
    assert.deepEqual(keys(assigner.assignWindows('String', 123_456, at(5000))), ['5000:10000']);
  });

  it('staggers windows by the natural offset of the first element', () => {
    const assigner = TumblingProcessingTimeWindows.of(Duration.ofMillis(5000), Duration.ofMillis(0), WindowStagger.NATURAL);
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(150))), ['150:5150']);
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(5049))), ['150:5150']);
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(5150))), ['5150:10150']);
  });

  it('shifts windows by a global offset', () => {
    const assigner = TumblingProcessingTimeWindows.of(Duration.ofMillis(5000), Duration.ofMillis(100));
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(100))), ['100:5100']);
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(5099))), ['100:5100']);
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(5100))), ['5100:10100']);
  });

  it('shifts windows by a negative global offset', () => {
    const assigner = TumblingProcessingTimeWindows.of(Duration.ofMillis(5000), Duration.ofMillis(-100));
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(100))), ['-100:4900']);
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(4899))), ['-100:4900']);
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(4900))), ['4900:9900']);
  });

  it('takes other time units', () => {
    const assigner = TumblingProcessingTimeWindows.of(Duration.ofSeconds(5), Duration.ofSeconds(1));
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(1000))), ['1000:6000']);
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(5999))), ['1000:6000']);
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(6000))), ['6000:11000']);
  });

  it('rejects sizes and offsets that break abs(offset) < size', () => {
    assert.throws(() => TumblingProcessingTimeWindows.of(Duration.ofSeconds(-1)), { name: 'RangeError', message: /abs\(offset\) < size/ });
    assert.throws(() => TumblingProcessingTimeWindows.of(Duration.ofSeconds(10), Duration.ofSeconds(20)), /abs\(offset\) < size/);
    assert.throws(() => TumblingProcessingTimeWindows.of(Duration.ofSeconds(10), Duration.ofSeconds(-11)), /abs\(offset\) < size/);
  });

  it('is processing time, with the ProcessingTimeTrigger and the TimeWindow serializer', () => {
    const assigner = TumblingProcessingTimeWindows.of(Duration.ofSeconds(5), Duration.ofMillis(100));
    assert.equal(assigner.isEventTime(), false);
    assert.equal(assigner.getWindowSerializer(), TimeWindowSerializer.INSTANCE);
    assert.ok(assigner.getDefaultTrigger() instanceof ProcessingTimeTrigger);
    assert.equal(String(assigner), 'TumblingProcessingTimeWindows(5000)');
  });
});
