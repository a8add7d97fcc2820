/*
 * Tests of what AbstractKeyedProcessOperator adds to its subclasses: a keyed backend is required,
 * the record and timer contexts are separate objects, and close() shuts timers down even when
 * the function's close fails.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Collector } from '../../../src/api/common/functions.ts';
import type { KeyedOnTimerContext, KeyedProcessFunctionContext } from '../../../src/api/functions/keyed-process-function.ts';
import { KeyedProcessOperator } from '../../../src/runtime/operators/keyed-process-operator.ts';
import { OneInputOperatorTestHarness } from './harness.ts';

describe('AbstractKeyedProcessOperator', () => {
  it('uses a separate context for timers', async () => {
    const contexts: unknown[] = [];
    const op = new KeyedProcessOperator<string, string, string>(
      {
        processElement(_v: string, ctx: KeyedProcessFunctionContext<string>) {
          contexts.push(ctx);
          ctx.timerService().registerEventTimeTimer(1);
        },
        onTimer(_ts: number, ctx: KeyedOnTimerContext<string>, _out: Collector<string>) {
          contexts.push(ctx);
        },
      },
      (v) => v,
    );
    const h = new OneInputOperatorTestHarness(op, { keyed: true });
    await h.open();
    h.processElement('a', 5);
    h.processWatermark(1);
    assert.equal(contexts.length, 2);
    assert.notEqual(contexts[0], contexts[1]);
  });

  it('shuts its timers down even when the function fails to close', async () => {
    const op = new KeyedProcessOperator<string, string, never>(
      {
        processElement(_v: string, ctx: KeyedProcessFunctionContext<string>) {
          ctx.timerService().registerProcessingTimeTimer(100);
        },
        close() {
          throw new Error('close failed');
        },
      },
      (v) => v,
    );
    const h = new OneInputOperatorTestHarness(op, { keyed: true });
    await h.open();
    h.processElement('a');
    await assert.rejects(h.close(), /close failed/);
    assert.equal(h.processingTimeService.numPendingTimers, 0);
  });
});
