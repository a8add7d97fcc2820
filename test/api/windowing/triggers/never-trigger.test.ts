/*
 * Tests of NeverTrigger: whatever happens, it continues, and it keeps no timers or state.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NeverTrigger } from '../../../../src/api/windowing/triggers/never-trigger.ts';
import { TriggerResult } from '../../../../src/api/windowing/triggers/trigger-result.ts';
import { GlobalWindow } from '../../../../src/api/windowing/windows/global-window.ts';
import { TriggerTestHarness } from './trigger-test-harness.ts';

describe('NeverTrigger', () => {
  it('never fires and keeps nothing', () => {
    const h = new TriggerTestHarness<unknown, GlobalWindow>(new NeverTrigger());
    const window = GlobalWindow.get();
    for (let i = 0; i < 10; i++) assert.equal(h.processElement(i, i, window), TriggerResult.CONTINUE);
    assert.equal(h.invokeOnEventTime(window.maxTimestamp(), window), TriggerResult.CONTINUE);
    assert.equal(h.invokeOnProcessingTime(window.maxTimestamp(), window), TriggerResult.CONTINUE);
    h.clearTriggerState(window);
    assert.equal(h.numStateEntries() + h.numEventTimeTimers() + h.numProcessingTimeTimers(), 0);
    assert.equal(String(new NeverTrigger()), 'NeverTrigger()');
  });
});
