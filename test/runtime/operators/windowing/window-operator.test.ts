/*
 * Tests of the window operator with event-time windows (after Flink's WindowOperatorTest):
 * tumbling, sliding and session windows evaluated with reduce, aggregate, process and apply, out
 * of order input, watermarks forwarded after the windows they fire, timers cleaned up.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Collector } from '../../../../src/api/common/functions.ts';
import { ProcessWindowFunction, type ProcessWindowFunctionContext } from '../../../../src/api/functions/window-functions.ts';
import { EventTimeSessionWindows } from '../../../../src/api/windowing/assigners/event-time-session-windows.ts';
import { DynamicEventTimeSessionWindows } from '../../../../src/api/windowing/assigners/dynamic-event-time-session-windows.ts';
import { SlidingEventTimeWindows } from '../../../../src/api/windowing/assigners/sliding-event-time-windows.ts';
import { TumblingEventTimeWindows } from '../../../../src/api/windowing/assigners/tumbling-event-time-windows.ts';
import { TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';
import type { AggregatingState, ListState } from '../../../../src/api/state/state.ts';
import type { WindowOperator } from '../../../../src/runtime/operators/windowing/window-operator.ts';
import type { InternalKvState } from '../../../../src/runtime/state/keyed-state-backend.ts';
import type { OneInputOperatorTestHarness } from '../harness.ts';
import {
  aggregateOperator,
  applyOperator,
  drain,
  openHarness,
  processOperator,
  reduceOperator,
  reduceWithFunctionOperator,
  tuple,
  windowSummary,
  type Tuple,
} from './window-test-helpers.ts';

/** Flink's WindowOperatorTest input: out of order, two keys. */
function feedOutOfOrder(harness: OneInputOperatorTestHarness<Tuple, unknown>): void {
  harness.processElement(['key2', 1], 3999);
  harness.processElement(['key2', 1], 3000);
  harness.processElement(['key1', 1], 20);
  harness.processElement(['key1', 1], 0);
  harness.processElement(['key1', 1], 999);
  harness.processElement(['key2', 1], 1998);
  harness.processElement(['key2', 1], 1999);
  harness.processElement(['key2', 1], 1000);
}

function eventTimers(harness: OneInputOperatorTestHarness<Tuple, unknown>): number {
  return (harness.operator as WindowOperator<string, Tuple, unknown, unknown, TimeWindow>).numEventTimeTimers();
}

/** The window-contents state of a key and window, read directly from the backend. */
function windowContents<S>(harness: OneInputOperatorTestHarness<Tuple, unknown>, key: string, window: TimeWindow): S {
  const operator = harness.operator as WindowOperator<string, Tuple, unknown, unknown, TimeWindow>;
  const backend = harness.keyedStateBackend!;
  backend.setCurrentKey(key);
  const state = backend.getPartitionedState<S & InternalKvState>(operator.windowStateDescriptor);
  state.setCurrentNamespace(window.key());
  return state;
}

class SummaryFunction extends ProcessWindowFunction<Tuple, string, string, TimeWindow> {
  process(key: string, context: ProcessWindowFunctionContext<TimeWindow>, elements: Iterable<Tuple>, out: Collector<string>): void {
    out.collect(windowSummary(key, context.window(), elements));
  }
}

describe('WindowOperator with tumbling event-time windows', () => {
  for (const [name, build] of [
    ['reduce', () => reduceOperator({ assigner: TumblingEventTimeWindows.of(3000) })],
    ['aggregate', () => aggregateOperator({ assigner: TumblingEventTimeWindows.of(3000) })],
  ] as const) {
    it(`fires each window once the watermark passes its end (${name})`, async (t) => {
      const harness = await openHarness(t, build());
      feedOutOfOrder(harness as never);
      harness.processWatermark(999);
      harness.processWatermark(1999);
      assert.deepEqual(drain(harness, tuple), []);
      harness.processWatermark(2999);
      assert.deepEqual(drain(harness, tuple), ['key1:3@2999', 'key2:3@2999']);
      harness.processWatermark(3999);
      harness.processWatermark(4999);
      assert.deepEqual(drain(harness, tuple), []);
      harness.processWatermark(5999);
      assert.deepEqual(drain(harness, tuple), ['key2:2@5999']);
      assert.equal(eventTimers(harness), 0);
      assert.equal(harness.keyedStateBackend!.getStatistics().numEntries, 0, 'the fired windows were cleaned up');
    });
  }

  it('forwards each watermark after the records of the windows it fires', async (t) => {
    const harness = await openHarness(t, reduceOperator({ assigner: TumblingEventTimeWindows.of(3000) }));
    feedOutOfOrder(harness as never);
    harness.processWatermark(2999);
    harness.processWatermark(5999);
    const events = harness.output.events.map((e) => ('value' in e ? `r${e.timestamp}` : `w${e.timestamp}`));
    assert.deepEqual(events, ['r2999', 'r2999', 'w2999', 'r5999', 'w5999']);
  });

  it('keeps one accumulator per key and window for aggregate, the elements for process', async (t) => {
    const aggregating = await openHarness(t, aggregateOperator({ assigner: TumblingEventTimeWindows.of(3000) }));
    const processing = await openHarness(t, processOperator({ assigner: TumblingEventTimeWindows.of(3000) }, new SummaryFunction()));
    for (let i = 0; i < 50; i++) {
      aggregating.processElement(['k', 1], i);
      processing.processElement(['k', 1], i);
    }
    const accumulator = windowContents<AggregatingState<Tuple, Tuple>>(aggregating, 'k', new TimeWindow(0, 3000));
    assert.deepEqual(accumulator.get(), ['k', 50]);
    const elements = windowContents<ListState<Tuple>>(processing, 'k', new TimeWindow(0, 3000));
    assert.equal([...(elements.get() ?? [])].length, 50);
  });
});

describe('WindowOperator with sliding event-time windows', () => {
  for (const [name, build] of [
    ['reduce', () => reduceOperator({ assigner: SlidingEventTimeWindows.of(3000, 1000) })],
    ['aggregate', () => aggregateOperator({ assigner: SlidingEventTimeWindows.of(3000, 1000) })],
  ] as const) {
    it(`puts each element into size/slide windows and fires them in turn (${name})`, async (t) => {
      const harness = await openHarness(t, build());
      feedOutOfOrder(harness as never);
      harness.processWatermark(999);
      assert.deepEqual(drain(harness, tuple), ['key1:3@999']);
      harness.processWatermark(1999);
      assert.deepEqual(drain(harness, tuple), ['key1:3@1999', 'key2:3@1999']);
      harness.processWatermark(2999);
      assert.deepEqual(drain(harness, tuple), ['key1:3@2999', 'key2:3@2999']);
      harness.processWatermark(3999);
      assert.deepEqual(drain(harness, tuple), ['key2:5@3999']);
      harness.processWatermark(4999);
      assert.deepEqual(drain(harness, tuple), ['key2:2@4999']);
      harness.processWatermark(5999);
      assert.deepEqual(drain(harness, tuple), ['key2:2@5999']);
      assert.equal(harness.keyedStateBackend!.getStatistics().numEntries, 0);
    });
  }

  it('evaluates a ProcessWindowFunction with the window and its elements', async (t) => {
    const harness = await openHarness(t, processOperator({ assigner: SlidingEventTimeWindows.of(3000, 1000) }, new SummaryFunction()));
    feedOutOfOrder(harness as never);
    harness.processWatermark(3999);
    assert.deepEqual(drain(harness, (s) => s), [
      'key1-3:-1000-2000@1999',
      'key1-3:-2000-1000@999',
      'key1-3:0-3000@2999',
      'key2-3:-1000-2000@1999',
      'key2-3:0-3000@2999',
      'key2-5:1000-4000@3999',
    ]);
  });
});

describe('WindowOperator with event-time session windows', () => {
  function feedSessions(harness: OneInputOperatorTestHarness<Tuple, unknown>): void {
    harness.processElement(['key2', 1], 0);
    harness.processElement(['key2', 2], 1000);
    harness.processElement(['key2', 3], 2500);
    harness.processElement(['key1', 1], 10);
    harness.processElement(['key1', 2], 1000);
    harness.processElement(['key1', 3], 2500);
    harness.processElement(['key2', 4], 5501);
    harness.processElement(['key2', 5], 6000);
    harness.processElement(['key2', 5], 6000);
    harness.processElement(['key2', 6], 6050);
  }
  const expected = ['key1-6:10-5500@5499', 'key2-20:5501-9050@9049', 'key2-6:0-5500@5499'];

  it('merges overlapping sessions and their elements (process)', async (t) => {
    const harness = await openHarness(t, processOperator({ assigner: EventTimeSessionWindows.withGap(3000) }, new SummaryFunction()));
    feedSessions(harness as never);
    harness.processWatermark(12000);
    assert.deepEqual(drain(harness, (s) => s), expected);
    assert.equal(harness.keyedStateBackend!.getStatistics().numEntries, 0, 'contents and merging window sets are gone');
    assert.equal(eventTimers(harness), 0);
  });

  it('merges the accumulators of merging sessions (reduce with a window function)', async (t) => {
    const harness = await openHarness(
      t,
      reduceWithFunctionOperator({ assigner: EventTimeSessionWindows.withGap(3000) }, (key: string, window: TimeWindow, input: Iterable<Tuple>, out: Collector<string>) =>
        out.collect(windowSummary(key, window, input)),
      ),
    );
    feedSessions(harness as never);
    harness.processWatermark(12000);
    assert.deepEqual(drain(harness, (s) => s), expected);
  });

  it('fires a session only when the watermark passes the end of the merged session', async (t) => {
    const harness = await openHarness(t, aggregateOperator({ assigner: EventTimeSessionWindows.withGap(1000) }));
    harness.processElement(['a', 1], 0);
    harness.processWatermark(500);
    harness.processElement(['a', 1], 900);
    harness.processWatermark(999);
    assert.deepEqual(drain(harness, tuple), [], 'the session was extended to [0, 1900)');
    harness.processWatermark(1899);
    assert.deepEqual(drain(harness, tuple), ['a:2@1899']);
  });

  it('merges sessions bridged by a later element, with dynamic gaps', async (t) => {
    const assigner = DynamicEventTimeSessionWindows.withDynamicGap<Tuple>((t) => t[1]);
    const harness = await openHarness(t, applyOperator({ assigner }, (key: string, window: TimeWindow, input: Iterable<Tuple>, out: Collector<string>) => out.collect(windowSummary(key, window, input))));
    harness.processElement(['a', 100], 0);
    harness.processElement(['a', 100], 300);
    assert.equal(eventTimers(harness), 2, 'one timer per session: end of window and cleanup coincide');
    harness.processElement(['a', 250], 100);
    harness.processWatermark(1000);
    assert.deepEqual(drain(harness, (s) => s), ['a-450:0-400@399']);
  });
});
