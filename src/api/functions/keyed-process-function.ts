/*
 * KeyedProcessFunction: a ProcessFunction on a keyed stream, as Flink's. Its context knows the
 * current key, and it can set event-time and processing-time timers for that key; onTimer is
 * called with the timer's key as the current key.
 */
import type { Collector, FunctionLifecycle } from '../common/functions.ts';
import { AbstractRichFunction } from '../common/rich-functions.ts';
import type { ProcessFunctionContext, TimeDomain } from './process-function.ts';

export interface KeyedProcessFunctionContext<K> extends ProcessFunctionContext {
  getCurrentKey(): K;
}

export interface KeyedOnTimerContext<K> extends KeyedProcessFunctionContext<K> {
  timeDomain(): TimeDomain;
}

export abstract class KeyedProcessFunction<K, I, O> extends AbstractRichFunction {
  abstract processElement(value: I, ctx: KeyedProcessFunctionContext<K>, out: Collector<O>): void;

  onTimer(_timestamp: number, _ctx: KeyedOnTimerContext<K>, _out: Collector<O>): void {}
}

export type KeyedProcessFunctionLike<K, I, O> =
  | KeyedProcessFunction<K, I, O>
  | ({
      processElement(value: I, ctx: KeyedProcessFunctionContext<K>, out: Collector<O>): void;
      onTimer?(timestamp: number, ctx: KeyedOnTimerContext<K>, out: Collector<O>): void;
    } & FunctionLifecycle)
  | ((value: I, ctx: KeyedProcessFunctionContext<K>, out: Collector<O>) => void);
