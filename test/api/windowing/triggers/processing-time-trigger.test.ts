/*
 * Tests of ProcessingTimeTrigger (Flink's ProcessingTimeTriggerTest): a timer at each window's
 * end, fired by processing time, cleared per window, and one timer for merged windows unless
 * processing time already passed them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessingTimeTrigger } from '../../../../src/api/windowing/triggers/processing-time-trigger.ts';
import { TriggerResult } from '../../../../src/api/windowing/triggers/trigger-result.ts';
import { TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';
import { TriggerTestHarness } from './trigger-test-harness.ts';

const w = (start: number, end: number) => new TimeWindow(start, end);
const harness = () => new TriggerTestHarness<unknown, TimeWindow>(ProcessingTimeTrigger.create());

describe('ProcessingTimeTrigger', () => {
  it('keeps windows separate and fires each when processing time passes its end', () => {
    const h = harness();
    assert.equal(h.processElement(1, 0, w(0, 2)), TriggerResult.CONTINUE);
    assert.equal(h.processElement(1, 0, w(0, 2)), TriggerResult.CONTINUE);
    assert.equal(h.processElement(1, 0, w(2, 4)), TriggerResult.CONTINUE);

    assert.equal(h.numStateEntries(), 0);
    assert.equal(h.numEventTimeTimers(), 0);
    assert.equal(h.numProcessingTimeTimers(), 2);
    assert.equal(h.numProcessingTimeTimers(w(0, 2)), 1);
    assert.equal(h.numProcessingTimeTimers(w(2, 4)), 1);

    assert.equal(h.advanceProcessingTimeFor(2, w(0, 2)), TriggerResult.FIRE);
    assert.equal(h.numProcessingTimeTimers(), 1);
    assert.equal(h.numProcessingTimeTimers(w(0, 2)), 0);

    assert.equal(h.advanceProcessingTimeFor(4, w(2, 4)), TriggerResult.FIRE);
    assert.equal(h.numProcessingTimeTimers(), 0);
  });

  it('ignores the watermark', () => {
    const h = harness();
    h.processElement(1, 0, w(0, 2));
    assert.deepEqual(h.advanceWatermark(100), []);
    assert.equal(h.invokeOnEventTime(1, w(0, 2)), TriggerResult.CONTINUE);
  });

  it('clear() deletes only the timer of its own window', () => {
    const h = harness();
    h.processElement(1, 0, w(0, 2));
    h.processElement(1, 0, w(2, 4));
    h.clearTriggerState(w(2, 4));
    assert.equal(h.numProcessingTimeTimers(), 1);
    assert.equal(h.numProcessingTimeTimers(w(0, 2)), 1);
    assert.equal(h.numProcessingTimeTimers(w(2, 4)), 0);
    h.clearTriggerState(w(0, 2));
    assert.equal(h.numProcessingTimeTimers(), 0);
  });

  it('registers one timer for a merged window', () => {
    assert.equal(ProcessingTimeTrigger.create().canMerge(), true);
    const h = harness();
    h.processElement(1, 0, w(0, 2));
    h.processElement(1, 0, w(2, 4));
    h.mergeWindows(w(0, 4), [w(0, 2), w(2, 4)]);
    assert.equal(h.numStateEntries(), 0);
    assert.equal(h.numProcessingTimeTimers(), 1);
    assert.equal(h.numProcessingTimeTimers(w(0, 4)), 1);
    assert.equal(h.advanceProcessingTimeFor(4, w(0, 4)), TriggerResult.FIRE);
    assert.equal(h.numProcessingTimeTimers(), 0);
  });

  it('registers no timer for a merged window processing time already passed', () => {
    const h = harness();
    h.processElement(1, 0, w(0, 2));
    h.processElement(1, 0, w(2, 4));
    h.advanceProcessingTime(10);
    assert.equal(h.numProcessingTimeTimers(), 0);
    h.mergeWindows(w(0, 4), [w(0, 2), w(2, 4)]);
    assert.equal(h.numProcessingTimeTimers(), 0);
  });

  it('names itself like Flink', () => {
    assert.equal(String(ProcessingTimeTrigger.create()), 'ProcessingTimeTrigger()');
  });
});
