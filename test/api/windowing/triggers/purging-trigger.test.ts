/*
 * Tests of PurgingTrigger (Flink's PurgingTriggerTest): every firing result becomes
 * FIRE_AND_PURGE, other results pass through, and clear, canMerge and onMerge are forwarded.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CountTrigger } from '../../../../src/api/windowing/triggers/count-trigger.ts';
import { PurgingTrigger } from '../../../../src/api/windowing/triggers/purging-trigger.ts';
import { Trigger, type OnMergeContext, type TriggerContext } from '../../../../src/api/windowing/triggers/trigger.ts';
import { TriggerResult } from '../../../../src/api/windowing/triggers/trigger-result.ts';
import { TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';
import { TriggerTestHarness } from './trigger-test-harness.ts';

/** A trigger that returns a set result and records the calls it gets. */
class ScriptedTrigger extends Trigger<unknown, TimeWindow> {
  result = TriggerResult.CONTINUE;
  merging = false;
  readonly calls: string[] = [];

  onElement(_e: unknown, timestamp: number, window: TimeWindow, _ctx: TriggerContext): TriggerResult {
    this.calls.push(`onElement(${timestamp}, ${window.key()})`);
    return this.result;
  }
  onEventTime(time: number, window: TimeWindow, _ctx: TriggerContext): TriggerResult {
    this.calls.push(`onEventTime(${time}, ${window.key()})`);
    return this.result;
  }
  onProcessingTime(time: number, window: TimeWindow, _ctx: TriggerContext): TriggerResult {
    this.calls.push(`onProcessingTime(${time}, ${window.key()})`);
    return this.result;
  }
  clear(window: TimeWindow, _ctx: TriggerContext): void {
    this.calls.push(`clear(${window.key()})`);
  }
  override canMerge(): boolean {
    return this.merging;
  }
  override onMerge(window: TimeWindow, _ctx: OnMergeContext): void {
    this.calls.push(`onMerge(${window.key()})`);
  }
}

const purged = new Map([
  [TriggerResult.CONTINUE, TriggerResult.CONTINUE],
  [TriggerResult.FIRE, TriggerResult.FIRE_AND_PURGE],
  [TriggerResult.FIRE_AND_PURGE, TriggerResult.FIRE_AND_PURGE],
  [TriggerResult.PURGE, TriggerResult.PURGE],
]);

describe('PurgingTrigger', () => {
  it('turns every firing into FIRE_AND_PURGE and passes other results through', () => {
    const nested = new ScriptedTrigger();
    const h = new TriggerTestHarness<unknown, TimeWindow>(PurgingTrigger.of(nested));
    const window = new TimeWindow(0, 2);
    for (const [result, expected] of purged) {
      nested.result = result;
      assert.equal(h.processElement(1, 0, window), expected, `onElement ${result}`);
      assert.equal(h.invokeOnEventTime(1, window), expected, `onEventTime ${result}`);
      assert.equal(PurgingTrigger.of(nested).onProcessingTime(1, window, null as never), expected, `onProcessingTime ${result}`);
    }
  });

  it('forwards clear(), canMerge() and onMerge()', () => {
    const nested = new ScriptedTrigger();
    const trigger = PurgingTrigger.of(nested);
    assert.equal(trigger.canMerge(), false);
    nested.merging = true;
    assert.equal(trigger.canMerge(), true);
    const h = new TriggerTestHarness<unknown, TimeWindow>(trigger);
    h.mergeWindows(new TimeWindow(0, 4), [new TimeWindow(0, 2), new TimeWindow(2, 4)]);
    h.clearTriggerState(new TimeWindow(0, 4));
    assert.deepEqual(nested.calls, ['onMerge(0:4)', 'clear(0:2)', 'clear(2:4)', 'clear(0:4)']);
    assert.equal(trigger.getNestedTrigger(), nested);
  });

  it('purges a count trigger on each firing', () => {
    const h = new TriggerTestHarness<unknown, TimeWindow>(PurgingTrigger.of(CountTrigger.of<TimeWindow>(2)));
    const window = new TimeWindow(0, 2);
    assert.equal(h.processElement(1, 0, window), TriggerResult.CONTINUE);
    assert.equal(h.processElement(1, 0, window), TriggerResult.FIRE_AND_PURGE);
    assert.equal(String(PurgingTrigger.of(CountTrigger.of(2))), 'PurgingTrigger(CountTrigger(2))');
  });

  it('rejects something that is not a trigger', () => {
    assert.throws(() => PurgingTrigger.of({} as never), TypeError);
  });

  it('a trigger that cannot merge fails on onMerge()', () => {
    const trigger = PurgingTrigger.of(CountTrigger.of<TimeWindow>(2));
    assert.equal(trigger.canMerge(), true);
    class NonMerging extends ScriptedTrigger {
      override onMerge(window: TimeWindow, ctx: OnMergeContext): void {
        Trigger.prototype.onMerge.call(this, window, ctx);
      }
    }
    assert.throws(() => PurgingTrigger.of(new NonMerging()).onMerge(new TimeWindow(0, 1), null as never), { code: 'FLINK_TS_UNSUPPORTED', message: /does not support merging/ });
  });
});
