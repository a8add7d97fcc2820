/*
 * Tests of the non-keyed CoProcessOperator: both inputs, timestamps, side outputs, the combined
 * watermark in the context, and refused timers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';
import { OutputTag } from '../../../src/api/common/output-tag.ts';
import type { Collector } from '../../../src/api/common/functions.ts';
import type { ProcessFunctionContext } from '../../../src/api/functions/process-function.ts';
import { CoProcessFunction } from '../../../src/api/functions/co-process-function.ts';
import { CoProcessOperator } from '../../../src/runtime/operators/co-process-operator.ts';
import { TwoInputOperatorTestHarness } from './harness.ts';

const rejected = new OutputTag<string>('rejected');

class Joiner extends CoProcessFunction<number, string, string> {
  processElement1(v: number, ctx: ProcessFunctionContext, out: Collector<string>): void {
    out.collect(`1:${v}@${ctx.timestamp()} wm=${ctx.timerService().currentWatermark()}`);
  }
  processElement2(v: string, ctx: ProcessFunctionContext, out: Collector<string>): void {
    if (v === '') ctx.output(rejected, 'empty');
    else out.collect(`2:${v}@${ctx.timestamp()}`);
  }
}

describe('CoProcessOperator', () => {
  it('processes both inputs with their timestamps and side outputs', async () => {
    const h = new TwoInputOperatorTestHarness(new CoProcessOperator(new Joiner()));
    await h.open();
    h.processElement1(1, 5);
    h.processElement2('a', 6);
    h.processElement2('', 7);
    h.processElement1(2);
    assert.deepEqual(h.getOutput().map((r) => r.value), [`1:1@5 wm=${Number.MIN_SAFE_INTEGER}`, '2:a@6', `1:2@null wm=${Number.MIN_SAFE_INTEGER}`]);
    assert.deepEqual(h.getSideOutput(rejected), [{ value: 'empty', timestamp: 7 }]);
  });

  it('sees the combined watermark of both inputs', async () => {
    const h = new TwoInputOperatorTestHarness(new CoProcessOperator(new Joiner()));
    await h.open();
    h.processWatermark1(10);
    h.processWatermark2(4);
    h.processElement1(1, 11);
    assert.equal(h.getValues()[0], '1:1@11 wm=4');
  });

  it('refuses timers', async () => {
    const h = new TwoInputOperatorTestHarness(
      new CoProcessOperator<number, number, never>({
        processElement1(_v: number, ctx: ProcessFunctionContext) {
          ctx.timerService().registerProcessingTimeTimer(1);
        },
        processElement2() {},
      }),
    );
    await h.open();
    assert.throws(() => h.processElement1(1), (e: unknown) => FlinkError.isFlinkError(e) && FlinkError.isFlinkError(e.cause) && e.cause.code === ErrorCodes.FLINK_TS_UNSUPPORTED);
  });

  it('wraps errors with operator, subtask and input', async () => {
    const h = new TwoInputOperatorTestHarness(
      new CoProcessOperator<number, number, never>({
        processElement1() {},
        processElement2() {
          throw new Error('two');
        },
      }),
      { operatorName: 'Co-Process', subtaskIndex: 1, parallelism: 2 },
    );
    await h.open();
    assert.throws(() => h.processElement2(3), /'Co-Process' \(subtask 2\/2\) failed while processing record 3 of input 2: two/);
  });
});
