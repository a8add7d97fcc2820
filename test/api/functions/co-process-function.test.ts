/*
 * Tests of the CoProcessFunction and KeyedCoProcessFunction API base classes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Collector } from '../../../src/api/common/functions.ts';
import { AbstractRichFunction } from '../../../src/api/common/rich-functions.ts';
import type { OnTimerContext, ProcessFunctionContext } from '../../../src/api/functions/process-function.ts';
import type { KeyedOnTimerContext, KeyedProcessFunctionContext } from '../../../src/api/functions/keyed-process-function.ts';
import { CoProcessFunction, KeyedCoProcessFunction } from '../../../src/api/functions/co-process-function.ts';

describe('CoProcessFunction', () => {
  it('has two element methods and a no-op onTimer', () => {
    class Both extends CoProcessFunction<number, string, string> {
      processElement1(v: number, _ctx: ProcessFunctionContext, out: Collector<string>): void {
        out.collect(String(v));
      }
      processElement2(v: string, _ctx: ProcessFunctionContext, out: Collector<string>): void {
        out.collect(v);
      }
    }
    const fn = new Both();
    assert.ok(fn instanceof AbstractRichFunction);
    const out: string[] = [];
    const collector = { collect: (v: string) => out.push(v) };
    fn.processElement1(1, {} as ProcessFunctionContext, collector);
    fn.processElement2('b', {} as ProcessFunctionContext, collector);
    fn.onTimer(0, {} as OnTimerContext, collector);
    assert.deepEqual(out, ['1', 'b']);
  });
});

describe('KeyedCoProcessFunction', () => {
  it('sees the current key on both inputs', () => {
    class Keys extends KeyedCoProcessFunction<string, number, number, string> {
      processElement1(_v: number, ctx: KeyedProcessFunctionContext<string>, out: Collector<string>): void {
        out.collect(`1${ctx.getCurrentKey()}`);
      }
      processElement2(_v: number, ctx: KeyedProcessFunctionContext<string>, out: Collector<string>): void {
        out.collect(`2${ctx.getCurrentKey()}`);
      }
    }
    const fn = new Keys();
    const out: string[] = [];
    const ctx = { getCurrentKey: () => 'k' } as KeyedProcessFunctionContext<string>;
    fn.processElement1(0, ctx, { collect: (v) => out.push(v) });
    fn.processElement2(0, ctx, { collect: (v) => out.push(v) });
    fn.onTimer(0, {} as KeyedOnTimerContext<string>, { collect: () => assert.fail('nothing to emit') });
    assert.deepEqual(out, ['1k', '2k']);
  });
});
