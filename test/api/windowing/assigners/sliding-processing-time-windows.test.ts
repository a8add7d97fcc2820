/*
 * Tests of SlidingProcessingTimeWindows (Flink's SlidingProcessingTimeWindowsTest): the windows of
 * the current processing time, offsets, argument checks and the properties.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Duration } from '../../../../src/api/common/duration.ts';
import { NO_TIMESTAMP } from '../../../../src/api/common/watermark.ts';
import { SlidingProcessingTimeWindows } from '../../../../src/api/windowing/assigners/sliding-processing-time-windows.ts';
import { ProcessingTimeTrigger } from '../../../../src/api/windowing/triggers/processing-time-trigger.ts';
import { TimeWindowSerializer, type TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';

const at = (now: number) => ({ getCurrentProcessingTime: () => now });
const keys = (windows: TimeWindow[]) => windows.map((w) => w.key());

describe('SlidingProcessingTimeWindows', () => {
  it('assigns the windows of the current processing time, the one that starts last first', () => {
    const assigner = SlidingProcessingTimeWindows.of(Duration.ofMillis(5000), Duration.ofMillis(1000));
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(0))), ['0:5000', '-1000:4000', '-2000:3000', '-3000:2000', '-4000:1000']);
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(4999))), ['4000:9000', '3000:8000', '2000:7000', '1000:6000', '0:5000']);
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(5000))), ['5000:10000', '4000:9000', '3000:8000', '2000:7000', '1000:6000']);
  });

  it('shifts windows by an offset', () => {
    const assigner = SlidingProcessingTimeWindows.of(Duration.ofMillis(5000), Duration.ofMillis(1000), Duration.ofMillis(100));
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(100))).sort(), ['-3900:1100', '-2900:2100', '-1900:3100', '-900:4100', '100:5100'].sort());
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(5099))).sort(), ['100:5100', '1100:6100', '2100:7100', '3100:8100', '4100:9100'].sort());
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(5100))).sort(), ['1100:6100', '2100:7100', '3100:8100', '4100:9100', '5100:10100'].sort());
  });

  it('shifts windows by a negative offset', () => {
    const assigner = SlidingProcessingTimeWindows.of(Duration.ofMillis(5000), Duration.ofMillis(1000), Duration.ofMillis(-100));
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(0))).sort(), ['-4100:900', '-3100:1900', '-2100:2900', '-1100:3900', '-100:4900'].sort());
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(4899))).sort(), ['-100:4900', '900:5900', '1900:6900', '2900:7900', '3900:8900'].sort());
  });

  it('takes other time units', () => {
    const assigner = SlidingProcessingTimeWindows.of(Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofMillis(500));
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(100))).sort(), ['-4500:500', '-3500:1500', '-2500:2500', '-1500:3500', '-500:4500'].sort());
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(5499))).sort(), ['500:5500', '1500:6500', '2500:7500', '3500:8500', '4500:9500'].sort());
  });

  it('rejects arguments that break abs(offset) < slide and size > 0', () => {
    const message = /abs\(offset\) < slide and size > 0/;
    assert.throws(() => SlidingProcessingTimeWindows.of(Duration.ofSeconds(-2), Duration.ofSeconds(1)), { name: 'RangeError', message });
    assert.throws(() => SlidingProcessingTimeWindows.of(Duration.ofSeconds(2), Duration.ofSeconds(-1)), message);
    assert.throws(() => SlidingProcessingTimeWindows.of(Duration.ofSeconds(-20), Duration.ofSeconds(10), Duration.ofSeconds(-1)), message);
    assert.throws(() => SlidingProcessingTimeWindows.of(Duration.ofSeconds(20), Duration.ofSeconds(10), Duration.ofSeconds(-11)), message);
    assert.throws(() => SlidingProcessingTimeWindows.of(Duration.ofSeconds(20), Duration.ofSeconds(10), Duration.ofSeconds(11)), message);
  });

  it('is processing time, with the ProcessingTimeTrigger and the TimeWindow serializer', () => {
    const assigner = SlidingProcessingTimeWindows.of(Duration.ofSeconds(5), Duration.ofMillis(100));
    assert.equal(assigner.isEventTime(), false);
    assert.equal(assigner.getWindowSerializer(), TimeWindowSerializer.INSTANCE);
    assert.ok(assigner.getDefaultTrigger() instanceof ProcessingTimeTrigger);
    assert.equal(String(assigner), 'SlidingProcessingTimeWindows(5000, 100)');
  });
});
