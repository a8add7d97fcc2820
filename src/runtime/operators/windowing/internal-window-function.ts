/*
 * Flink's InternalWindowFunction: what the window operator calls when a window fires, whatever
 * the user gave (a ProcessWindowFunction, a WindowFunction, their AllWindow forms, with or
 * without incremental aggregation). The window contents reach it as the window state holds them:
 * one value for reduce/aggregate (InternalSingleValueWindowFunction), the elements otherwise
 * (InternalIterableWindowFunction). The user's function is first adapted to one call shape,
 * (key, context, elements, out) plus clear(context); reduce/aggregate over the elements of an
 * evicting window are adapters too (ReduceApplyWindowFunction, AggregateApplyWindowFunction).
 */
import { resolveMethod, type Collector, type ReduceFunction } from '../../../api/common/functions.ts';
import type { OutputTag } from '../../../api/common/output-tag.ts';
import type { KeyedStateStore } from '../../../api/functions/checkpointed-function.ts';
import type {
  AllWindowFunction,
  ProcessAllWindowFunctionContext,
  ProcessAllWindowFunctionLike,
  ProcessWindowFunctionContext,
  ProcessWindowFunctionLike,
  WindowFunction,
} from '../../../api/functions/window-functions.ts';
import type { AggregateFunction } from '../../../api/state/state.ts';
import type { Window } from '../../../api/windowing/windows/window.ts';
import { resolveObjectMethod, resolveOptionalMethod } from '../abstract-udf-stream-operator.ts';

/** What the operator offers a window function while it runs (Flink's InternalWindowContext). */
export interface InternalWindowContext {
  currentProcessingTime(): number;
  currentWatermark(): number;
  windowState(): KeyedStateStore;
  globalState(): KeyedStateStore;
  output<X>(outputTag: OutputTag<X>, value: X): void;
}

export interface InternalWindowFunction<IN, OUT, K, W extends Window> {
  /** Evaluates `window` of `key`; `input` is the window state's contents. */
  process(key: K, window: W, context: InternalWindowContext, input: IN, out: Collector<OUT>): void;
  /** The window is purged at its cleanup time: remove its per-window state. */
  clear(window: W, context: InternalWindowContext): void;
}

/** A user window function in one call shape. */
export interface WindowFunctionCall<IN, OUT, K, W extends Window> {
  process(key: K, context: ProcessWindowFunctionContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void;
  clear(context: ProcessWindowFunctionContext<W>): void;
}

const noClear = (): void => {};

/** A ProcessWindowFunction as it is. */
export function processWindowFunctionCall<IN, OUT, K, W extends Window>(fn: ProcessWindowFunctionLike<IN, OUT, K, W>): WindowFunctionCall<IN, OUT, K, W> {
  return {
    process: resolveObjectMethod(fn, 'process', 'A ProcessWindowFunction', 'process() (and optionally clear())'),
    clear: resolveOptionalMethod<(context: ProcessWindowFunctionContext<W>) => void>(fn, 'clear') ?? noClear,
  };
}

/** A WindowFunction (key, window, elements, out). */
export function windowFunctionCall<IN, OUT, K, W extends Window>(fn: WindowFunction<IN, OUT, K, W>): WindowFunctionCall<IN, OUT, K, W> {
  const apply = resolveMethod<(key: K, window: W, input: Iterable<IN>, out: Collector<OUT>) => void>(fn, 'apply', 'A WindowFunction');
  return { process: (key, context, elements, out) => apply(key, context.window(), elements, out), clear: noClear };
}

/** A ProcessAllWindowFunction: the key (always the same) is left out. */
export function processAllWindowFunctionCall<IN, OUT, W extends Window>(fn: ProcessAllWindowFunctionLike<IN, OUT, W>): WindowFunctionCall<IN, OUT, unknown, W> {
  const process = resolveObjectMethod<(context: ProcessAllWindowFunctionContext<W>, elements: Iterable<IN>, out: Collector<OUT>) => void>(
    fn,
    'process',
    'A ProcessAllWindowFunction',
    'process() (and optionally clear())',
  );
  return {
    process: (_key, context, elements, out) => process(context, elements, out),
    clear: resolveOptionalMethod<(context: ProcessAllWindowFunctionContext<W>) => void>(fn, 'clear') ?? noClear,
  };
}

/** An AllWindowFunction (window, elements, out). */
export function allWindowFunctionCall<IN, OUT, W extends Window>(fn: AllWindowFunction<IN, OUT, W>): WindowFunctionCall<IN, OUT, unknown, W> {
  const apply = resolveMethod<(window: W, values: Iterable<IN>, out: Collector<OUT>) => void>(fn, 'apply', 'An AllWindowFunction');
  return { process: (_key, context, elements, out) => apply(context.window(), elements, out), clear: noClear };
}

function passThrough<T>(_key: unknown, _context: unknown, elements: Iterable<T>, out: Collector<T>): void {
  for (const e of elements) out.collect(e);
}

/** Flink's PassThroughWindowFunction: emits the (pre-aggregated) contents as they are. */
export function passThroughWindowFunctionCall<T, K, W extends Window>(): WindowFunctionCall<T, T, K, W> {
  return { process: passThrough, clear: noClear };
}

/** Flink's ReduceApply(Process)WindowFunction: reduces the elements of an evicting window, then calls `wrapped` with the result. */
export function reduceApplyWindowFunctionCall<T, OUT, K, W extends Window>(reduceFunction: ReduceFunction<T>, wrapped: WindowFunctionCall<T, OUT, K, W>): WindowFunctionCall<T, OUT, K, W> {
  const reduce = resolveMethod<(a: T, b: T) => T>(reduceFunction, 'reduce', 'The reduce function');
  return {
    process: (key, context, elements, out) => {
      let current: T | undefined;
      let first = true;
      for (const value of elements) {
        current = first ? value : reduce(current as T, value);
        first = false;
      }
      wrapped.process(key, context, [current as T], out);
    },
    clear: (context) => wrapped.clear(context),
  };
}

/** Flink's AggregateApplyWindowFunction / InternalAggregateProcessWindowFunction: aggregates the elements of an evicting window. */
export function aggregateApplyWindowFunctionCall<T, ACC, V, OUT, K, W extends Window>(
  aggregateFunction: AggregateFunction<T, ACC, V>,
  wrapped: WindowFunctionCall<V, OUT, K, W>,
): WindowFunctionCall<T, OUT, K, W> {
  return {
    process: (key, context, elements, out) => {
      let accumulator = aggregateFunction.createAccumulator();
      for (const value of elements) accumulator = aggregateFunction.add(value, accumulator);
      wrapped.process(key, context, [aggregateFunction.getResult(accumulator)], out);
    },
    clear: (context) => wrapped.clear(context),
  };
}

/** The context a ProcessWindowFunction gets: the operator's context plus the window (Flink's InternalProcessWindowContext). */
class InternalProcessWindowContext<W extends Window> implements ProcessWindowFunctionContext<W> {
  currentWindow!: W;
  internal!: InternalWindowContext;

  window(): W {
    return this.currentWindow;
  }
  currentProcessingTime(): number {
    return this.internal.currentProcessingTime();
  }
  currentWatermark(): number {
    return this.internal.currentWatermark();
  }
  windowState(): KeyedStateStore {
    return this.internal.windowState();
  }
  globalState(): KeyedStateStore {
    return this.internal.globalState();
  }
  output<X>(outputTag: OutputTag<X>, value: X): void {
    this.internal.output(outputTag, value);
  }
}

abstract class WrappingWindowFunction<IN, T, OUT, K, W extends Window> implements InternalWindowFunction<IN, OUT, K, W> {
  protected readonly wrapped: WindowFunctionCall<T, OUT, K, W>;
  protected readonly ctx = new InternalProcessWindowContext<W>();

  constructor(wrapped: WindowFunctionCall<T, OUT, K, W>) {
    this.wrapped = wrapped;
  }

  abstract process(key: K, window: W, context: InternalWindowContext, input: IN, out: Collector<OUT>): void;

  clear(window: W, context: InternalWindowContext): void {
    const ctx = this.ctx;
    ctx.currentWindow = window;
    ctx.internal = context;
    this.wrapped.clear(ctx);
  }
}

/** For reduce/aggregate windows: the state holds one value, passed on as a one-element iterable. */
export class InternalSingleValueWindowFunction<IN, OUT, K, W extends Window> extends WrappingWindowFunction<IN, IN, OUT, K, W> {
  /** reduce/aggregate without a window function: the one value is the output. */
  private readonly passesThrough: boolean;

  constructor(wrapped: WindowFunctionCall<IN, OUT, K, W>) {
    super(wrapped);
    this.passesThrough = wrapped.process === passThrough;
  }

  process(key: K, window: W, context: InternalWindowContext, input: IN, out: Collector<OUT>): void {
    if (this.passesThrough) {
      (out as unknown as Collector<IN>).collect(input);
      return;
    }
    const ctx = this.ctx;
    ctx.currentWindow = window;
    ctx.internal = context;
    this.wrapped.process(key, ctx, [input], out);
  }
}

/** For windows that keep their elements (process, apply, evicting windows). */
export class InternalIterableWindowFunction<IN, OUT, K, W extends Window> extends WrappingWindowFunction<Iterable<IN>, IN, OUT, K, W> {
  process(key: K, window: W, context: InternalWindowContext, input: Iterable<IN>, out: Collector<OUT>): void {
    const ctx = this.ctx;
    ctx.currentWindow = window;
    ctx.internal = context;
    this.wrapped.process(key, ctx, input, out);
  }
}
