/*
 * Tests of allowed lateness, cleanup timers and late data (after Flink's WindowOperatorTest):
 * late elements re-fire live windows with the updated result, windows are cleaned at
 * maxTimestamp + allowedLateness, and an element goes to the late side output (or is counted as
 * dropped) only when every window it belongs to is already cleaned up.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OutputTag } from '../../../../src/api/common/output-tag.ts';
import type { Collector } from '../../../../src/api/common/functions.ts';
import { EventTimeSessionWindows } from '../../../../src/api/windowing/assigners/event-time-session-windows.ts';
import { SlidingEventTimeWindows } from '../../../../src/api/windowing/assigners/sliding-event-time-windows.ts';
import { TumblingEventTimeWindows } from '../../../../src/api/windowing/assigners/tumbling-event-time-windows.ts';
import { EventTimeTrigger } from '../../../../src/api/windowing/triggers/event-time-trigger.ts';
import { PurgingTrigger } from '../../../../src/api/windowing/triggers/purging-trigger.ts';
import type { TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';
import { LATE_ELEMENTS_DROPPED_METRIC_NAME, type WindowOperator } from '../../../../src/runtime/operators/windowing/window-operator.ts';
import type { OneInputOperatorTestHarness } from '../harness.ts';
import { aggregateOperator, applyOperator, drain, openHarness, reduceOperator, tuple, windowSummary, type Tuple } from './window-test-helpers.ts';

const lateTag = new OutputTag<Tuple>('late');

function dropped(harness: OneInputOperatorTestHarness<Tuple, unknown>): number {
  return harness.runtimeContext.getMetricGroup().counter(LATE_ELEMENTS_DROPPED_METRIC_NAME).getCount();
}

function timers(harness: OneInputOperatorTestHarness<Tuple, unknown>): number {
  return (harness.operator as WindowOperator<string, Tuple, unknown, unknown, TimeWindow>).numEventTimeTimers();
}

function lateOutput(harness: OneInputOperatorTestHarness<Tuple, unknown>): string[] {
  return harness.getSideOutput(lateTag).map((r) => `${tuple(r.value)}@${r.timestamp}`);
}

describe('WindowOperator allowed lateness', () => {
  it('re-fires a window with the updated result for each late element until its cleanup time', async (t) => {
    const harness = await openHarness(t, reduceOperator({ assigner: TumblingEventTimeWindows.of(2000), allowedLateness: 500 }));
    harness.processElement(['key2', 1], 500);
    harness.processWatermark(1500);
    harness.processElement(['key2', 1], 1300);
    harness.processWatermark(2300);
    assert.deepEqual(drain(harness, tuple), ['key2:2@1999']);
    // Late but within the allowed lateness: the window fires again at once, with everything in it.
    harness.processElement(['key2', 1], 1997);
    assert.deepEqual(drain(harness, tuple), ['key2:3@1999']);
    harness.processElement(['key2', 1], 1000);
    assert.deepEqual(drain(harness, tuple), ['key2:4@1999']);
    harness.processWatermark(2499);
    assert.equal(harness.keyedStateBackend!.getStatistics().numEntries, 0, 'cleaned at maxTimestamp + allowedLateness');
    // Now too late: dropped and counted.
    harness.processElement(['key2', 1], 1998);
    assert.deepEqual(drain(harness, tuple), []);
    assert.equal(dropped(harness), 1);
    assert.equal(timers(harness), 0);
  });

  it('with a purging trigger, re-fires only what arrived since the last firing (Flink testLateness)', async (t) => {
    const harness = await openHarness(t, reduceOperator({ assigner: TumblingEventTimeWindows.of(2000), trigger: PurgingTrigger.of(EventTimeTrigger.create()), allowedLateness: 500 }));
    harness.processElement(['key2', 1], 500);
    harness.processWatermark(1500);
    harness.processElement(['key2', 1], 1300);
    harness.processWatermark(2300);
    harness.processElement(['key2', 1], 1997);
    harness.processWatermark(6000);
    harness.processElement(['key2', 1], 1998);
    harness.processWatermark(7000);
    assert.deepEqual(harness.getWatermarks(), [1500, 2300, 6000, 7000]);
    assert.deepEqual(drain(harness, tuple), ['key2:1@1999', 'key2:2@1999']);
    assert.equal(dropped(harness), 1);
  });

  it('keeps the window state until the cleanup timer and not longer', async (t) => {
    const harness = await openHarness(t, aggregateOperator({ assigner: TumblingEventTimeWindows.of(1000), allowedLateness: 1000 }));
    harness.processElement(['a', 1], 10);
    harness.processElement(['b', 1], 20);
    assert.equal(timers(harness), 4, 'an end-of-window timer and a cleanup timer per key');
    harness.processWatermark(999);
    assert.deepEqual(drain(harness, tuple), ['a:1@999', 'b:1@999']);
    assert.equal(harness.keyedStateBackend!.getStatistics().numEntries, 2);
    harness.processWatermark(1998);
    assert.equal(harness.keyedStateBackend!.getStatistics().numEntries, 2);
    harness.processWatermark(1999);
    assert.equal(harness.keyedStateBackend!.getStatistics().numEntries, 0);
    assert.equal(timers(harness), 0);
    assert.deepEqual(drain(harness, tuple), [], 'cleaning up does not fire');
  });

  it('sets no cleanup timer when maxTimestamp + allowedLateness is past the end of time', async (t) => {
    const harness = await openHarness(t, reduceOperator({ assigner: TumblingEventTimeWindows.of(1000), allowedLateness: Number.MAX_SAFE_INTEGER }));
    harness.processElement(['a', 1], 100);
    assert.equal(timers(harness), 1, 'only the trigger timer');
    harness.processWatermark(5000);
    assert.deepEqual(drain(harness, tuple), ['a:1@999']);
    harness.processElement(['a', 1], 200);
    assert.deepEqual(drain(harness, tuple), ['a:2@999'], 'the window never expires');
  });
});

describe('WindowOperator late data', () => {
  it('sends elements of expired tumbling windows to the late side output, with their timestamps', async (t) => {
    const harness = await openHarness(t, reduceOperator({ assigner: TumblingEventTimeWindows.of(2000), lateTag }));
    harness.processElement(['key2', 1], 1999);
    harness.processWatermark(1999);
    assert.deepEqual(drain(harness, tuple), ['key2:1@1999']);
    harness.processElement(['key2', 1], 1998);
    harness.processElement(['key2', 1], 2000);
    assert.deepEqual(lateOutput(harness), ['key2:1@1998']);
    assert.equal(dropped(harness), 0, 'side-output elements are not counted as dropped');
    harness.processWatermark(3999);
    assert.deepEqual(drain(harness, tuple), ['key2:1@3999']);
  });

  it('side-outputs a sliding-window element only when all its windows are expired', async (t) => {
    const harness = await openHarness(t, reduceOperator({ assigner: SlidingEventTimeWindows.of(3000, 1000), lateTag }));
    harness.processWatermark(2999);
    harness.processElement(['a', 1], 1500); // [1000, 4000) is still open
    harness.processElement(['a', 2], 999); // [-2000, 1000), [-1000, 2000), [0, 3000) are all expired
    assert.deepEqual(lateOutput(harness), ['a:2@999']);
    harness.processWatermark(3999);
    assert.deepEqual(drain(harness, tuple), ['a:1@3999']);
  });

  it('counts dropped late elements when there is no late side output', async (t) => {
    const harness = await openHarness(t, reduceOperator({ assigner: SlidingEventTimeWindows.of(3000, 1000) }));
    harness.processWatermark(2999);
    harness.processElement(['a', 1], 1500);
    harness.processElement(['a', 2], 999);
    harness.processElement(['a', 2], 5);
    assert.equal(dropped(harness), 2);
  });

  it('side-outputs a session element only when its session is expired, not when it joins a live one', async (t) => {
    const harness = await openHarness(
      t,
      applyOperator({ assigner: EventTimeSessionWindows.withGap(3000), lateTag }, (key: string, window: TimeWindow, input: Iterable<Tuple>, out: Collector<string>) => out.collect(windowSummary(key, window, input))),
    );
    harness.processElement(['a', 1], 9000);
    harness.processWatermark(10000);
    harness.processElement(['a', 2], 7000); // [7000, 10000) touches [9000, 12000): joins the live session
    harness.processElement(['a', 4], 5000); // [5000, 8000) overlaps [7000, 12000): joins as well
    harness.processElement(['b', 8], 5000); // b has no session: [5000, 8000) is expired
    assert.deepEqual(lateOutput(harness), ['b:8@5000']);
    harness.processWatermark(11999);
    assert.deepEqual(drain(harness, (s) => s), ['a-7:5000-12000@11999']);
  });

  it('an element behind the watermark extends a live session it overlaps', async (t) => {
    const harness = await openHarness(t, aggregateOperator({ assigner: EventTimeSessionWindows.withGap(1000), allowedLateness: 0 }));
    harness.processElement(['a', 1], 0);
    harness.processWatermark(500);
    harness.processElement(['a', 1], 400);
    harness.processWatermark(1399);
    assert.deepEqual(drain(harness, tuple), ['a:2@1399']);
  });
});
