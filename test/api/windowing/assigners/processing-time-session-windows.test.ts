/*
 * Tests of ProcessingTimeSessionWindows (Flink's ProcessingTimeSessionWindowsTest): sessions of
 * processing time, merging, argument checks and the properties.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Duration } from '../../../../src/api/common/duration.ts';
import { NO_TIMESTAMP } from '../../../../src/api/common/watermark.ts';
import { DynamicProcessingTimeSessionWindows } from '../../../../src/api/windowing/assigners/dynamic-processing-time-session-windows.ts';
import { MergingWindowAssigner } from '../../../../src/api/windowing/assigners/merging-window-assigner.ts';
import { ProcessingTimeSessionWindows } from '../../../../src/api/windowing/assigners/processing-time-session-windows.ts';
import { ProcessingTimeTrigger } from '../../../../src/api/windowing/triggers/processing-time-trigger.ts';
import { TimeWindow, TimeWindowSerializer } from '../../../../src/api/windowing/windows/time-window.ts';
import { mergeCalls } from './merge-calls.ts';

const at = (now: number) => ({ getCurrentProcessingTime: () => now });
const keys = (windows: TimeWindow[]) => windows.map((w) => w.key());
const w = (start: number, end: number) => new TimeWindow(start, end);

describe('ProcessingTimeSessionWindows', () => {
  it('assigns [now, now + gap), whatever the element timestamp', () => {
    const assigner = ProcessingTimeSessionWindows.withGap(Duration.ofMillis(5000));
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(0))), ['0:5000']);
    assert.deepEqual(keys(assigner.assignWindows('String', NO_TIMESTAMP, at(4999))), ['4999:9999']);
    assert.deepEqual(keys(assigner.assignWindows('String', 42, at(5000))), ['5000:10000']);
  });

  it('merges single, consecutive and covering windows', () => {
    const assigner = ProcessingTimeSessionWindows.withGap(Duration.ofMillis(5000));
    assert.deepEqual(mergeCalls(assigner, [w(0, 0)]), []);
    assert.deepEqual(mergeCalls(assigner, [w(0, 1)]), []);
    assert.deepEqual(mergeCalls(assigner, [w(0, 1), w(1, 2), w(2, 3), w(4, 5), w(5, 6)]), [
      { merged: ['0:1', '1:2', '2:3'], into: '0:3' },
      { merged: ['4:5', '5:6'], into: '4:6' },
    ]);
    assert.deepEqual(mergeCalls(assigner, [w(1, 1), w(0, 2), w(4, 7), w(5, 6)]), [
      { merged: ['0:2', '1:1'], into: '0:2' },
      { merged: ['4:7', '5:6'], into: '4:7' },
    ]);
  });

  it('rejects a gap that is not positive', () => {
    assert.throws(() => ProcessingTimeSessionWindows.withGap(Duration.ofSeconds(-1)), { name: 'RangeError', message: /0 < size/ });
    assert.throws(() => ProcessingTimeSessionWindows.withGap(0), /0 < size/);
  });

  it('is a merging processing-time assigner with the ProcessingTimeTrigger', () => {
    const assigner = ProcessingTimeSessionWindows.withGap(Duration.ofSeconds(5));
    assert.ok(assigner instanceof MergingWindowAssigner);
    assert.equal(assigner.isEventTime(), false);
    assert.equal(assigner.getWindowSerializer(), TimeWindowSerializer.INSTANCE);
    assert.ok(assigner.getDefaultTrigger() instanceof ProcessingTimeTrigger);
    assert.equal(String(assigner), 'ProcessingTimeSessionWindows(5000)');
  });
});

describe('DynamicProcessingTimeSessionWindows', () => {
  it('assigns [now, now + the element\'s gap)', () => {
    const assigner = ProcessingTimeSessionWindows.withDynamicGap((element: { gap: number }) => element.gap);
    assert.ok(assigner instanceof DynamicProcessingTimeSessionWindows);
    assert.deepEqual(keys(assigner.assignWindows({ gap: 5000 }, NO_TIMESTAMP, at(0))), ['0:5000']);
    assert.deepEqual(keys(assigner.assignWindows({ gap: 4000 }, NO_TIMESTAMP, at(4999))), ['4999:8999']);
    assert.deepEqual(keys(assigner.assignWindows({ gap: 9000 }, NO_TIMESTAMP, at(5000))), ['5000:14000']);
  });

  it('merges like fixed-gap sessions', () => {
    const assigner = DynamicProcessingTimeSessionWindows.withDynamicGap(() => 5000);
    assert.deepEqual(mergeCalls(assigner, [w(0, 1), w(1, 2), w(4, 5)]), [{ merged: ['0:1', '1:2'], into: '0:2' }]);
  });

  it('fails when the extracted gap is not positive', () => {
    assert.throws(() => DynamicProcessingTimeSessionWindows.withDynamicGap(() => -1).assignWindows('x', 1, at(0)), /0 < gap/);
    assert.throws(() => DynamicProcessingTimeSessionWindows.withDynamicGap(() => 0).assignWindows('x', 1, at(0)), /0 < gap/);
  });

  it('is processing time, with the ProcessingTimeTrigger', () => {
    const assigner = DynamicProcessingTimeSessionWindows.withDynamicGap(() => 5000);
    assert.equal(assigner.isEventTime(), false);
    assert.equal(assigner.getWindowSerializer(), TimeWindowSerializer.INSTANCE);
    assert.ok(assigner.getDefaultTrigger() instanceof ProcessingTimeTrigger);
  });
});
