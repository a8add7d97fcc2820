/*
 * Tests of the KeyedProcessFunction API base class.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Collector } from '../../../src/api/common/functions.ts';
import { AbstractRichFunction } from '../../../src/api/common/rich-functions.ts';
import {
  KeyedProcessFunction,
  type KeyedOnTimerContext,
  type KeyedProcessFunctionContext,
  type KeyedProcessFunctionLike,
} from '../../../src/api/functions/keyed-process-function.ts';

describe('KeyedProcessFunction', () => {
  it('is a rich function with a no-op onTimer by default', () => {
    class Keys extends KeyedProcessFunction<string, number, string> {
      processElement(_v: number, ctx: KeyedProcessFunctionContext<string>, out: Collector<string>): void {
        out.collect(ctx.getCurrentKey());
      }
    }
    const fn = new Keys();
    assert.ok(fn instanceof AbstractRichFunction);
    const out: string[] = [];
    fn.processElement(1, { getCurrentKey: () => 'k' } as KeyedProcessFunctionContext<string>, { collect: (v) => out.push(v) });
    fn.onTimer(0, {} as KeyedOnTimerContext<string>, { collect: () => assert.fail('nothing to emit') });
    assert.deepEqual(out, ['k']);
    const plain: KeyedProcessFunctionLike<string, number, string> = (_v, ctx, o) => o.collect(ctx.getCurrentKey());
    assert.equal(typeof plain, 'function');
  });
});
