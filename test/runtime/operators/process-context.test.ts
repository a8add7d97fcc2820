/*
 * Tests of the non-keyed process context and timer service.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';
import { OutputTag } from '../../../src/api/common/output-tag.ts';
import { NO_TIMESTAMP } from '../../../src/api/common/watermark.ts';
import { NonKeyedTimerService, ProcessContext } from '../../../src/runtime/operators/process-context.ts';
import { CollectingOutput, ManualProcessingTimeService } from './harness.ts';

describe('ProcessContext', () => {
  it('reports the element timestamp, null without one, and stamps side outputs with it', () => {
    const output = new CollectingOutput<unknown>();
    const timers = new NonKeyedTimerService(new ManualProcessingTimeService(9));
    const ctx = new ProcessContext(output, timers);
    const tag = new OutputTag<string>('t');
    assert.equal(ctx.timestamp(), null);
    ctx.output(tag, 'a');
    ctx.elementTimestamp = 12;
    assert.equal(ctx.timestamp(), 12);
    ctx.output(tag, 'b');
    assert.deepEqual(output.sideOutputs.get('t'), [
      { value: 'a', timestamp: NO_TIMESTAMP },
      { value: 'b', timestamp: 12 },
    ]);
    assert.equal(ctx.timerService(), timers);
  });
});

describe('NonKeyedTimerService', () => {
  it('tells the time and refuses timers like Flink', () => {
    const timers = new NonKeyedTimerService(new ManualProcessingTimeService(9));
    assert.equal(timers.currentProcessingTime(), 9);
    assert.equal(timers.currentWatermark(), Number.MIN_SAFE_INTEGER);
    timers.watermark = 4;
    assert.equal(timers.currentWatermark(), 4);
    assert.throws(() => timers.registerEventTimeTimer(1), (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_UNSUPPORTED && e.message === 'Setting timers is only supported on a keyed streams.');
    assert.throws(() => timers.deleteProcessingTimeTimer(1), /Deleting timers is only supported on a keyed streams\./);
  });
});
