/*
 * Tests of what the window function sees and keeps: per-window state cleared with the window
 * (through clear()), per-key global state, side outputs stamped with the window's end, the
 * function's lifecycle, errors that name the operator, and window state that survives a
 * snapshot and restore of the keyed state backend (merging windows come back as windows).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Collector } from '../../../../src/api/common/functions.ts';
import { OutputTag } from '../../../../src/api/common/output-tag.ts';
import { ProcessWindowFunction, type ProcessWindowFunctionContext } from '../../../../src/api/functions/window-functions.ts';
import { ValueStateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import { EventTimeSessionWindows } from '../../../../src/api/windowing/assigners/event-time-session-windows.ts';
import { TumblingEventTimeWindows } from '../../../../src/api/windowing/assigners/tumbling-event-time-windows.ts';
import { TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';
import { ErrorCodes, FlinkError } from '../../../../src/errors.ts';
import type { WindowOperator } from '../../../../src/runtime/operators/windowing/window-operator.ts';
import { OneInputOperatorTestHarness } from '../harness.ts';
import { aggregateOperator, applyOperator, drain, openHarness, processOperator, tuple, windowSummary, type Tuple } from './window-test-helpers.ts';

const fires = new ValueStateDescriptor<number>('fires', 0);
const total = new ValueStateDescriptor<number>('total', 0);

/** Counts firings per window (windowState) and per key (globalState); records clear() calls. */
class CountingFunction extends ProcessWindowFunction<Tuple, string, string, TimeWindow> {
  readonly cleared: string[];
  constructor(cleared: string[]) {
    super();
    this.cleared = cleared;
  }
  process(key: string, ctx: ProcessWindowFunctionContext<TimeWindow>, elements: Iterable<Tuple>, out: Collector<string>): void {
    const perWindow = ctx.windowState().getState(fires);
    const perKey = ctx.globalState().getState(total);
    perWindow.update(perWindow.value()! + 1);
    perKey.update(perKey.value()! + 1);
    out.collect(`${key}[${ctx.window().start}] n=${[...elements].length} fires=${perWindow.value()} total=${perKey.value()}`);
  }
  override clear(ctx: ProcessWindowFunctionContext<TimeWindow>): void {
    this.cleared.push(`${ctx.window().start}:${ctx.windowState().getState(fires).value()}`);
    ctx.windowState().getState(fires).clear();
  }
}

async function snapshotOf(harness: OneInputOperatorTestHarness<Tuple, unknown>) {
  return harness.keyedStateBackend!.snapshot(1).materialize();
}

describe('WindowOperator window function context', () => {
  it('keeps per-window state until the window is cleaned up (clear) and per-key state beyond', async (t) => {
    const cleared: string[] = [];
    const harness = await openHarness(t, processOperator({ assigner: TumblingEventTimeWindows.of(1000), allowedLateness: 500 }, new CountingFunction(cleared)));
    harness.processElement(['a', 1], 10);
    harness.processWatermark(999);
    harness.processElement(['a', 1], 20); // late, re-fires
    harness.processElement(['a', 1], 1010);
    harness.processWatermark(1999);
    assert.deepEqual(harness.getValues(), ['a[0] n=1 fires=1 total=1', 'a[0] n=2 fires=2 total=2', 'a[1000] n=1 fires=1 total=3']);
    assert.deepEqual(cleared, ['0:2'], 'window [0, 1000) was cleaned at 1499 with its per-window state');
    harness.processWatermark(2499);
    assert.deepEqual(cleared, ['0:2', '1000:1']);
    assert.equal(harness.keyedStateBackend!.getStatistics().numEntries, 1, 'only the per-key total is left');
  });

  it('emits side outputs with the window end as timestamp', async (t) => {
    const tag = new OutputTag<string>('sizes');
    const harness = await openHarness(
      t,
      processOperator(
        { assigner: TumblingEventTimeWindows.of(1000) },
        {
          process(key: string, ctx: ProcessWindowFunctionContext<TimeWindow>, elements: Iterable<Tuple>, out: Collector<string>) {
            ctx.output(tag, `${key} has ${[...elements].length}`);
            out.collect(`${key} @ wm ${ctx.currentWatermark()}`);
          },
        },
      ),
    );
    harness.processElement(['a', 1], 10);
    harness.processElement(['a', 1], 20);
    harness.processWatermark(1500);
    assert.deepEqual(harness.getSideOutput(tag), [{ value: 'a has 2', timestamp: 999 }]);
    assert.deepEqual(harness.getOutput(), [{ value: 'a @ wm 1500', timestamp: 999 }]);
  });

  it('refuses per-window state for merging windows, as Flink', async (t) => {
    const harness = await openHarness(t, processOperator({ assigner: EventTimeSessionWindows.withGap(100) }, new CountingFunction([])));
    harness.processElement(['a', 1], 10);
    assert.throws(
      () => harness.processWatermark(1000),
      (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_UNSUPPORTED && e.message === 'Per-window state is not allowed when using merging windows.',
    );
  });

  it('opens and closes the window function with its runtime context', async () => {
    const calls: string[] = [];
    class Lifecycle extends ProcessWindowFunction<Tuple, string, string, TimeWindow> {
      override open(): void {
        calls.push(`open ${this.getRuntimeContext().getTaskName()}`);
      }
      process(key: string, _ctx: ProcessWindowFunctionContext<TimeWindow>, _elements: Iterable<Tuple>, out: Collector<string>): void {
        out.collect(key);
      }
      override close(): void {
        calls.push('close');
      }
    }
    const harness = new OneInputOperatorTestHarness<Tuple, string>(processOperator({ assigner: TumblingEventTimeWindows.of(1000) }, new Lifecycle()), { keyed: true, operatorName: 'windows' });
    await harness.open();
    await harness.close();
    assert.deepEqual(calls, ['open windows', 'close']);
  });
});

describe('WindowOperator errors', () => {
  it('fails with FLINK_TS_USER_FUNCTION naming the operator when the window function throws', async (t) => {
    const boom = new Error('boom');
    const harness = await openHarness(
      t,
      applyOperator({ assigner: TumblingEventTimeWindows.of(1000) }, () => {
        throw boom;
      }),
      { operatorName: 'TumblingEventTimeWindows' },
    );
    harness.processElement(['a', 1], 10);
    assert.throws(
      () => harness.processWatermark(1000),
      (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_USER_FUNCTION && e.cause === boom && /TumblingEventTimeWindows/.test(e.message) && /event-time timer @ 999/.test(e.message),
    );
  });

  it('refuses elements without a timestamp in event-time windows with Flink\'s message', async (t) => {
    const harness = await openHarness(t, aggregateOperator({ assigner: TumblingEventTimeWindows.of(1000) }));
    assert.throws(
      () => harness.processElement(['a', 1]),
      (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_INVALID_PIPELINE && /assignTimestampsAndWatermarks/.test(e.message),
    );
  });
});

describe('WindowOperator state across snapshot and restore', () => {
  it('restores the contents of open windows', async (t) => {
    const first = await openHarness(t, aggregateOperator({ assigner: TumblingEventTimeWindows.of(1000) }));
    first.processElement(['a', 1], 100);
    first.processElement(['a', 2], 200);
    first.processElement(['b', 5], 300);
    const snapshot = await snapshotOf(first as never);

    const second = new OneInputOperatorTestHarness<Tuple, Tuple>(aggregateOperator({ assigner: TumblingEventTimeWindows.of(1000) }), { keyed: true });
    await second.keyedStateBackend!.restore([snapshot]);
    await second.open();
    t.after(() => second.close());
    second.processElement(['a', 4], 300);
    second.processElement(['b', 5], 400);
    second.processWatermark(999);
    assert.deepEqual(drain(second, tuple), ['a:7@999', 'b:10@999']);
  });

  it('restores the window timers with the state: open windows fire and are cleaned up without new elements', async (t) => {
    const first = await openHarness(t, aggregateOperator({ assigner: TumblingEventTimeWindows.of(1000), allowedLateness: 500 }));
    first.processElement(['a', 1], 100);
    first.processElement(['b', 5], 1300);
    first.processWatermark(999);
    assert.deepEqual(drain(first, tuple), ['a:1@999']);
    const snapshot = await snapshotOf(first as never);

    const operator = aggregateOperator({ assigner: TumblingEventTimeWindows.of(1000), allowedLateness: 500 });
    const second = new OneInputOperatorTestHarness<Tuple, Tuple>(operator, { keyed: true });
    await second.keyedStateBackend!.restore([snapshot]);
    await second.open();
    t.after(() => second.close());
    const window = operator as unknown as WindowOperator<string, Tuple, unknown, Tuple, TimeWindow>;
    assert.equal(window.numEventTimeTimers(), 3, "a's cleanup timer, b's trigger and cleanup timers");
    second.processWatermark(1999);
    assert.deepEqual(drain(second, tuple), ['b:5@1999'], 'the restored trigger timer fires b');
    second.processWatermark(2499);
    assert.equal(window.numEventTimeTimers(), 0);
    assert.equal(second.keyedStateBackend!.getStatistics().numEntries, 0, 'the restored cleanup timers cleared both windows');
  });

  it('restores the sessions of merging windows as TimeWindows and merges into them', async (t) => {
    const summary = (key: string, window: TimeWindow, input: Iterable<Tuple>, out: Collector<string>) => out.collect(windowSummary(key, window, input));
    const first = await openHarness(t, applyOperator({ assigner: EventTimeSessionWindows.withGap(3000) }, summary));
    first.processElement(['a', 1], 0);
    first.processElement(['a', 2], 1000);
    const snapshot = await snapshotOf(first as never);

    const operator = applyOperator({ assigner: EventTimeSessionWindows.withGap(3000) }, summary);
    const second = new OneInputOperatorTestHarness<Tuple, string>(operator, { keyed: true });
    await second.keyedStateBackend!.restore([snapshot]);
    await second.open();
    t.after(() => second.close());
    second.processElement(['a', 4], 3500);
    second.processWatermark(10000);
    assert.deepEqual(drain(second, (s) => s), ['a-7:0-6500@6499']);
    assert.equal((operator as WindowOperator<string, Tuple, unknown, string, TimeWindow>).numEventTimeTimers(), 0);
  });
});
