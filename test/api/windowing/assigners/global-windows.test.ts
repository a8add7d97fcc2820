/*
 * Tests of GlobalWindows (Flink's GlobalWindowsTest): every element goes to the GlobalWindow, and
 * the default trigger never fires.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NO_TIMESTAMP } from '../../../../src/api/common/watermark.ts';
import { GlobalWindows } from '../../../../src/api/windowing/assigners/global-windows.ts';
import { NeverTrigger } from '../../../../src/api/windowing/triggers/never-trigger.ts';
import { TriggerResult } from '../../../../src/api/windowing/triggers/trigger-result.ts';
import { GlobalWindow, GlobalWindowSerializer } from '../../../../src/api/windowing/windows/global-window.ts';
import { TriggerTestHarness } from '../triggers/trigger-test-harness.ts';

const ctx = { getCurrentProcessingTime: () => 0 };

describe('GlobalWindows', () => {
  it('assigns every element to the GlobalWindow', () => {
    const assigner = GlobalWindows.create();
    for (const ts of [0, 4999, 5000, NO_TIMESTAMP]) {
      const windows = assigner.assignWindows('String', ts, ctx);
      assert.equal(windows.length, 1);
      assert.equal(windows[0], GlobalWindow.get());
    }
  });

  it('is not event time and defaults to the NeverTrigger, which never fires', () => {
    const assigner = GlobalWindows.create();
    assert.equal(assigner.isEventTime(), false);
    assert.equal(assigner.getWindowSerializer(), GlobalWindowSerializer.INSTANCE);
    const trigger = assigner.getDefaultTrigger();
    assert.ok(trigger instanceof NeverTrigger);
    assert.ok(trigger instanceof GlobalWindows.NeverTrigger);
    assert.equal(String(assigner), 'GlobalWindows()');

    const harness = new TriggerTestHarness(trigger);
    const window = GlobalWindow.get();
    assert.equal(harness.processElement('a', 1, window), TriggerResult.CONTINUE);
    assert.equal(harness.invokeOnEventTime(Number.MAX_SAFE_INTEGER, window), TriggerResult.CONTINUE);
    assert.equal(harness.numEventTimeTimers() + harness.numProcessingTimeTimers() + harness.numStateEntries(), 0);
    assert.equal(trigger.canMerge(), false);
    assert.doesNotThrow(() => harness.mergeWindows(window, []));
  });
});
