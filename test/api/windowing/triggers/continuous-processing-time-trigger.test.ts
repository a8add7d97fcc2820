/*
 * Tests of ContinuousProcessingTimeTrigger (the trigger side of Flink's
 * ContinuousProcessingTimeTriggerTest): periodic firing by processing time, capped at the window
 * end, clear() and merging.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Duration } from '../../../../src/api/common/duration.ts';
import { ContinuousProcessingTimeTrigger } from '../../../../src/api/windowing/triggers/continuous-processing-time-trigger.ts';
import { TriggerResult } from '../../../../src/api/windowing/triggers/trigger-result.ts';
import { TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';
import { TriggerTestHarness } from './trigger-test-harness.ts';

const w = (start: number, end: number) => new TimeWindow(start, end);
const harness = () => new TriggerTestHarness<unknown, TimeWindow>(ContinuousProcessingTimeTrigger.of<TimeWindow>(Duration.ofMillis(5)));

describe('ContinuousProcessingTimeTrigger', () => {
  it('fires every interval of processing time, the last time at the window end', () => {
    const h = harness();
    const window = w(0, 10);
    h.setProcessingTime(0);
    assert.equal(h.processElement(1, 0, window), TriggerResult.CONTINUE);
    h.setProcessingTime(2);
    assert.equal(h.processElement(2, 0, window), TriggerResult.CONTINUE);
    assert.equal(h.numProcessingTimeTimers(window), 1);
    assert.equal(h.numStateEntries(window), 1);

    assert.equal(h.advanceProcessingTimeFor(5, window), TriggerResult.FIRE);
    h.setProcessingTime(7);
    assert.equal(h.processElement(3, 0, window), TriggerResult.CONTINUE);
    assert.equal(h.advanceProcessingTimeFor(9, window), TriggerResult.FIRE);
    // The next fire time would pass the window end: it stays at the end until the operator
    // clears the window there.
    assert.equal(h.numProcessingTimeTimers(window), 1);
    h.clearTriggerState(window);
    assert.equal(h.numProcessingTimeTimers(), 0);
    assert.equal(h.numStateEntries(), 0);

    const next = w(10, 20);
    h.setProcessingTime(10);
    h.processElement(3, 0, next);
    assert.equal(h.advanceProcessingTimeFor(15, next), TriggerResult.FIRE);
    h.setProcessingTime(18);
    h.processElement(3, 0, next);
    assert.equal(h.advanceProcessingTimeFor(20, next), TriggerResult.FIRE);
  });

  it('ignores event time', () => {
    const h = harness();
    h.processElement(1, 0, w(0, 10));
    assert.deepEqual(h.advanceWatermark(100), []);
    assert.equal(h.invokeOnEventTime(9, w(0, 10)), TriggerResult.CONTINUE);
  });

  it('continues on a timer that is not its fire time', () => {
    const h = harness();
    h.processElement(1, 0, w(0, 10));
    assert.equal(h.invokeOnProcessingTime(3, w(0, 10)), TriggerResult.CONTINUE);
    assert.equal(h.invokeOnProcessingTime(3, w(20, 30)), TriggerResult.CONTINUE);
  });

  it('merges fire times into the earliest and registers it for the merged window', () => {
    assert.equal(ContinuousProcessingTimeTrigger.of(5).canMerge(), true);
    const h = harness();
    h.setProcessingTime(0);
    h.processElement(1, 0, w(0, 10));
    h.setProcessingTime(2);
    h.processElement(2, 0, w(2, 12));
    h.mergeWindows(w(0, 12), [w(0, 10), w(2, 12)]);
    assert.equal(h.numStateEntries(), 1);
    assert.equal(h.numStateEntries(w(0, 12)), 1);
    // The merged windows' fire times moved to the merged window, so clear() leaves their timers.
    assert.equal(h.numProcessingTimeTimers(), 3);
    assert.equal(h.numProcessingTimeTimers(w(0, 12)), 1);
    const firings = h.advanceProcessingTime(5);
    assert.deepEqual(
      firings.map((f) => `${f.window.key()}=${String(f.result)}`),
      ['0:10=CONTINUE', '2:12=CONTINUE', '0:12=FIRE'],
    );
    assert.equal(h.advanceProcessingTimeFor(10, w(0, 12)), TriggerResult.FIRE);
    assert.equal(h.advanceProcessingTimeFor(11, w(0, 12)), TriggerResult.FIRE);
  });

  it('rejects an interval that is not positive and names itself like Flink', () => {
    assert.throws(() => ContinuousProcessingTimeTrigger.of(0), RangeError);
    assert.equal(ContinuousProcessingTimeTrigger.of(Duration.ofSeconds(2)).getInterval(), 2000);
    assert.equal(String(ContinuousProcessingTimeTrigger.of(5)), 'ContinuousProcessingTimeTrigger(5)');
  });
});
