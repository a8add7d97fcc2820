/*
 * Tests of the evicting window operator (after Flink's EvictingWindowOperatorTest): evictors run
 * before or after the window function, what they leave stays in the pane, elements keep their
 * timestamps, and reduce/aggregate/process all run over the remaining elements.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Collector } from '../../../../src/api/common/functions.ts';
import { ProcessWindowFunction, type ProcessWindowFunctionContext } from '../../../../src/api/functions/window-functions.ts';
import { EventTimeSessionWindows } from '../../../../src/api/windowing/assigners/event-time-session-windows.ts';
import { GlobalWindows } from '../../../../src/api/windowing/assigners/global-windows.ts';
import { TumblingEventTimeWindows } from '../../../../src/api/windowing/assigners/tumbling-event-time-windows.ts';
import { CountEvictor } from '../../../../src/api/windowing/evictors/count-evictor.ts';
import { DeltaEvictor } from '../../../../src/api/windowing/evictors/delta-evictor.ts';
import type { Evictor } from '../../../../src/api/windowing/evictors/evictor.ts';
import { TimeEvictor } from '../../../../src/api/windowing/evictors/time-evictor.ts';
import type { TimestampedValue } from '../../../../src/api/windowing/evictors/timestamped-value.ts';
import { CountTrigger } from '../../../../src/api/windowing/triggers/count-trigger.ts';
import { Trigger, type TriggerContext } from '../../../../src/api/windowing/triggers/trigger.ts';
import { TriggerResult } from '../../../../src/api/windowing/triggers/trigger-result.ts';
import type { Window } from '../../../../src/api/windowing/windows/window.ts';
import type { TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';
import { EvictingWindowOperator } from '../../../../src/runtime/operators/windowing/evicting-window-operator.ts';
import { aggregateOperator, drain, openHarness, processOperator, reduceOperator, tuple, type Tuple } from './window-test-helpers.ts';

const END = Number.MAX_SAFE_INTEGER;

class ValuesFunction extends ProcessWindowFunction<Tuple, string, string, Window> {
  process(key: string, _context: ProcessWindowFunctionContext<Window>, elements: Iterable<Tuple>, out: Collector<string>): void {
    out.collect(`${key}:${[...elements].map((e) => e[1]).join(',')}`);
  }
}

describe('EvictingWindowOperator', () => {
  it('is built whenever an evictor is set, also for reduce', async (t) => {
    const harness = await openHarness(t, reduceOperator({ assigner: GlobalWindows.create(), trigger: CountTrigger.of(2), evictor: CountEvictor.of(3) }));
    assert.ok(harness.operator instanceof EvictingWindowOperator);
    for (const v of [1, 2, 3, 4, 5, 6]) harness.processElement(['a', v], v);
    // Fires after 2, 4 and 6 elements; before each firing only the last 3 elements are kept.
    assert.deepEqual(drain(harness, tuple), [`a:15@${END}`, `a:3@${END}`, `a:9@${END}`]);
  });

  it('evicts after the window function when asked to (CountEvictor doEvictAfter)', async (t) => {
    const harness = await openHarness(t, processOperator({ assigner: GlobalWindows.create(), trigger: CountTrigger.of(2), evictor: CountEvictor.of(2, true) }, new ValuesFunction()));
    for (const v of [1, 2, 3, 4, 5, 6]) harness.processElement(['a', v], v);
    assert.deepEqual(
      harness.getOutput().map((r) => r.value),
      ['a:1,2', 'a:1,2,3,4', 'a:3,4,5,6'],
      'the function sees everything, then all but the last two are evicted',
    );
  });

  it('gives evictors the elements with their timestamps (TimeEvictor on an event-time window)', async (t) => {
    const harness = await openHarness(t, aggregateOperator({ assigner: TumblingEventTimeWindows.of(10000), evictor: TimeEvictor.of(1000) }));
    harness.processElement(['a', 1], 100);
    harness.processElement(['a', 2], 8999);
    harness.processElement(['a', 4], 9500);
    harness.processElement(['a', 8], 9999);
    harness.processWatermark(9999);
    // The newest timestamp is 9999: elements at or before 8999 are evicted.
    assert.deepEqual(drain(harness, tuple), ['a:12@9999']);
  });

  it('keeps what the evictor left as the contents for later firings', async (t) => {
    const harness = await openHarness(
      t,
      processOperator({ assigner: GlobalWindows.create(), trigger: CountTrigger.of(3), evictor: DeltaEvictor.of<Tuple>(5, (a, b) => Math.abs(a[1] - b[1])) }, new ValuesFunction()),
    );
    for (const v of [1, 20, 22]) harness.processElement(['a', v], 0);
    for (const v of [23, 24, 40]) harness.processElement(['a', v], 0);
    assert.deepEqual(
      harness.getOutput().map((r) => r.value),
      ['a:20,22', 'a:40'],
      'after the first firing the pane holds 20,22; then 20,22,23,24,40 leave only 40',
    );
  });

  it('passes the window, the timestamps and a context to evictors', async (t) => {
    const seen: string[] = [];
    const recording: Evictor<Tuple, TimeWindow> = {
      evictBefore(elements: TimestampedValue<Tuple>[], size: number, window: TimeWindow, ctx) {
        seen.push(`before ${size} [${window.start},${window.end}) wm=${ctx.getCurrentWatermark()} ts=${elements.map((e) => e.timestamp).join(',')}`);
        elements.splice(0, 1);
      },
      evictAfter(_elements: TimestampedValue<Tuple>[], size: number) {
        seen.push(`after ${size}`);
      },
    };
    const harness = await openHarness(t, processOperator({ assigner: EventTimeSessionWindows.withGap(100), evictor: recording }, new ValuesFunction()));
    harness.processElement(['a', 1], 10);
    harness.processElement(['a', 2], 50);
    harness.processElement(['a', 3], 120);
    harness.processWatermark(1000);
    assert.deepEqual(seen, ['before 3 [10,220) wm=1000 ts=10,50,120', 'after 2']);
    assert.deepEqual(harness.getOutput().map((r) => `${r.value}@${r.timestamp}`), ['a:2,3@219']);
    assert.equal(harness.keyedStateBackend!.getStatistics().numEntries, 0);
  });

  it('does not ask the trigger about timers of panes that have no contents, unlike the plain operator', async (t) => {
    const calls = { evicting: 0, plain: 0 };
    class PurgeAtOnce extends Trigger<unknown, TimeWindow> {
      readonly which: 'evicting' | 'plain';
      constructor(which: 'evicting' | 'plain') {
        super();
        this.which = which;
      }
      onElement(_e: unknown, _ts: number, window: TimeWindow, ctx: TriggerContext): TriggerResult {
        ctx.registerEventTimeTimer(window.maxTimestamp() - 1);
        return TriggerResult.FIRE_AND_PURGE;
      }
      onEventTime(): TriggerResult {
        calls[this.which]++;
        return TriggerResult.FIRE;
      }
      onProcessingTime(): TriggerResult {
        return TriggerResult.CONTINUE;
      }
      clear(): void {}
    }
    const evicting = await openHarness(t, reduceOperator({ assigner: TumblingEventTimeWindows.of(1000), trigger: new PurgeAtOnce('evicting'), evictor: CountEvictor.of(10) }));
    const plain = await openHarness(t, reduceOperator({ assigner: TumblingEventTimeWindows.of(1000), trigger: new PurgeAtOnce('plain') }));
    for (const harness of [evicting, plain]) {
      harness.processElement(['a', 1], 5);
      harness.processWatermark(2000);
      assert.deepEqual(drain(harness, tuple), ['a:1@999'], 'fired once, on the element; the timer finds the pane empty');
    }
    assert.deepEqual(calls, { evicting: 0, plain: 2 }, 'the plain operator asks about its own timer and the cleanup timer');
  });
});
