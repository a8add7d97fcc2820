/*
 * Tests of CountTrigger (Flink's CountTriggerTest): a count per window that fires and resets at
 * the limit, clear() per window, and counts that add up when windows merge.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CountTrigger } from '../../../../src/api/windowing/triggers/count-trigger.ts';
import { TriggerResult } from '../../../../src/api/windowing/triggers/trigger-result.ts';
import { TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';
import { GlobalWindow } from '../../../../src/api/windowing/windows/global-window.ts';
import { TriggerTestHarness } from './trigger-test-harness.ts';

const w = (start: number, end: number) => new TimeWindow(start, end);
const harness = () => new TriggerTestHarness<unknown, TimeWindow>(CountTrigger.of<TimeWindow>(3));

describe('CountTrigger', () => {
  it('counts per window and fires at the count, resetting it', () => {
    const h = harness();
    assert.equal(h.processElement(1, 0, w(0, 2)), TriggerResult.CONTINUE);
    assert.equal(h.processElement(1, 0, w(2, 4)), TriggerResult.CONTINUE);

    assert.equal(h.numProcessingTimeTimers(), 0);
    assert.equal(h.numEventTimeTimers(), 0);
    assert.equal(h.numStateEntries(), 2);
    assert.equal(h.numStateEntries(w(0, 2)), 1);
    assert.equal(h.numStateEntries(w(2, 4)), 1);

    assert.equal(h.processElement(1, 0, w(0, 2)), TriggerResult.CONTINUE);
    assert.equal(h.processElement(1, 0, w(0, 2)), TriggerResult.FIRE);
    assert.equal(h.processElement(1, 0, w(2, 4)), TriggerResult.CONTINUE);

    // The count is cleared when the trigger fires.
    assert.equal(h.numStateEntries(), 1);
    assert.equal(h.numStateEntries(w(0, 2)), 0);
    assert.equal(h.numStateEntries(w(2, 4)), 1);

    assert.equal(h.processElement(1, 0, w(2, 4)), TriggerResult.FIRE);
    assert.equal(h.numStateEntries(), 0);

    // And counting starts again.
    assert.equal(h.processElement(1, 0, w(0, 2)), TriggerResult.CONTINUE);
    assert.equal(h.processElement(1, 0, w(0, 2)), TriggerResult.CONTINUE);
    assert.equal(h.processElement(1, 0, w(0, 2)), TriggerResult.FIRE);
  });

  it('clear() removes only the count of its own window', () => {
    const h = harness();
    h.processElement(1, 0, w(0, 2));
    h.processElement(1, 0, w(2, 4));
    assert.equal(h.numStateEntries(), 2);

    h.clearTriggerState(w(2, 4));
    assert.equal(h.numStateEntries(), 1);
    assert.equal(h.numStateEntries(w(0, 2)), 1);
    assert.equal(h.numStateEntries(w(2, 4)), 0);

    h.clearTriggerState(w(0, 2));
    assert.equal(h.numStateEntries(), 0);
  });

  it('adds up the counts of merged windows', () => {
    const h = harness();
    h.processElement(1, 0, w(0, 2));
    h.processElement(1, 0, w(2, 4));
    h.processElement(1, 0, w(4, 6));
    assert.equal(h.numStateEntries(), 3);

    h.mergeWindows(w(0, 4), [w(0, 2), w(2, 4)]);

    assert.equal(h.numStateEntries(), 2);
    assert.equal(h.numStateEntries(w(0, 2)), 0);
    assert.equal(h.numStateEntries(w(2, 4)), 0);
    assert.equal(h.numStateEntries(w(0, 4)), 1);
    assert.equal(h.numStateEntries(w(4, 6)), 1);

    assert.equal(h.processElement(1, 0, w(0, 4)), TriggerResult.FIRE);
    assert.equal(h.numStateEntries(), 1);
    assert.equal(h.numStateEntries(w(0, 4)), 0);

    assert.equal(h.processElement(1, 0, w(4, 6)), TriggerResult.CONTINUE);
    assert.equal(h.processElement(1, 0, w(4, 6)), TriggerResult.FIRE);
    assert.equal(h.numStateEntries(), 0);
  });

  it('merges into a window that subsumes the merged ones', () => {
    const h = harness();
    h.processElement(1, 0, w(2, 4));
    h.processElement(1, 0, w(4, 6));
    h.mergeWindows(w(0, 8), [w(2, 4), w(4, 6)]);
    assert.equal(h.numStateEntries(), 1);
    assert.equal(h.numStateEntries(w(2, 4)), 0);
    assert.equal(h.numStateEntries(w(4, 6)), 0);
    assert.equal(h.numStateEntries(w(0, 8)), 1);
    assert.equal(h.processElement(1, 0, w(0, 8)), TriggerResult.FIRE);
    assert.equal(h.numStateEntries(), 0);
  });

  it('works on the GlobalWindow and ignores time', () => {
    const h = new TriggerTestHarness<unknown, GlobalWindow>(CountTrigger.of(2));
    assert.equal(h.processElement('a', 1, GlobalWindow.get()), TriggerResult.CONTINUE);
    assert.deepEqual(h.advanceWatermark(Number.MAX_SAFE_INTEGER), []);
    assert.equal(h.invokeOnEventTime(5, GlobalWindow.get()), TriggerResult.CONTINUE);
    assert.equal(h.processElement('b', 2, GlobalWindow.get()), TriggerResult.FIRE);
  });

  it('keeps its count and names itself like Flink', () => {
    assert.equal(CountTrigger.of(3).getMaxCount(), 3);
    assert.equal(String(CountTrigger.of(3)), 'CountTrigger(3)');
    assert.equal(CountTrigger.of(3).canMerge(), true);
    assert.throws(() => CountTrigger.of('3' as never), TypeError);
  });
});
