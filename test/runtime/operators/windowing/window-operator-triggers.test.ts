/*
 * Tests of the window operator with other triggers and processing time (after Flink's
 * WindowOperatorTest): count and purging triggers on global and session windows, continuous
 * event-time triggers, processing-time tumbling, sliding and session windows on the task's
 * processing-time service, and trigger validation.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Collector } from '../../../../src/api/common/functions.ts';
import { FlinkError } from '../../../../src/errors.ts';
import { EventTimeSessionWindows } from '../../../../src/api/windowing/assigners/event-time-session-windows.ts';
import { GlobalWindows } from '../../../../src/api/windowing/assigners/global-windows.ts';
import { ProcessingTimeSessionWindows } from '../../../../src/api/windowing/assigners/processing-time-session-windows.ts';
import { SlidingProcessingTimeWindows } from '../../../../src/api/windowing/assigners/sliding-processing-time-windows.ts';
import { TumblingEventTimeWindows } from '../../../../src/api/windowing/assigners/tumbling-event-time-windows.ts';
import { TumblingProcessingTimeWindows } from '../../../../src/api/windowing/assigners/tumbling-processing-time-windows.ts';
import { ContinuousEventTimeTrigger } from '../../../../src/api/windowing/triggers/continuous-event-time-trigger.ts';
import { ContinuousProcessingTimeTrigger } from '../../../../src/api/windowing/triggers/continuous-processing-time-trigger.ts';
import { CountTrigger } from '../../../../src/api/windowing/triggers/count-trigger.ts';
import { PurgingTrigger } from '../../../../src/api/windowing/triggers/purging-trigger.ts';
import { Trigger } from '../../../../src/api/windowing/triggers/trigger.ts';
import { TriggerResult } from '../../../../src/api/windowing/triggers/trigger-result.ts';
import type { GlobalWindow } from '../../../../src/api/windowing/windows/global-window.ts';
import type { TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';
import { WindowOperatorBuilder } from '../../../../src/runtime/operators/windowing/window-operator-builder.ts';
import type { WindowOperator } from '../../../../src/runtime/operators/windowing/window-operator.ts';
import { applyOperator, drain, keyOf, openHarness, reduceOperator, tuple, windowSummary, type Tuple } from './window-test-helpers.ts';

const summary = (key: string, window: TimeWindow, input: Iterable<Tuple>, out: Collector<string>) => out.collect(windowSummary(key, window, input));

describe('WindowOperator with count and purging triggers', () => {
  it('fires a global window every n elements and keeps its contents (CountTrigger)', async (t) => {
    const harness = await openHarness(t, reduceOperator({ assigner: GlobalWindows.create(), trigger: CountTrigger.of(2) }));
    for (const v of [1, 2, 3, 4, 5]) harness.processElement(['a', v], 1000 * v);
    harness.processElement(['b', 10], 0);
    harness.processWatermark(Number.MAX_SAFE_INTEGER);
    assert.deepEqual(drain(harness, tuple), [`a:10@${Number.MAX_SAFE_INTEGER}`, `a:3@${Number.MAX_SAFE_INTEGER}`]);
    assert.equal((harness.operator as WindowOperator<string, Tuple, unknown, unknown, GlobalWindow>).numEventTimeTimers(), 0, 'global windows have no cleanup timer');
  });

  it('purges the window each time it fires (PurgingTrigger of CountTrigger)', async (t) => {
    const harness = await openHarness(t, reduceOperator({ assigner: GlobalWindows.create(), trigger: PurgingTrigger.of(CountTrigger.of(2)) }));
    for (const v of [1, 2, 3, 4, 5]) harness.processElement(['a', v], 0);
    assert.deepEqual(drain(harness, tuple), [`a:3@${Number.MAX_SAFE_INTEGER}`, `a:7@${Number.MAX_SAFE_INTEGER}`]);
    harness.processElement(['a', 6], 0);
    assert.deepEqual(drain(harness, tuple), [`a:11@${Number.MAX_SAFE_INTEGER}`]);
  });

  it('adds up the counts of merging sessions (CountTrigger on session windows)', async (t) => {
    const harness = await openHarness(t, applyOperator({ assigner: EventTimeSessionWindows.withGap(3000), trigger: PurgingTrigger.of(CountTrigger.of(4)) }, summary));
    harness.processElement(['key2', 1], 0);
    harness.processElement(['key2', 2], 1000);
    harness.processElement(['key2', 3], 2500);
    harness.processElement(['key1', 1], 10);
    harness.processElement(['key1', 2], 1000);
    assert.deepEqual(drain(harness, (s) => s), []);
    harness.processElement(['key2', 4], 3500);
    assert.deepEqual(drain(harness, (s) => s), ['key2-10:0-6500@6499'], 'the fourth element of the merged session fires it');
    harness.processElement(['key2', 1], 6000);
    harness.processElement(['key1', 3], 2500);
    harness.processElement(['key1', 4], 2600);
    assert.deepEqual(drain(harness, (s) => s), ['key1-10:10-5600@5599']);
    harness.processWatermark(20000);
    assert.deepEqual(drain(harness, (s) => s), [], 'purged sessions have nothing left at their end');
    assert.equal(harness.keyedStateBackend!.getStatistics().numEntries, 0);
  });

  it('fires every interval of event time and at the end of the window (ContinuousEventTimeTrigger)', async (t) => {
    const harness = await openHarness(t, reduceOperator({ assigner: TumblingEventTimeWindows.of(10000), trigger: ContinuousEventTimeTrigger.of(2000) }));
    harness.processElement(['a', 1], 100);
    harness.processElement(['a', 1], 2500);
    harness.processWatermark(1999);
    assert.deepEqual(drain(harness, tuple), []);
    harness.processWatermark(2000);
    assert.deepEqual(drain(harness, tuple), ['a:2@9999']);
    harness.processElement(['a', 1], 3000);
    harness.processWatermark(4000);
    assert.deepEqual(drain(harness, tuple), ['a:3@9999']);
    harness.processWatermark(10000);
    assert.deepEqual(drain(harness, tuple), ['a:3@9999', 'a:3@9999', 'a:3@9999'], 'at 6000, at 8000 and at the end');
    assert.equal(harness.keyedStateBackend!.getStatistics().numEntries, 0, 'the trigger state is cleared with the window');
  });

  it('refuses a trigger that cannot merge for a merging assigner', () => {
    class NonMerging extends Trigger<unknown, TimeWindow> {
      onElement(): TriggerResult {
        return TriggerResult.CONTINUE;
      }
      onEventTime(): TriggerResult {
        return TriggerResult.CONTINUE;
      }
      onProcessingTime(): TriggerResult {
        return TriggerResult.CONTINUE;
      }
      clear(): void {}
    }
    const builder = new WindowOperatorBuilder<Tuple, string, TimeWindow>(EventTimeSessionWindows.withGap(10), keyOf);
    assert.throws(() => builder.trigger(new NonMerging()), (e: unknown) => FlinkError.isFlinkError(e) && e.code === 'FLINK_TS_UNSUPPORTED' && /does not support merging/.test(e.message));
  });
});

describe('WindowOperator with processing-time windows', () => {
  it('assigns tumbling windows by the processing time of arrival and fires them on the clock', async (t) => {
    const harness = await openHarness(t, reduceOperator({ assigner: TumblingProcessingTimeWindows.of(3000) }));
    harness.setProcessingTime(3);
    // The records' timestamps are ignored.
    harness.processElement(['key2', 1], Number.MAX_SAFE_INTEGER);
    harness.processElement(['key2', 1], 7000);
    harness.processElement(['key2', 1], 7000);
    harness.processElement(['key1', 1], 7000);
    harness.processElement(['key1', 1], 7000);
    harness.setProcessingTime(5000);
    assert.deepEqual(drain(harness, tuple), ['key1:2@2999', 'key2:3@2999']);
    harness.processElement(['key1', 1], 7000);
    harness.processElement(['key1', 1], 7000);
    harness.processElement(['key1', 1], 7000);
    harness.processWatermark(Number.MAX_SAFE_INTEGER);
    assert.deepEqual(drain(harness, tuple), [], 'watermarks do not fire processing-time windows');
    harness.setProcessingTime(7000);
    assert.deepEqual(drain(harness, tuple), ['key1:3@5999']);
    assert.equal(harness.keyedStateBackend!.getStatistics().numEntries, 0);
    assert.equal(harness.processingTimeService.numPendingTimers, 0);
  });

  it('fires sliding processing-time windows', async (t) => {
    const harness = await openHarness(t, reduceOperator({ assigner: SlidingProcessingTimeWindows.of(3000, 1000) }));
    harness.setProcessingTime(3);
    harness.processElement(['key2', 1], 0);
    harness.setProcessingTime(1000);
    assert.deepEqual(drain(harness, tuple), ['key2:1@999']);
    harness.processElement(['key2', 1], 0);
    harness.setProcessingTime(2000);
    assert.deepEqual(drain(harness, tuple), ['key2:2@1999']);
    harness.setProcessingTime(3000);
    assert.deepEqual(drain(harness, tuple), ['key2:2@2999']);
    harness.setProcessingTime(7000);
    assert.deepEqual(drain(harness, tuple), ['key2:1@3999']);
  });

  it('merges processing-time sessions and fires them when the gap passes', async (t) => {
    const harness = await openHarness(t, applyOperator({ assigner: ProcessingTimeSessionWindows.withGap(3000) }, summary));
    harness.setProcessingTime(0);
    harness.processElement(['a', 1], 0);
    harness.setProcessingTime(1000);
    harness.processElement(['a', 2], 0);
    harness.setProcessingTime(3998);
    assert.deepEqual(drain(harness, (s) => s), []);
    harness.setProcessingTime(4000);
    assert.deepEqual(drain(harness, (s) => s), ['a-3:0-4000@3999']);
    harness.processElement(['a', 5], 0);
    harness.setProcessingTime(10000);
    assert.deepEqual(drain(harness, (s) => s), ['a-5:4000-7000@6999']);
    assert.equal(harness.keyedStateBackend!.getStatistics().numEntries, 0);
  });

  it('fires every interval of processing time (ContinuousProcessingTimeTrigger)', async (t) => {
    const harness = await openHarness(t, reduceOperator({ assigner: TumblingProcessingTimeWindows.of(10000), trigger: ContinuousProcessingTimeTrigger.of(4000) }));
    harness.setProcessingTime(500);
    harness.processElement(['a', 1], 0);
    harness.setProcessingTime(4000);
    assert.deepEqual(drain(harness, tuple), ['a:1@9999']);
    harness.processElement(['a', 1], 0);
    harness.setProcessingTime(8000);
    assert.deepEqual(drain(harness, tuple), ['a:2@9999']);
    harness.setProcessingTime(12000);
    assert.deepEqual(drain(harness, tuple), ['a:2@9999'], 'the last firing at the end of the window');
    assert.equal(harness.keyedStateBackend!.getStatistics().numEntries, 0);
  });

  it('uses the assigner context for processing time, so windows follow the task clock', async (t) => {
    const operator = new WindowOperatorBuilder<Tuple, string, TimeWindow>(TumblingProcessingTimeWindows.of(100), keyOf).apply({
      fn: null,
      call: () => ({ process: (key: string, ctx, elements: Iterable<Tuple>, out: Collector<string>) => out.collect(`${key}@${ctx.window().start}:${ctx.currentProcessingTime()}:${[...elements].length}`), clear: () => {} }),
    })(0) as WindowOperator<string, Tuple, unknown, string, TimeWindow>;
    const harness = await openHarness(t, operator, { initialProcessingTime: 1234 });
    harness.processElement(['k', 1], 0);
    harness.setProcessingTime(1300);
    assert.deepEqual(drain(harness, (s) => s), ['k@1200:1300:1@1299']);
  });
});
