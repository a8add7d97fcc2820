/*
 * Tests of KeyedCoProcessOperator: a key selector per input, shared per-key state between the
 * inputs, timers fired on the combined watermark and on processing time, key errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';
import { NO_TIMESTAMP } from '../../../src/api/common/watermark.ts';
import type { Collector } from '../../../src/api/common/functions.ts';
import { KeyedCoProcessFunction } from '../../../src/api/functions/co-process-function.ts';
import type { KeyedOnTimerContext, KeyedProcessFunctionContext } from '../../../src/api/functions/keyed-process-function.ts';
import type { ValueState } from '../../../src/api/state/state.ts';
import { ValueStateDescriptor } from '../../../src/api/state/state-descriptor.ts';
import { KeyedCoProcessOperator } from '../../../src/runtime/operators/keyed-co-process-operator.ts';
import { TwoInputOperatorTestHarness } from './harness.ts';

interface Order {
  id: string;
  amount: number;
}
interface Payment {
  orderId: string;
}

/** Matches orders with payments by id; an order unpaid when the watermark passes its time + 10 times out. */
class Matcher extends KeyedCoProcessFunction<string, Order, Payment, string> {
  private orders!: ValueState<Order>;
  override open(): void {
    this.orders = this.getRuntimeContext().getState(new ValueStateDescriptor<Order>('orders'));
  }
  processElement1(o: Order, ctx: KeyedProcessFunctionContext<string>, _out: Collector<string>): void {
    this.orders.update(o);
    ctx.timerService().registerEventTimeTimer(ctx.timestamp()! + 10);
  }
  processElement2(_p: Payment, ctx: KeyedProcessFunctionContext<string>, out: Collector<string>): void {
    const order = this.orders.value();
    if (order !== undefined) {
      out.collect(`paid ${ctx.getCurrentKey()} ${order.amount}`);
      this.orders.clear();
    }
  }
  override onTimer(ts: number, ctx: KeyedOnTimerContext<string>, out: Collector<string>): void {
    if (this.orders.value() !== undefined) out.collect(`timeout ${ctx.getCurrentKey()} @${ts} ${ctx.timeDomain()}`);
  }
}

function setup() {
  const op = new KeyedCoProcessOperator<string, Order, Payment, string>(new Matcher(), (o) => o.id, (p) => p.orderId);
  const h = new TwoInputOperatorTestHarness(op, { keyed: true, operatorName: 'Match' });
  return { h, op };
}

describe('KeyedCoProcessOperator', () => {
  it('shares the state of a key between both inputs', async () => {
    const { h } = setup();
    await h.open();
    h.processElement1({ id: 'o1', amount: 5 }, 1);
    h.processElement1({ id: 'o2', amount: 7 }, 2);
    h.processElement2({ orderId: 'o2' }, 3);
    h.processElement2({ orderId: 'o9' }, 4);
    assert.deepEqual(h.getOutput(), [{ value: 'paid o2 7', timestamp: 3 }]);
  });

  it('fires event-time timers when the combined watermark passes them', async () => {
    const { h, op } = setup();
    await h.open();
    h.processElement1({ id: 'o1', amount: 5 }, 1);
    h.processElement1({ id: 'o2', amount: 7 }, 2);
    assert.equal(op.numEventTimeTimers(), 2);
    h.processWatermark1(20);
    assert.deepEqual(h.getValues(), [], 'input 2 has not advanced');
    h.processWatermark2(11);
    assert.deepEqual(h.getOutput(), [{ value: 'timeout o1 @11 EVENT_TIME', timestamp: 11 }]);
    assert.deepEqual(h.getWatermarks(), [11]);
  });

  it('fires processing-time timers without an output timestamp', async () => {
    const h = new TwoInputOperatorTestHarness(
      new KeyedCoProcessOperator<string, string, string, string>(
        {
          processElement1(_v: string, ctx: KeyedProcessFunctionContext<string>) {
            ctx.timerService().registerProcessingTimeTimer(100);
          },
          processElement2(_v: string, ctx: KeyedProcessFunctionContext<string>) {
            ctx.timerService().deleteProcessingTimeTimer(100);
          },
          onTimer(ts: number, ctx: KeyedOnTimerContext<string>, out: Collector<string>) {
            out.collect(`${ctx.getCurrentKey()}@${ts}`);
          },
        },
        (v) => v,
        (v) => v,
      ),
      { keyed: true },
    );
    await h.open();
    h.processElement1('a', 1);
    h.processElement1('b', 1);
    h.processElement2('b', 1);
    h.setProcessingTime(100);
    assert.deepEqual(h.getOutput(), [{ value: 'a@100', timestamp: NO_TIMESTAMP }]);
  });

  it('reports invalid keys of either input with operator and subtask', async () => {
    const h = new TwoInputOperatorTestHarness(
      new KeyedCoProcessOperator<unknown, unknown, unknown, never>({ processElement1() {}, processElement2() {} }, (v) => v, () => undefined),
      { keyed: true, operatorName: 'KC' },
    );
    await h.open();
    h.processElement1('fine');
    assert.throws(
      () => h.processElement2('x'),
      (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_INVALID_KEY && /'KC' \(subtask 1\/1\).*undefined/.test(e.message),
    );
  });

  it('wraps failures of either method', async () => {
    const h = new TwoInputOperatorTestHarness(
      new KeyedCoProcessOperator<string, string, string, never>(
        {
          processElement1() {
            throw new Error('first');
          },
          processElement2() {},
        },
        (v) => v,
        (v) => v,
      ),
      { keyed: true, operatorName: 'KC' },
    );
    await h.open();
    assert.throws(() => h.processElement1('k'), /'KC' \(subtask 1\/1\) failed while processing record "k" of input 1: first/);
  });
});
