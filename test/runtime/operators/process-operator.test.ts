/*
 * Tests of the non-keyed ProcessOperator: timestamps, side outputs, clocks, and timers being
 * refused as in Flink.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';
import { OutputTag } from '../../../src/api/common/output-tag.ts';
import { NO_TIMESTAMP } from '../../../src/api/common/watermark.ts';
import type { Collector } from '../../../src/api/common/functions.ts';
import { ProcessFunction, type ProcessFunctionContext } from '../../../src/api/functions/process-function.ts';
import { ProcessOperator } from '../../../src/runtime/operators/process-operator.ts';
import { OneInputOperatorTestHarness } from './harness.ts';

describe('ProcessOperator', () => {
  it('gives the function the record timestamp, or null, and stamps its output with it', async () => {
    const seen: (number | null)[] = [];
    const h = new OneInputOperatorTestHarness(
      new ProcessOperator((v: string, ctx: ProcessFunctionContext, out: Collector<string>) => {
        seen.push(ctx.timestamp());
        out.collect(v.toUpperCase());
      }),
    );
    await h.open();
    h.processElement('a', 42);
    h.processElement('b');
    assert.deepEqual(seen, [42, null]);
    assert.deepEqual(h.getOutput(), [
      { value: 'A', timestamp: 42 },
      { value: 'B', timestamp: NO_TIMESTAMP },
    ]);
  });

  it('emits side outputs by tag with the record timestamp', async () => {
    const evens = new OutputTag<number>('evens');
    const odds = new OutputTag<string>('odds');
    class Splitter extends ProcessFunction<number, number> {
      processElement(v: number, ctx: ProcessFunctionContext, out: Collector<number>): void {
        if (v % 2 === 0) ctx.output(evens, v);
        else ctx.output(odds, `odd ${v}`);
        out.collect(v);
      }
    }
    const h = new OneInputOperatorTestHarness(new ProcessOperator(new Splitter()));
    await h.open();
    h.processElement(1, 1);
    h.processElement(2, 2);
    assert.deepEqual(h.getValues(), [1, 2]);
    assert.deepEqual(h.getSideOutput(evens), [{ value: 2, timestamp: 2 }]);
    assert.deepEqual(h.getSideOutput(odds), [{ value: 'odd 1', timestamp: 1 }]);
  });

  it('tells processing time and the current watermark', async () => {
    const seen: [number, number][] = [];
    const h = new OneInputOperatorTestHarness(
      new ProcessOperator({
        processElement(_v: number, ctx: ProcessFunctionContext) {
          seen.push([ctx.timerService().currentProcessingTime(), ctx.timerService().currentWatermark()]);
        },
      }),
    );
    await h.open();
    h.setProcessingTime(100);
    h.processElement(1);
    h.processWatermark(7);
    h.setProcessingTime(200);
    h.processElement(2);
    assert.deepEqual(seen, [
      [100, Number.MIN_SAFE_INTEGER],
      [200, 7],
    ]);
    assert.deepEqual(h.getWatermarks(), [7]);
  });

  for (const method of ['registerEventTimeTimer', 'registerProcessingTimeTimer', 'deleteEventTimeTimer', 'deleteProcessingTimeTimer'] as const) {
    it(`refuses ${method} because the stream is not keyed`, async () => {
      const h = new OneInputOperatorTestHarness(
        new ProcessOperator((_v: number, ctx: ProcessFunctionContext) => {
          ctx.timerService()[method](10);
        }),
        { operatorName: 'Proc' },
      );
      await h.open();
      assert.throws(
        () => h.processElement(1),
        (e: unknown) => {
          assert.ok(FlinkError.isFlinkError(e));
          assert.equal(e.code, ErrorCodes.FLINK_TS_USER_FUNCTION);
          assert.match(e.message, /'Proc'/);
          assert.ok(FlinkError.isFlinkError(e.cause));
          assert.equal(e.cause.code, ErrorCodes.FLINK_TS_UNSUPPORTED);
          assert.match(e.cause.message, method.startsWith('register') ? /^Setting timers is only supported on a keyed streams\.$/ : /^Deleting timers/);
          return true;
        },
      );
    });
  }

  it('rejects a side output without a tag', async () => {
    const h = new OneInputOperatorTestHarness(
      new ProcessOperator((v: number, ctx: ProcessFunctionContext) => {
        ctx.output(null as never, v);
      }),
    );
    await h.open();
    assert.throws(() => h.processElement(1), (e: unknown) => e instanceof Error && e.cause instanceof TypeError && /OutputTag must not be null/.test(e.message));
  });

  it('wraps a failing function with the record', async () => {
    const h = new OneInputOperatorTestHarness(
      new ProcessOperator(() => {
        throw new Error('kaputt');
      }),
      { operatorName: 'P', subtaskIndex: 1, parallelism: 3 },
    );
    await h.open();
    assert.throws(() => h.processElement([1, 'x']), /'P' \(subtask 2\/3\) failed while processing record \[1,"x"\]: kaputt/);
  });
});
