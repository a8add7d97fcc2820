/*
 * Tests of KeyedProcessOperator: the current key, keyed state, event-time timers (in order,
 * deduplicated, deletable, fired before the watermark is forwarded) and processing-time timers,
 * timestamps of timer output, and errors for failing functions and invalid keys.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';
import { OutputTag } from '../../../src/api/common/output-tag.ts';
import { NO_TIMESTAMP, Watermark } from '../../../src/api/common/watermark.ts';
import type { Collector } from '../../../src/api/common/functions.ts';
import { TimeDomain } from '../../../src/api/functions/process-function.ts';
import {
  KeyedProcessFunction,
  type KeyedOnTimerContext,
  type KeyedProcessFunctionContext,
} from '../../../src/api/functions/keyed-process-function.ts';
import { KeyedProcessOperator } from '../../../src/runtime/operators/keyed-process-operator.ts';
import { OneInputOperatorTestHarness } from './harness.ts';

interface Event {
  key: string;
  value: number;
}

const byKey = (e: Event): string => e.key;

function harness<O>(fn: ConstructorParameters<typeof KeyedProcessOperator<string, Event, O>>[0], name = 'KeyedProcess') {
  const op = new KeyedProcessOperator<string, Event, O>(fn, byKey);
  return { op, h: new OneInputOperatorTestHarness<Event, O>(op, { keyed: true, operatorName: name }) };
}

/** Registers an event-time timer at the record's value and reports what fires. */
class TimerFunction extends KeyedProcessFunction<string, Event, string> {
  processElement(e: Event, ctx: KeyedProcessFunctionContext<string>, out: Collector<string>): void {
    ctx.timerService().registerEventTimeTimer(e.value);
    out.collect(`in ${ctx.getCurrentKey()}`);
  }
  override onTimer(ts: number, ctx: KeyedOnTimerContext<string>, out: Collector<string>): void {
    out.collect(`${ctx.timeDomain()} ${ctx.getCurrentKey()}@${ts} ts=${ctx.timestamp()}`);
  }
}

describe('KeyedProcessOperator', () => {
  it('sets the current key and keeps per-key state', async () => {
    const { h } = harness<string>((e: Event, ctx: KeyedProcessFunctionContext<string>, out: Collector<string>) => {
      out.collect(`${ctx.getCurrentKey()}:${e.value}:${ctx.timestamp()}`);
    });
    await h.open();
    h.processElement({ key: 'a', value: 1 }, 5);
    h.processElement({ key: 'b', value: 2 });
    assert.deepEqual(h.getOutput(), [
      { value: 'a:1:5', timestamp: 5 },
      { value: 'b:2:null', timestamp: NO_TIMESTAMP },
    ]);
  });

  it('fires event-time timers in timestamp order, before the watermark is forwarded, stamped with the timer time', async () => {
    const { op, h } = harness<string>(new TimerFunction());
    await h.open();
    h.processElement({ key: 'a', value: 30 }, 1);
    h.processElement({ key: 'b', value: 10 }, 2);
    h.processElement({ key: 'c', value: 20 }, 3);
    h.processElement({ key: 'd', value: 50 }, 4);
    assert.equal(op.numEventTimeTimers(), 4);
    h.clearOutput();
    h.processWatermark(30);
    assert.deepEqual(h.output.events, [
      { value: 'EVENT_TIME b@10 ts=10', timestamp: 10 },
      { value: 'EVENT_TIME c@20 ts=20', timestamp: 20 },
      { value: 'EVENT_TIME a@30 ts=30', timestamp: 30 },
      new Watermark(30),
    ]);
    assert.equal(op.numEventTimeTimers(), 1);
    h.processWatermark(Watermark.MAX_WATERMARK.timestamp);
    assert.deepEqual(h.getValues().at(-1), 'EVENT_TIME d@50 ts=50');
    assert.equal(op.numEventTimeTimers(), 0);
  });

  it('registers a timer once per key and time', async () => {
    const { op, h } = harness<string>(new TimerFunction());
    await h.open();
    h.processElement({ key: 'a', value: 10 });
    h.processElement({ key: 'a', value: 10 });
    h.processElement({ key: 'b', value: 10 });
    assert.equal(op.numEventTimeTimers(), 2);
    h.clearOutput();
    h.processWatermark(10);
    assert.deepEqual(h.getValues().sort(), ['EVENT_TIME a@10 ts=10', 'EVENT_TIME b@10 ts=10']);
  });

  it('deletes timers of the current key only', async () => {
    const { h } = harness<string>({
      processElement(e: Event, ctx: KeyedProcessFunctionContext<string>) {
        if (e.value > 0) ctx.timerService().registerEventTimeTimer(e.value);
        else ctx.timerService().deleteEventTimeTimer(-e.value);
      },
      onTimer(ts: number, ctx: KeyedOnTimerContext<string>, out: Collector<string>) {
        out.collect(`${ctx.getCurrentKey()}@${ts}`);
      },
    });
    await h.open();
    h.processElement({ key: 'a', value: 5 });
    h.processElement({ key: 'b', value: 5 });
    h.processElement({ key: 'a', value: -5 });
    h.processWatermark(100);
    assert.deepEqual(h.getValues(), ['b@5']);
  });

  it('fires a timer set during onTimer at or before the watermark in the same advance', async () => {
    const { h } = harness<string>({
      processElement(e: Event, ctx: KeyedProcessFunctionContext<string>) {
        ctx.timerService().registerEventTimeTimer(e.value);
      },
      onTimer(ts: number, ctx: KeyedOnTimerContext<string>, out: Collector<string>) {
        out.collect(`${ts}`);
        if (ts < 3) ctx.timerService().registerEventTimeTimer(ts + 1);
      },
    });
    await h.open();
    h.processElement({ key: 'a', value: 1 });
    h.processWatermark(10);
    assert.deepEqual(h.getValues(), ['1', '2', '3']);
  });

  it('reports the current watermark, also before any timer exists', async () => {
    const seen: number[] = [];
    const { h } = harness<string>((_e: Event, ctx: KeyedProcessFunctionContext<string>) => {
      seen.push(ctx.timerService().currentWatermark());
    });
    await h.open();
    h.processElement({ key: 'a', value: 1 });
    h.processWatermark(17);
    h.processElement({ key: 'a', value: 1 });
    assert.deepEqual(seen, [Number.MIN_SAFE_INTEGER, 17]);
  });

  it('fires processing-time timers with the key set and without a timestamp on the output', async () => {
    const side = new OutputTag<string>('side');
    const { op, h } = harness<string>({
      processElement(e: Event, ctx: KeyedProcessFunctionContext<string>) {
        ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + e.value);
      },
      onTimer(ts: number, ctx: KeyedOnTimerContext<string>, out: Collector<string>) {
        assert.equal(ctx.timeDomain(), TimeDomain.PROCESSING_TIME);
        assert.equal(ctx.timestamp(), ts);
        out.collect(`${ctx.getCurrentKey()}@${ts}`);
        ctx.output(side, `side ${ts}`);
      },
    });
    await h.open();
    h.setProcessingTime(1000);
    h.processElement({ key: 'a', value: 50 }, 7);
    h.processElement({ key: 'b', value: 20 }, 8);
    h.processElement({ key: 'b', value: 20 }, 9);
    assert.equal(op.numProcessingTimeTimers(), 2);
    h.setProcessingTime(1019);
    assert.deepEqual(h.getOutput(), []);
    h.setProcessingTime(1100);
    assert.deepEqual(h.getOutput(), [
      { value: 'b@1020', timestamp: NO_TIMESTAMP },
      { value: 'a@1050', timestamp: NO_TIMESTAMP },
    ]);
    assert.deepEqual(h.getSideOutput(side), [
      { value: 'side 1020', timestamp: 1020 },
      { value: 'side 1050', timestamp: 1050 },
    ]);
    assert.equal(op.numProcessingTimeTimers(), 0);
  });

  it('cancels its scheduled processing-time timer on close', async () => {
    const { h } = harness<string>((_e: Event, ctx: KeyedProcessFunctionContext<string>) => {
      ctx.timerService().registerProcessingTimeTimer(500);
    });
    await h.open();
    h.processElement({ key: 'a', value: 0 });
    assert.equal(h.processingTimeService.numPendingTimers, 1);
    await h.close();
    assert.equal(h.processingTimeService.numPendingTimers, 0);
  });

  it('emits side outputs of records with the record timestamp', async () => {
    const late = new OutputTag<Event>('late');
    const { h } = harness<Event>((e: Event, ctx: KeyedProcessFunctionContext<string>, out: Collector<Event>) => {
      const ts = ctx.timestamp();
      if (ts !== null && ts < ctx.timerService().currentWatermark()) ctx.output(late, e);
      else out.collect(e);
    });
    await h.open();
    h.processWatermark(10);
    h.processElement({ key: 'a', value: 1 }, 5);
    h.processElement({ key: 'a', value: 2 }, 15);
    assert.deepEqual(h.getSideOutput(late), [{ value: { key: 'a', value: 1 }, timestamp: 5 }]);
    assert.deepEqual(h.getOutput(), [{ value: { key: 'a', value: 2 }, timestamp: 15 }]);
  });

  it('accepts a plain function (timers then fire into nothing)', async () => {
    const { h } = harness<string>((e: Event, ctx: KeyedProcessFunctionContext<string>) => {
      ctx.timerService().registerEventTimeTimer(e.value);
    });
    await h.open();
    h.processElement({ key: 'a', value: 1 });
    h.processWatermark(5);
    assert.deepEqual(h.getValues(), []);
    assert.deepEqual(h.getWatermarks(), [5]);
  });

  it('wraps a failing processElement and a failing onTimer', async () => {
    const { h } = harness<string>({
      processElement(e: Event, ctx: KeyedProcessFunctionContext<string>) {
        if (e.value < 0) throw new Error('negative');
        ctx.timerService().registerEventTimeTimer(e.value);
      },
      onTimer() {
        throw new Error('timer broke');
      },
    });
    await h.open();
    assert.throws(() => h.processElement({ key: 'a', value: -1 }), /'KeyedProcess' \(subtask 1\/1\) failed while processing record \{"key":"a","value":-1\}: negative/);
    h.processElement({ key: 'k', value: 3 });
    assert.throws(
      () => h.processWatermark(3),
      (e: unknown) => FlinkError.isFlinkError(e) && /firing event-time timer @ 3 of key "k": timer broke/.test(e.message) && e.cause instanceof Error,
    );
  });

  it('fails with FLINK_TS_INVALID_KEY naming operator and subtask for an invalid key', async () => {
    const op = new KeyedProcessOperator<unknown, { k: unknown }, never>(() => {}, (e) => e.k);
    const h = new OneInputOperatorTestHarness(op, { keyed: true, operatorName: 'Keyed Thing', subtaskIndex: 0, parallelism: 2, maxParallelism: 128 });
    await h.open();
    assert.throws(
      () => h.processElement({ k: { nested: true } }),
      (e: unknown) => {
        assert.ok(FlinkError.isFlinkError(e));
        assert.equal(e.code, ErrorCodes.FLINK_TS_INVALID_KEY);
        assert.match(e.message, /'Keyed Thing' \(subtask 1\/2\)/);
        assert.match(e.message, /a plain object/);
        assert.ok(FlinkError.isFlinkError(e.cause));
        return true;
      },
    );
  });

  it('wraps a throwing key selector as a user error', async () => {
    const op = new KeyedProcessOperator<string, Event, never>(
      () => {},
      () => {
        throw new Error('no key');
      },
    );
    const h = new OneInputOperatorTestHarness(op, { keyed: true });
    await h.open();
    assert.throws(() => h.processElement({ key: 'a', value: 1 }), (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_USER_FUNCTION && /extracting the key of record/.test(e.message));
  });

  it('needs a keyed state backend', () => {
    const op = new KeyedProcessOperator<string, Event, never>(() => {}, byKey);
    assert.throws(() => new OneInputOperatorTestHarness(op), (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_ILLEGAL_STATE);
  });
});
