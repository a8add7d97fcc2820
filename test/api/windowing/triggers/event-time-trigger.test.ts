/*
 * Tests of EventTimeTrigger (Flink's EventTimeTriggerTest): separate windows fire separately, late
 * elements fire at once without a timer, clear() stays within its window, and merged windows get
 * one timer (none when already late).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventTimeTrigger } from '../../../../src/api/windowing/triggers/event-time-trigger.ts';
import { TriggerResult } from '../../../../src/api/windowing/triggers/trigger-result.ts';
import { TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';
import { TriggerTestHarness } from './trigger-test-harness.ts';

const w = (start: number, end: number) => new TimeWindow(start, end);
const harness = () => new TriggerTestHarness<unknown, TimeWindow>(EventTimeTrigger.create());

describe('EventTimeTrigger', () => {
  it('keeps windows separate and fires each when the watermark passes its end', () => {
    const h = harness();
    assert.equal(h.processElement(1, 0, w(0, 2)), TriggerResult.CONTINUE);
    assert.equal(h.processElement(1, 1, w(0, 2)), TriggerResult.CONTINUE);
    assert.equal(h.processElement(1, 1, w(0, 2)), TriggerResult.CONTINUE);
    assert.equal(h.processElement(1, 2, w(2, 4)), TriggerResult.CONTINUE);
    assert.equal(h.processElement(1, 3, w(2, 4)), TriggerResult.CONTINUE);

    assert.equal(h.numStateEntries(), 0);
    assert.equal(h.numProcessingTimeTimers(), 0);
    assert.equal(h.numEventTimeTimers(), 2);
    assert.equal(h.numEventTimeTimers(w(0, 2)), 1);
    assert.equal(h.numEventTimeTimers(w(2, 4)), 1);

    assert.equal(h.advanceWatermarkFor(2, w(0, 2)), TriggerResult.FIRE);

    assert.equal(h.numStateEntries(), 0);
    assert.equal(h.numProcessingTimeTimers(), 0);
    assert.equal(h.numEventTimeTimers(), 1);
    assert.equal(h.numEventTimeTimers(w(0, 2)), 0);
    assert.equal(h.numEventTimeTimers(w(2, 4)), 1);

    assert.equal(h.advanceWatermarkFor(4, w(2, 4)), TriggerResult.FIRE);

    assert.equal(h.numStateEntries(), 0);
    assert.equal(h.numProcessingTimeTimers(), 0);
    assert.equal(h.numEventTimeTimers(), 0);
  });

  it('fires exactly at the window end: a watermark one before it does nothing', () => {
    const h = harness();
    h.processElement(1, 5, w(0, 10));
    assert.deepEqual(h.advanceWatermark(8), []);
    assert.equal(h.advanceWatermarkFor(9, w(0, 10)), TriggerResult.FIRE);
  });

  it('fires late elements immediately and sets no timer for them', () => {
    const h = harness();
    h.advanceWatermark(2);
    assert.equal(h.processElement(1, 0, w(0, 2)), TriggerResult.FIRE);
    assert.equal(h.numStateEntries(), 0);
    assert.equal(h.numProcessingTimeTimers(), 0);
    assert.equal(h.numEventTimeTimers(), 0);
  });

  it('continues on timers other than the window end (for example cleanup timers)', () => {
    const h = harness();
    assert.equal(h.invokeOnEventTime(100, w(0, 2)), TriggerResult.CONTINUE);
    assert.equal(EventTimeTrigger.create().onProcessingTime(1, w(0, 2), null as never), TriggerResult.CONTINUE);
  });

  it('clear() deletes only the timer of its own window', () => {
    const h = harness();
    assert.equal(h.processElement(1, 0, w(0, 2)), TriggerResult.CONTINUE);
    assert.equal(h.processElement(1, 2, w(2, 4)), TriggerResult.CONTINUE);
    assert.equal(h.numEventTimeTimers(), 2);

    h.clearTriggerState(w(2, 4));
    assert.equal(h.numStateEntries(), 0);
    assert.equal(h.numProcessingTimeTimers(), 0);
    assert.equal(h.numEventTimeTimers(), 1);
    assert.equal(h.numEventTimeTimers(w(0, 2)), 1);
    assert.equal(h.numEventTimeTimers(w(2, 4)), 0);

    h.clearTriggerState(w(0, 2));
    assert.equal(h.numEventTimeTimers(), 0);
  });

  it('registers one timer for a merged window', () => {
    assert.equal(EventTimeTrigger.create().canMerge(), true);
    const h = harness();
    assert.equal(h.processElement(1, 0, w(0, 2)), TriggerResult.CONTINUE);
    assert.equal(h.processElement(1, 2, w(2, 4)), TriggerResult.CONTINUE);
    assert.equal(h.numEventTimeTimers(), 2);

    h.mergeWindows(w(0, 4), [w(0, 2), w(2, 4)]);

    assert.equal(h.numStateEntries(), 0);
    assert.equal(h.numProcessingTimeTimers(), 0);
    assert.equal(h.numEventTimeTimers(), 1);
    assert.equal(h.numEventTimeTimers(w(0, 2)), 0);
    assert.equal(h.numEventTimeTimers(w(2, 4)), 0);
    assert.equal(h.numEventTimeTimers(w(0, 4)), 1);

    assert.equal(h.advanceWatermarkFor(4, w(0, 4)), TriggerResult.FIRE);
    assert.equal(h.numEventTimeTimers(), 0);
  });

  it('registers no timer for a merged window the watermark already passed', () => {
    // Otherwise the window would fire twice: from onElement() on the merged window and from the timer.
    const h = harness();
    h.processElement(1, 0, w(0, 2));
    h.processElement(1, 2, w(2, 4));
    h.advanceWatermark(10);
    assert.equal(h.numEventTimeTimers(), 0);

    h.mergeWindows(w(0, 4), [w(0, 2), w(2, 4)]);

    assert.equal(h.numStateEntries(), 0);
    assert.equal(h.numEventTimeTimers(), 0);
    assert.equal(h.numEventTimeTimers(w(0, 4)), 0);
  });

  it('names itself like Flink', () => {
    assert.equal(String(EventTimeTrigger.create()), 'EventTimeTrigger()');
  });
});
