/*
 * WindowedStream: a keyed stream cut into windows by a WindowAssigner (KeyedStream.window()), as
 * Flink's. Set the trigger, evictor, allowed lateness and late-data side output, then evaluate
 * each window with reduce / aggregate (incremental: one value per key and window), process /
 * apply (all elements) or the field aggregations. The result's records carry the window's
 * maxTimestamp(); getSideOutput(tag) on it reads the late data and the function's side outputs.
 */
import { ErrorCodes, FlinkError, invalidPipeline } from '../../errors.ts';
import { toMillis, type DurationLike } from '../common/duration.ts';
import { AbstractRichFunction } from '../common/rich-functions.ts';
import type { ReduceFunction } from '../common/functions.ts';
import type { OutputTag } from '../common/output-tag.ts';
import type { AggregateFunction } from '../state/state.ts';
import type { WindowAssigner } from '../windowing/assigners/window-assigner.ts';
import type { Evictor } from '../windowing/evictors/evictor.ts';
import type { Trigger } from '../windowing/triggers/trigger.ts';
import type { Window } from '../windowing/windows/window.ts';
import { isProcessWindowFunction, type ProcessWindowFunctionLike, type WindowFunction } from '../functions/window-functions.ts';
import type { KeySelectorFn, OperatorFactory } from '../../graph/transformation.ts';
import { maxAggregation, maxByAggregation, minAggregation, minByAggregation, sumAggregation } from '../../runtime/operators/keyed-aggregations.ts';
import {
  passThroughWindowFunctionCall,
  processWindowFunctionCall,
  windowFunctionCall,
} from '../../runtime/operators/windowing/internal-window-function.ts';
import { WindowOperatorBuilder, type WindowFunctionSpec } from '../../runtime/operators/windowing/window-operator-builder.ts';
import type { DataStream } from './data-stream.ts';
import type { FieldExpression, KeyedStream } from './keyed-stream.ts';

/** The window function of reduce()/aggregate(): a ProcessWindowFunction (an object with process()) or a WindowFunction. */
export type WindowFunctionArgument<IN, OUT, K, W extends Window> = ProcessWindowFunctionLike<IN, OUT, K, W> | WindowFunction<IN, OUT, K, W>;

export class WindowedStream<T, K, W extends Window> {
  private readonly input: KeyedStream<T, K>;
  private readonly builder: WindowOperatorBuilder<T, K, W>;

  constructor(input: KeyedStream<T, K>, windowAssigner: WindowAssigner<T, W>) {
    if (windowAssigner === null || windowAssigner === undefined || typeof windowAssigner.assignWindows !== 'function') {
      throw invalidPipeline(`window() needs a WindowAssigner (e.g. TumblingEventTimeWindows.of(size)), got ${String(windowAssigner)}`);
    }
    this.input = input;
    this.builder = new WindowOperatorBuilder<T, K, W>(windowAssigner, input.getKeySelector());
  }

  /** Replaces the assigner's default trigger; merging assigners need a trigger that canMerge(). */
  trigger(trigger: Trigger<T, W> | Trigger<unknown, W> | Trigger<unknown, Window>): this {
    this.builder.trigger(trigger as Trigger<T, W>);
    return this;
  }

  /** Removes elements of a pane before and/or after the window function; panes then keep their elements. */
  evictor(evictor: Evictor<T, W> | Evictor<unknown, W> | Evictor<unknown, Window>): this {
    this.builder.evictor(evictor as Evictor<T, W>);
    return this;
  }

  /** How long after a window's end (by the watermark) late elements still update it; 0 by default. */
  allowedLateness(lateness: DurationLike): this {
    this.builder.allowedLateness(toMillis(lateness, 'allowedLateness(lateness)'));
    return this;
  }

  /** Sends elements that arrive after every window they belong to was cleaned up to this side output. */
  sideOutputLateData(outputTag: OutputTag<T>): this {
    this.builder.sideOutputLateData(outputTag);
    return this;
  }

  /** Reduces each pane incrementally; with `windowFunction`, it gets the reduced value and the window. */
  reduce(reduceFunction: ReduceFunction<T>): DataStream<T>;
  reduce<R>(reduceFunction: ReduceFunction<T>, windowFunction: WindowFunctionArgument<T, R, K, W>): DataStream<R>;
  reduce<R>(reduceFunction: ReduceFunction<T>, windowFunction?: WindowFunctionArgument<T, R, K, W>): DataStream<R> {
    if (windowFunction === undefined && reduceFunction instanceof AbstractRichFunction) {
      throw new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, 'ReduceFunction of reduce can not be a RichFunction. Please use reduce(ReduceFunction, WindowFunction) instead.');
    }
    const spec = windowFunction === undefined ? passThrough<T, K, W>() : windowFunctionSpec<T, R, K, W>(windowFunction);
    return this.transform<R>(this.builder.reduce(reduceFunction, spec as WindowFunctionSpec<T, R, K, W>));
  }

  /** Aggregates each pane incrementally (one accumulator per key and window); with `windowFunction`, it gets the result and the window. */
  aggregate<ACC, V>(aggregateFunction: AggregateFunction<T, ACC, V>): DataStream<V>;
  aggregate<ACC, V, R>(aggregateFunction: AggregateFunction<T, ACC, V>, windowFunction: WindowFunctionArgument<V, R, K, W>): DataStream<R>;
  aggregate<ACC, V, R>(aggregateFunction: AggregateFunction<T, ACC, V>, windowFunction?: WindowFunctionArgument<V, R, K, W>): DataStream<R> {
    if (aggregateFunction === null || aggregateFunction === undefined) throw invalidPipeline('AggregateFunction cannot be null');
    const spec = windowFunction === undefined ? passThrough<V, K, W>() : windowFunctionSpec<V, R, K, W>(windowFunction);
    return this.transform<R>(this.builder.aggregate(aggregateFunction, spec as WindowFunctionSpec<V, R, K, W>));
  }

  /** Evaluates each pane with all its elements and a context (window, clocks, state, side outputs). */
  process<R>(processWindowFunction: ProcessWindowFunctionLike<T, R, K, W>): DataStream<R> {
    if (!isProcessWindowFunction(processWindowFunction)) throw invalidPipeline('process() needs a ProcessWindowFunction: an object with a process(key, context, elements, out) method');
    return this.transform<R>(this.builder.apply({ fn: processWindowFunction, call: processWindowFunctionCall }));
  }

  /** Evaluates each pane with all its elements: (key, window, elements, out). */
  apply<R>(windowFunction: WindowFunction<T, R, K, W>): DataStream<R> {
    return this.transform<R>(this.builder.apply(windowFunctionSpec<T, R, K, W>(windowFunction)));
  }

  sum(field?: FieldExpression): DataStream<T> {
    return this.reduce(sumAggregation<T>(field));
  }
  min(field?: FieldExpression): DataStream<T> {
    return this.reduce(minAggregation<T>(field));
  }
  max(field?: FieldExpression): DataStream<T> {
    return this.reduce(maxAggregation<T>(field));
  }
  minBy(field?: FieldExpression, first = true): DataStream<T> {
    return this.reduce(minByAggregation<T>(field, first));
  }
  maxBy(field?: FieldExpression, first = true): DataStream<T> {
    return this.reduce(maxByAggregation<T>(field, first));
  }

  getInputType(): KeyedStream<T, K> {
    return this.input;
  }

  getAllowedLateness(): number {
    return this.builder.getAllowedLateness();
  }

  private transform<R>(factory: OperatorFactory): DataStream<R> {
    return this.input.transform<R>(this.builder.generateOperatorName(), factory, this.input.getKeySelector() as KeySelectorFn, true);
  }
}

/** A ProcessWindowFunction (an object with process()) or a WindowFunction (a function, or an object with apply()). */
export function windowFunctionSpec<IN, OUT, K, W extends Window>(fn: WindowFunctionArgument<IN, OUT, K, W>): WindowFunctionSpec<IN, OUT, K, W> {
  if (isProcessWindowFunction(fn)) return { fn, call: processWindowFunctionCall };
  if (typeof fn !== 'function' && typeof (fn as { apply?: unknown })?.apply !== 'function') {
    throw invalidPipeline('A window function must be a ProcessWindowFunction (an object with process()) or a WindowFunction (a function, or an object with apply())');
  }
  return { fn, call: windowFunctionCall };
}

function passThrough<T, K, W extends Window>(): WindowFunctionSpec<T, T, K, W> {
  return { fn: null, call: () => passThroughWindowFunctionCall<T, K, W>() };
}
