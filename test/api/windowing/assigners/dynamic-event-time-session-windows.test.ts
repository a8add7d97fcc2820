/*
 * Tests of DynamicEventTimeSessionWindows (Flink's DynamicEventTimeSessionWindowsTest): the gap
 * comes from each element; merging works as for fixed gaps; gaps must be positive.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Duration } from '../../../../src/api/common/duration.ts';
import { NO_TIMESTAMP } from '../../../../src/api/common/watermark.ts';
import { DynamicEventTimeSessionWindows } from '../../../../src/api/windowing/assigners/dynamic-event-time-session-windows.ts';
import { EventTimeTrigger } from '../../../../src/api/windowing/triggers/event-time-trigger.ts';
import { TimeWindow, TimeWindowSerializer } from '../../../../src/api/windowing/windows/time-window.ts';
import { mergeCalls } from './merge-calls.ts';

const ctx = { getCurrentProcessingTime: () => 0 };
const keys = (windows: TimeWindow[]) => windows.map((w) => w.key());
const w = (start: number, end: number) => new TimeWindow(start, end);
const gaps: Record<string, number> = { gap5000: 5000, gap4000: 4000, gap9000: 9000 };

describe('DynamicEventTimeSessionWindows', () => {
  it('assigns [timestamp, timestamp + the element\'s gap)', () => {
    const assigner = DynamicEventTimeSessionWindows.withDynamicGap((element: string) => gaps[element]);
    assert.deepEqual(keys(assigner.assignWindows('gap5000', 0, ctx)), ['0:5000']);
    assert.deepEqual(keys(assigner.assignWindows('gap4000', 4999, ctx)), ['4999:8999']);
    assert.deepEqual(keys(assigner.assignWindows('gap9000', 5000, ctx)), ['5000:14000']);
  });

  it('takes an extractor object and gaps as Durations', () => {
    const assigner = DynamicEventTimeSessionWindows.withDynamicGap({ extract: (element: { gapSeconds: number }) => Duration.ofSeconds(element.gapSeconds) });
    assert.deepEqual(keys(assigner.assignWindows({ gapSeconds: 2 }, 100, ctx)), ['100:2100']);
  });

  it('merges single, consecutive and covering windows like fixed-gap sessions', () => {
    const assigner = DynamicEventTimeSessionWindows.withDynamicGap(() => 5000);
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

  it('fails when the extracted gap is not positive', () => {
    assert.throws(() => DynamicEventTimeSessionWindows.withDynamicGap(() => -1).assignWindows([{}], 1, ctx), { name: 'RangeError', message: /0 < gap/ });
    assert.throws(() => DynamicEventTimeSessionWindows.withDynamicGap(() => 0).assignWindows([{}], 1, ctx), /0 < gap/);
  });

  it('rejects an extractor that is neither a function nor an object with extract()', () => {
    assert.throws(() => DynamicEventTimeSessionWindows.withDynamicGap({} as never), TypeError);
  });

  it('fails for an element without a timestamp', () => {
    assert.throws(() => DynamicEventTimeSessionWindows.withDynamicGap(() => 10).assignWindows('x', NO_TIMESTAMP, ctx), /Record has Long.MIN_VALUE timestamp/);
  });

  it('is event time, with the EventTimeTrigger and the TimeWindow serializer', () => {
    const assigner = DynamicEventTimeSessionWindows.withDynamicGap(() => 5000);
    assert.equal(assigner.isEventTime(), true);
    assert.equal(assigner.getWindowSerializer(), TimeWindowSerializer.INSTANCE);
    assert.ok(assigner.getDefaultTrigger() instanceof EventTimeTrigger);
  });
});
