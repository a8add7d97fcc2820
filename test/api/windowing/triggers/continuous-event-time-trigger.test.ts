/*
 * Tests of ContinuousEventTimeTrigger (Flink's ContinuousEventTimeTriggerTest, with the current
 * Flink behaviour that fire times never pass the window end): periodic firing, the final firing at
 * the window end, late elements, clear() and merging.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Duration } from '../../../../src/api/common/duration.ts';
import { ContinuousEventTimeTrigger } from '../../../../src/api/windowing/triggers/continuous-event-time-trigger.ts';
import { TriggerResult } from '../../../../src/api/windowing/triggers/trigger-result.ts';
import { TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';
import { TriggerTestHarness, type Firing } from './trigger-test-harness.ts';

const w = (start: number, end: number) => new TimeWindow(start, end);
const harness = (interval: number | Duration) => new TriggerTestHarness<unknown, TimeWindow>(ContinuousEventTimeTrigger.of<TimeWindow>(interval));
const resultFor = (firings: Firing<TimeWindow>[], window: TimeWindow) => firings.find((f) => f.window.equals(window))?.result;

describe('ContinuousEventTimeTrigger', () => {
  it('handles timer calls when it has no state', () => {
    const h = harness(Duration.ofMillis(5));
    assert.equal(h.numStateEntries() + h.numEventTimeTimers() + h.numProcessingTimeTimers(), 0);
    // Elements now fall into late windows: no state is created.
    h.advanceWatermark(10);
    assert.equal(h.processElement(1, 1, w(0, 2)), TriggerResult.FIRE);
    // A cleanup timer of the operator.
    assert.equal(h.invokeOnEventTime(20, w(0, 2)), TriggerResult.CONTINUE);
    assert.equal(h.numStateEntries(), 0);
  });

  it('fires every interval and once more at the end of the window', () => {
    const h = harness(1000);
    const window = w(0, 10_000);
    assert.equal(h.processElement(1, 2500, window), TriggerResult.CONTINUE);
    assert.equal(h.processElement(1, 2600, window), TriggerResult.CONTINUE);
    // The end-of-window timer and the first periodic one, at the next multiple of the interval.
    assert.equal(h.numEventTimeTimers(window), 2);
    assert.equal(h.numStateEntries(window), 1);

    assert.deepEqual(h.advanceWatermark(2999), []);
    for (let t = 3000; t <= 9000; t += 1000) assert.equal(h.advanceWatermarkFor(t, window), TriggerResult.FIRE, `at ${t}`);
    // The next fire time is capped at the window's max timestamp: one timer, one firing.
    assert.equal(h.numEventTimeTimers(window), 1);
    assert.equal(h.advanceWatermarkFor(9999, window), TriggerResult.FIRE);
    assert.equal(h.numEventTimeTimers(), 0);
    assert.equal(h.numStateEntries(window), 1);
    h.clearTriggerState(window);
    assert.equal(h.numStateEntries(), 0);
  });

  it('keeps windows separate', () => {
    const h = harness(Duration.ofHours(1));
    for (let i = 0; i < 3; i++) assert.equal(h.processElement(1, 1, w(0, 2)), TriggerResult.CONTINUE);
    for (let i = 0; i < 2; i++) assert.equal(h.processElement(1, 3, w(2, 4)), TriggerResult.CONTINUE);

    assert.equal(h.numStateEntries(), 2);
    assert.equal(h.numProcessingTimeTimers(), 0);
    // The first fire time is capped at the window end, so it is the end-of-window timer.
    assert.equal(h.numEventTimeTimers(), 2);
    assert.equal(h.numEventTimeTimers(w(0, 2)), 1);
    assert.equal(h.numEventTimeTimers(w(2, 4)), 1);

    assert.equal(resultFor(h.advanceWatermark(2), w(0, 2)), TriggerResult.FIRE);
    assert.equal(h.numStateEntries(), 2);
    assert.equal(h.numEventTimeTimers(), 1);
    assert.equal(h.numEventTimeTimers(w(2, 4)), 1);

    assert.equal(resultFor(h.advanceWatermark(4), w(2, 4)), TriggerResult.FIRE);
    assert.equal(h.numStateEntries(), 2);
    assert.equal(h.numEventTimeTimers(), 0);
  });

  it('fires late elements immediately and sets no timer or state for them', () => {
    const h = harness(Duration.ofHours(1));
    h.advanceWatermark(2);
    assert.equal(h.processElement(1, 1, w(0, 2)), TriggerResult.FIRE);
    assert.equal(h.numStateEntries(), 0);
    assert.equal(h.numProcessingTimeTimers(), 0);
    assert.equal(h.numEventTimeTimers(), 0);
  });

  it('clear() removes its fire time and that timer, in its own window only', () => {
    const h = harness(1000);
    h.processElement(1, 500, w(0, 10_000));
    h.processElement(1, 10_500, w(10_000, 20_000));
    assert.equal(h.numStateEntries(), 2);
    assert.equal(h.numEventTimeTimers(), 4);

    h.clearTriggerState(w(10_000, 20_000));
    assert.equal(h.numStateEntries(), 1);
    assert.equal(h.numEventTimeTimers(), 3);
    assert.equal(h.numEventTimeTimers(w(0, 10_000)), 2);
    // The end-of-window timer is the operator's to clean up.
    assert.equal(h.numEventTimeTimers(w(10_000, 20_000)), 1);

    h.clearTriggerState(w(0, 10_000));
    assert.equal(h.numStateEntries(), 0);
    assert.equal(h.numEventTimeTimers(), 2);
  });

  it('merges fire times into the earliest and registers it for the merged window', () => {
    assert.equal(ContinuousEventTimeTrigger.of(Duration.ofHours(1)).canMerge(), true);
    const h = harness(1000);
    assert.equal(h.processElement(1, 500, w(0, 2000)), TriggerResult.CONTINUE);
    assert.equal(h.processElement(1, 1600, w(1500, 3500)), TriggerResult.CONTINUE);
    assert.equal(h.numStateEntries(), 2);
    assert.equal(h.numEventTimeTimers(), 4);

    h.mergeWindows(w(0, 3500), [w(0, 2000), w(1500, 3500)]);

    assert.equal(h.numStateEntries(), 1);
    assert.equal(h.numStateEntries(w(0, 3500)), 1);
    // Timers of the merged windows are not cleaned up by the trigger.
    assert.equal(h.numEventTimeTimers(), 5);
    assert.equal(h.numEventTimeTimers(w(0, 3500)), 1);

    const firings = h.advanceWatermark(1000);
    assert.equal(resultFor(firings, w(0, 3500)), TriggerResult.FIRE);
    assert.equal(resultFor(firings, w(0, 2000)), TriggerResult.CONTINUE);
    assert.equal(h.numStateEntries(), 1);
  });

  it('rejects an interval that is not positive and names itself like Flink', () => {
    assert.throws(() => ContinuousEventTimeTrigger.of(0), RangeError);
    assert.throws(() => ContinuousEventTimeTrigger.of(Duration.ofSeconds(-1)), RangeError);
    assert.equal(ContinuousEventTimeTrigger.of(Duration.ofSeconds(1)).getInterval(), 1000);
    assert.equal(String(ContinuousEventTimeTrigger.of(5)), 'ContinuousEventTimeTrigger(5)');
  });
});
