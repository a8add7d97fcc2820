/*
 * AllWindowedStream: a non-keyed stream cut into windows (DataStream.windowAll()), as Flink's. All
 * records go to one window operator of parallelism 1, keyed by a constant key (Flink's
 * NullByteKeySelector), so the windows see every record. The API is the WindowedStream's, with
 * AllWindowFunction / ProcessAllWindowFunction (no key) as window functions.
 */
import { ErrorCodes, FlinkError, invalidPipeline } from '../../errors.ts';
import { AbstractRichFunction } from '../common/rich-functions.ts';
import type { ReduceFunction } from '../common/functions.ts';
import type { AggregateFunction } from '../state/state.ts';
import type { WindowAssigner } from '../windowing/assigners/window-assigner.ts';
import type { Window } from '../windowing/windows/window.ts';
import { isProcessWindowFunction, type AllWindowFunction, type ProcessAllWindowFunctionLike } from '../functions/window-functions.ts';
import type { KeySelectorFn, OperatorFactory } from '../../graph/transformation.ts';
import {
  allWindowFunctionCall,
  passThroughWindowFunctionCall,
  processAllWindowFunctionCall,
} from '../../runtime/operators/windowing/internal-window-function.ts';
import { WindowOperatorBuilder, type WindowFunctionSpec } from '../../runtime/operators/windowing/window-operator-builder.ts';
import type { DataStream } from './data-stream.ts';
import { WindowedStreamBase } from './windowed-stream-base.ts';

/** The window function of reduce()/aggregate() on windowAll(): a ProcessAllWindowFunction or an AllWindowFunction. */
export type AllWindowFunctionArgument<IN, OUT, W extends Window> = ProcessAllWindowFunctionLike<IN, OUT, W> | AllWindowFunction<IN, OUT, W>;

/** Flink's NullByteKeySelector: every record has the same key. */
const nullByteKeySelector = (_value: unknown): number => 0;

export class AllWindowedStream<T, W extends Window> extends WindowedStreamBase<T, number, W> {
  private readonly input: DataStream<T>;

  constructor(input: DataStream<T>, windowAssigner: WindowAssigner<T, W>) {
    if (windowAssigner === null || windowAssigner === undefined || typeof windowAssigner.assignWindows !== 'function') {
      throw invalidPipeline(`windowAll() needs a WindowAssigner (e.g. TumblingEventTimeWindows.of(size)), got ${String(windowAssigner)}`);
    }
    super(new WindowOperatorBuilder<T, number, W>(windowAssigner, nullByteKeySelector));
    this.input = input.keyBy<number>(nullByteKeySelector);
  }

  reduce(reduceFunction: ReduceFunction<T>): DataStream<T>;
  reduce<R>(reduceFunction: ReduceFunction<T>, windowFunction: AllWindowFunctionArgument<T, R, W>): DataStream<R>;
  reduce<R>(reduceFunction: ReduceFunction<T>, windowFunction?: AllWindowFunctionArgument<T, R, W>): DataStream<R> {
    if (windowFunction === undefined && reduceFunction instanceof AbstractRichFunction) {
      throw new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, 'ReduceFunction of reduce can not be a RichFunction. Please use reduce(ReduceFunction, AllWindowFunction) instead.');
    }
    const spec = windowFunction === undefined ? passThrough<T, W>() : allWindowFunctionSpec<T, R, W>(windowFunction);
    return this.transform<R>(this.builder.reduce(reduceFunction, spec as WindowFunctionSpec<T, R, number, W>));
  }

  aggregate<ACC, V>(aggregateFunction: AggregateFunction<T, ACC, V>): DataStream<V>;
  aggregate<ACC, V, R>(aggregateFunction: AggregateFunction<T, ACC, V>, windowFunction: AllWindowFunctionArgument<V, R, W>): DataStream<R>;
  aggregate<ACC, V, R>(aggregateFunction: AggregateFunction<T, ACC, V>, windowFunction?: AllWindowFunctionArgument<V, R, W>): DataStream<R> {
    if (aggregateFunction === null || aggregateFunction === undefined) throw invalidPipeline('AggregateFunction cannot be null');
    const spec = windowFunction === undefined ? passThrough<V, W>() : allWindowFunctionSpec<V, R, W>(windowFunction);
    return this.transform<R>(this.builder.aggregate(aggregateFunction, spec as WindowFunctionSpec<V, R, number, W>));
  }

  process<R>(processWindowFunction: ProcessAllWindowFunctionLike<T, R, W>): DataStream<R> {
    if (!isProcessWindowFunction(processWindowFunction)) throw invalidPipeline('process() needs a ProcessAllWindowFunction: an object with a process(context, elements, out) method');
    return this.transform<R>(this.builder.apply({ fn: processWindowFunction, call: processAllWindowFunctionCall }));
  }

  apply<R>(windowFunction: AllWindowFunction<T, R, W>): DataStream<R> {
    return this.transform<R>(this.builder.apply(allWindowFunctionSpec<T, R, W>(windowFunction)));
  }

  /** The window operator runs with parallelism 1 (Flink's forceNonParallel). */
  private transform<R>(factory: OperatorFactory): DataStream<R> {
    const stream = this.input.transform<R>(this.builder.generateOperatorName(), factory, nullByteKeySelector as KeySelectorFn, true);
    const t = stream.getTransformation();
    t.parallelism = 1;
    t.maxParallelism = 1;
    t.parallelismConfigurable = false;
    return stream;
  }
}

function allWindowFunctionSpec<IN, OUT, W extends Window>(fn: AllWindowFunctionArgument<IN, OUT, W>): WindowFunctionSpec<IN, OUT, number, W> {
  if (isProcessWindowFunction(fn)) return { fn, call: processAllWindowFunctionCall };
  if (typeof fn !== 'function' && typeof (fn as { apply?: unknown })?.apply !== 'function') {
    throw invalidPipeline('A window function must be a ProcessAllWindowFunction (an object with process()) or an AllWindowFunction (a function, or an object with apply())');
  }
  return { fn, call: allWindowFunctionCall };
}

function passThrough<T, W extends Window>(): WindowFunctionSpec<T, T, number, W> {
  return { fn: null, call: () => passThroughWindowFunctionCall<T, number, W>() };
}
