/*
 * Tests of the window operator's shortcut for elements of existing panes (with Flink's
 * EventTimeTrigger, such an element skips the trigger and both timer registrations): on random
 * out-of-order inputs it must be invisible — the same output, late data and, after every record
 * and watermark, the same number of timers as an operator whose trigger behaves like
 * EventTimeTrigger but is another class (so the operator takes its general path). Also: after a
 * restore the shortcut waits until no restored pane is left, and evicting operators do not take it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OutputTag } from '../../../../src/api/common/output-tag.ts';
import { SlidingEventTimeWindows } from '../../../../src/api/windowing/assigners/sliding-event-time-windows.ts';
import { TumblingEventTimeWindows } from '../../../../src/api/windowing/assigners/tumbling-event-time-windows.ts';
import { CountEvictor } from '../../../../src/api/windowing/evictors/count-evictor.ts';
import { EventTimeTrigger } from '../../../../src/api/windowing/triggers/event-time-trigger.ts';
import { Trigger, type OnMergeContext, type TriggerContext } from '../../../../src/api/windowing/triggers/trigger.ts';
import type { TriggerResult } from '../../../../src/api/windowing/triggers/trigger-result.ts';
import { TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';
import { AggregatingStateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import type { AggregatingState } from '../../../../src/api/state/state.ts';
import { HeapKeyedStateBackend } from '../../../../src/runtime/state/heap/heap-keyed-state-backend.ts';
import { KeyGroupRange } from '../../../../src/runtime/state/key-group-range.ts';
import type { Window } from '../../../../src/api/windowing/windows/window.ts';
import { processWindowFunctionCall } from '../../../../src/runtime/operators/windowing/internal-window-function.ts';
import { WindowOperatorBuilder } from '../../../../src/runtime/operators/windowing/window-operator-builder.ts';
import type { WindowOperator } from '../../../../src/runtime/operators/windowing/window-operator.ts';
import { OneInputOperatorTestHarness } from '../harness.ts';
import { SumAggregator, aggregateOperator, drain, openHarness, tuple, type Tuple } from './window-test-helpers.ts';
import { IdsAggregate, describeAggregate, describePane, randomEvents, type Element, type Event } from './window-reference.ts';

/** EventTimeTrigger's behaviour in another class: the operator cannot rely on it. */
class LikeEventTimeTrigger extends Trigger<unknown, TimeWindow> {
  private readonly inner = EventTimeTrigger.create();
  onElement(element: unknown, timestamp: number, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    return this.inner.onElement(element, timestamp, window, ctx);
  }
  onEventTime(time: number, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    return this.inner.onEventTime(time, window, ctx);
  }
  onProcessingTime(time: number, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    return this.inner.onProcessingTime(time, window, ctx);
  }
  clear(window: TimeWindow, ctx: TriggerContext): void {
    this.inner.clear(window, ctx);
  }
  override canMerge(): boolean {
    return true;
  }
  override onMerge(window: TimeWindow, ctx: OnMergeContext): void {
    this.inner.onMerge(window, ctx);
  }
}

interface Run {
  readonly trace: string[];
  readonly operator: WindowOperator<string, Element, unknown, string, Window>;
}

const late = new OutputTag<Element>('late');

/** Output, late data and the number of timers after every event. */
async function run(events: readonly Event[], assigner: () => TumblingEventTimeWindows | SlidingEventTimeWindows, lateness: number, incremental: boolean, trigger?: Trigger<unknown, TimeWindow>): Promise<Run> {
  const builder = new WindowOperatorBuilder<Element, string, Window>(assigner() as never, (e) => e.key);
  if (trigger !== undefined) builder.trigger(trigger as never);
  builder.allowedLateness(lateness);
  builder.sideOutputLateData(late);
  const factory = incremental
    ? builder.aggregate(new IdsAggregate(), { fn: { process: describeAggregate }, call: processWindowFunctionCall })
    : builder.apply({ fn: { process: describePane }, call: processWindowFunctionCall });
  const operator = factory(0) as WindowOperator<string, Element, unknown, string, Window>;
  const harness = new OneInputOperatorTestHarness<Element, string>(operator, { keyed: true });
  await harness.open();
  const trace: string[] = [];
  try {
    for (const event of events) {
      if (event.kind === 'record') harness.processElement(event.element, event.ts);
      else harness.processWatermark(event.ts);
      const out = harness.getOutput().map((r) => `${r.value}@${r.timestamp}`);
      const lateOut = harness.getSideOutput(late).map((r) => `late ${r.value.key}/${r.value.id}`);
      trace.push(`${event.kind}@${event.ts}: timers ${operator.numEventTimeTimers()} | ${[...out, ...lateOut].sort().join(' ')}`);
      harness.clearOutput();
    }
  } finally {
    await harness.close();
  }
  return { trace, operator };
}

const assigners = {
  tumbling: () => TumblingEventTimeWindows.of(100),
  sliding: () => SlidingEventTimeWindows.of(100, 30),
};

describe('WindowOperator elements of existing panes', () => {
  for (const [name, assigner] of Object.entries(assigners)) {
    for (const lateness of [0, 70]) {
      it(`skip their timers invisibly (${name} windows, allowed lateness ${lateness})`, async () => {
        for (let seed = 1; seed <= 10; seed++) {
          const events: Event[] = [...randomEvents(seed * 7919, 120, 3), { kind: 'watermark', ts: Number.MAX_SAFE_INTEGER }];
          const incremental = seed % 2 === 0;
          const shortcut = await run(events, assigner, lateness, incremental);
          const general = await run(events, assigner, lateness, incremental, new LikeEventTimeTrigger());
          assert.deepEqual(shortcut.trace, general.trace, `seed ${seed}`);
          assert.equal(shortcut.operator.numEventTimeTimers(), 0);
        }
      });
    }
  }

  it('fire each pane once at its end and keep one timer per pane', async (t) => {
    const operator = aggregateOperator({ assigner: TumblingEventTimeWindows.of(1000) });
    const harness = await openHarness(t, operator);
    for (let i = 0; i < 5; i++) {
      harness.processElement(['a', 1], 100 + i);
      harness.processElement(['b', 2], 1100 + i);
    }
    assert.equal(operator.numEventTimeTimers(), 2);
    harness.processWatermark(999);
    assert.deepEqual(drain(harness, tuple), ['a:5@999']);
    assert.equal(operator.numEventTimeTimers(), 1);
    harness.processWatermark(1999);
    assert.deepEqual(drain(harness, tuple), ['b:10@1999']);
    assert.equal(operator.numEventTimeTimers(), 0);
  });

  it('register the timers again after a restore, as restored panes may lack them', async (t) => {
    // Window contents written without timers: what a snapshot without timer queues restores.
    const writer = new HeapKeyedStateBackend({ keyGroupRange: KeyGroupRange.of(0, 127), maxParallelism: 128 });
    const contents = writer.getPartitionedState<AggregatingState<Tuple, Tuple>>(new AggregatingStateDescriptor('window-contents', new SumAggregator()));
    writer.setCurrentKey('a');
    contents.setCurrentNamespace(new TimeWindow(0, 1000).key());
    contents.add(['a', 1]);
    const snapshot = await writer.snapshot(1).materialize();

    const operator = aggregateOperator({ assigner: TumblingEventTimeWindows.of(1000) });
    const harness = new OneInputOperatorTestHarness<Tuple, Tuple>(operator, { keyed: true });
    await harness.keyedStateBackend!.restore([snapshot]);
    await harness.open();
    t.after(() => harness.close());
    const shortcut = () => (operator as unknown as { existingPaneState: unknown }).existingPaneState !== null;
    harness.processElement(['a', 2], 200);
    harness.processElement(['b', 5], 1200);
    assert.equal(operator.numEventTimeTimers(), 2);
    assert.equal(shortcut(), false);
    harness.processWatermark(999);
    assert.deepEqual(drain(harness, tuple), ['a:3@999']);
    // The restored window is gone: every pane left is one this operator made, with its timers.
    assert.equal(shortcut(), true);
    harness.processElement(['b', 1], 1300);
    harness.processWatermark(1999);
    assert.deepEqual(drain(harness, tuple), ['b:6@1999']);
    assert.equal(operator.numEventTimeTimers(), 0);
  });

  it('wait after a restore until no restored pane is left', async (t) => {
    const first = await openHarness(t, aggregateOperator({ assigner: TumblingEventTimeWindows.of(1000), allowedLateness: 500 }));
    first.processElement(['a', 1], 100);
    first.processElement(['b', 1], 1100);
    const snapshot = await first.keyedStateBackend!.snapshot(1).materialize();
    const operator = aggregateOperator({ assigner: TumblingEventTimeWindows.of(1000), allowedLateness: 500 });
    const harness = new OneInputOperatorTestHarness<Tuple, Tuple>(operator, { keyed: true });
    await harness.keyedStateBackend!.restore([snapshot]);
    await harness.open();
    t.after(() => harness.close());
    const shortcut = () => (operator as unknown as { existingPaneState: unknown }).existingPaneState !== null;
    assert.equal(shortcut(), false);
    harness.processWatermark(999);
    assert.deepEqual(drain(harness, tuple), ['a:1@999']);
    assert.equal(shortcut(), false, 'window [0, 1000) is kept for its allowed lateness, window [1000, 2000) is open');
    harness.processWatermark(1499);
    assert.equal(shortcut(), false);
    harness.processWatermark(2499);
    assert.deepEqual(drain(harness, tuple), ['b:1@1999']);
    assert.equal(shortcut(), true);
  });

  it('take the general path in evicting operators', async (t) => {
    const builder = new WindowOperatorBuilder<Tuple, string, TimeWindow>(TumblingEventTimeWindows.of(1000), (v) => v[0]);
    builder.evictor(CountEvictor.of(2));
    const operator = builder.apply({ fn: { process: (key: string, _c: unknown, elements: Iterable<Tuple>, out: { collect(s: string): void }) => out.collect(`${key}:${[...elements].map((e) => e[1]).join(',')}`) }, call: processWindowFunctionCall })(0) as WindowOperator<string, Tuple, unknown, string, TimeWindow>;
    const harness = await openHarness(t, operator);
    for (let i = 1; i <= 3; i++) harness.processElement(['a', i], 100 + i);
    harness.processWatermark(999);
    assert.deepEqual(drain(harness, (s) => s), ['a:2,3@999']);
  });
});
