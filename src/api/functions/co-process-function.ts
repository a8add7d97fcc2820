/*
 * Process functions over two connected streams, as Flink's CoProcessFunction and
 * KeyedCoProcessFunction. Both inputs share one context type; timers exist only when keyed, and
 * then both inputs and the timers share the keyed state of the current key.
 */
import type { Collector, FunctionLifecycle } from '../common/functions.ts';
import { AbstractRichFunction } from '../common/rich-functions.ts';
import type { OnTimerContext, ProcessFunctionContext } from './process-function.ts';
import type { KeyedOnTimerContext, KeyedProcessFunctionContext } from './keyed-process-function.ts';

export abstract class CoProcessFunction<I1, I2, O> extends AbstractRichFunction {
  abstract processElement1(value: I1, ctx: ProcessFunctionContext, out: Collector<O>): void;
  abstract processElement2(value: I2, ctx: ProcessFunctionContext, out: Collector<O>): void;

  onTimer(_timestamp: number, _ctx: OnTimerContext, _out: Collector<O>): void {}
}

export type CoProcessFunctionLike<I1, I2, O> =
  | CoProcessFunction<I1, I2, O>
  | ({
      processElement1(value: I1, ctx: ProcessFunctionContext, out: Collector<O>): void;
      processElement2(value: I2, ctx: ProcessFunctionContext, out: Collector<O>): void;
      onTimer?(timestamp: number, ctx: OnTimerContext, out: Collector<O>): void;
    } & FunctionLifecycle);

export abstract class KeyedCoProcessFunction<K, I1, I2, O> extends AbstractRichFunction {
  abstract processElement1(value: I1, ctx: KeyedProcessFunctionContext<K>, out: Collector<O>): void;
  abstract processElement2(value: I2, ctx: KeyedProcessFunctionContext<K>, out: Collector<O>): void;

  onTimer(_timestamp: number, _ctx: KeyedOnTimerContext<K>, _out: Collector<O>): void {}
}

export type KeyedCoProcessFunctionLike<K, I1, I2, O> =
  | KeyedCoProcessFunction<K, I1, I2, O>
  | ({
      processElement1(value: I1, ctx: KeyedProcessFunctionContext<K>, out: Collector<O>): void;
      processElement2(value: I2, ctx: KeyedProcessFunctionContext<K>, out: Collector<O>): void;
      onTimer?(timestamp: number, ctx: KeyedOnTimerContext<K>, out: Collector<O>): void;
    } & FunctionLifecycle);
