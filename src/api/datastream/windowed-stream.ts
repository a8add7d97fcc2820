/*
 * WindowedStream: a keyed stream cut into windows by a WindowAssigner (KeyedStream.window()), as
 * Flink's. Set the trigger, evictor, allowed lateness and late-data side output, then evaluate
 * each window with reduce / aggregate (incremental: one value per key and window), process /
 * apply (all elements) or the field aggregations. The result's records carry the window's
 * maxTimestamp(); getSideOutput(tag) on it reads the late data and the function's side outputs.
 */
import { ErrorCodes, FlinkError, invalidPipeline } from '../../errors.ts';
import { AbstractRichFunction } from '../common/rich-functions.ts';
import type { ReduceFunction } from '../common/functions.ts';
import type { AggregateFunction } from '../state/state.ts';
import type { WindowAssigner } from '../windowing/assigners/window-assigner.ts';
import type { Window } from '../windowing/windows/window.ts';
import { isProcessWindowFunction, type ProcessWindowFunctionLike, type WindowFunction } from '../functions/window-functions.ts';
import type { KeySelectorFn, OperatorFactory } from '../../graph/transformation.ts';
import {
  passThroughWindowFunctionCall,
  processWindowFunctionCall,
  windowFunctionCall,
} from '../../runtime/operators/windowing/internal-window-function.ts';
import { WindowOperatorBuilder, type WindowFunctionSpec } from '../../runtime/operators/windowing/window-operator-builder.ts';
import type { DataStream } from './data-stream.ts';
import { WindowedStreamBase } from './windowed-stream-base.ts';
import type { KeyedStream } from './keyed-stream.ts';

/** The window function of reduce()/aggregate(): a ProcessWindowFunction (an object with process()) or a WindowFunction. */
export type WindowFunctionArgument<IN, OUT, K, W extends Window> = ProcessWindowFunctionLike<IN, OUT, K, W> | WindowFunction<IN, OUT, K, W>;

export class WindowedStream<T, K, W extends Window> extends WindowedStreamBase<T, K, W> {
  private readonly input: KeyedStream<T, K>;

  constructor(input: KeyedStream<T, K>, windowAssigner: WindowAssigner<T, W>) {
    if (windowAssigner === null || windowAssigner === undefined || typeof windowAssigner.assignWindows !== 'function') {
      throw invalidPipeline(`window() needs a WindowAssigner (e.g. TumblingEventTimeWindows.of(size)), got ${String(windowAssigner)}`);
    }
    super(new WindowOperatorBuilder<T, K, W>(windowAssigner, input.getKeySelector()));
    this.input = input;
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

  getInputType(): KeyedStream<T, K> {
    return this.input;
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
