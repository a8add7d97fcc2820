/*
 * Tests of the ProcessFunction API: TimeDomain values and the base class's defaults.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Collector } from '../../../src/api/common/functions.ts';
import { AbstractRichFunction } from '../../../src/api/common/rich-functions.ts';
import { ProcessFunction, TimeDomain, type OnTimerContext, type ProcessFunctionContext, type ProcessFunctionLike } from '../../../src/api/functions/process-function.ts';

describe('ProcessFunction', () => {
  it('names the time domains as Flink does', () => {
    assert.deepEqual(Object.values(TimeDomain), ['EVENT_TIME', 'PROCESSING_TIME']);
  });

  it('is a rich function whose onTimer does nothing by default', () => {
    class Echo extends ProcessFunction<number, number> {
      processElement(v: number, _ctx: ProcessFunctionContext, out: Collector<number>): void {
        out.collect(v);
      }
    }
    const fn = new Echo();
    assert.ok(fn instanceof AbstractRichFunction);
    const out: number[] = [];
    fn.processElement(1, {} as ProcessFunctionContext, { collect: (v) => out.push(v) });
    fn.onTimer(1, {} as OnTimerContext, { collect: () => assert.fail('nothing to emit') });
    assert.deepEqual(out, [1]);
  });

  it('accepts plain functions and objects as ProcessFunctionLike', () => {
    const forms: ProcessFunctionLike<string, string>[] = [
      (v, _ctx, out) => out.collect(v),
      { processElement: (v, _ctx, out) => out.collect(v) },
    ];
    assert.equal(forms.length, 2);
  });
});
