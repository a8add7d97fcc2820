/*
 * The functions that evaluate a window when its trigger fires, as Flink's: ProcessWindowFunction
 * (the elements, or the pre-aggregated result, with a context that knows the window, the clocks,
 * per-window and per-key state and side outputs) and the simpler WindowFunction (key, window,
 * elements); the AllWindow variants are the same for windowAll() streams, without a key.
 * The contexts are reused by the operator for every call: read them during the call only.
 */
import type { Collector, FunctionLifecycle } from '../common/functions.ts';
import type { OutputTag } from '../common/output-tag.ts';
import { AbstractRichFunction } from '../common/rich-functions.ts';
import type { KeyedStateStore } from './checkpointed-function.ts';
import type { Window } from '../windowing/windows/window.ts';

/** What a ProcessWindowFunction sees of the window it evaluates. */
export interface ProcessWindowFunctionContext<W extends Window = Window> {
  /** The window being evaluated. */
  window(): W;
  /** The current processing time of the task. */
  currentProcessingTime(): number;
  /** The current event-time watermark of the operator. */
  currentWatermark(): number;
  /**
   * State of the current key and window: it lives until the window is cleaned up (then clear()
   * is called to remove it). Not available with merging (session) windows.
   */
  windowState(): KeyedStateStore;
  /** State of the current key, shared by all its windows. */
  globalState(): KeyedStateStore;
  /** Emits to a side output, with the window's maxTimestamp() as timestamp. */
  output<X>(outputTag: OutputTag<X>, value: X): void;
}

/** The context of a ProcessAllWindowFunction: the same, for a non-keyed (windowAll) stream. */
export type ProcessAllWindowFunctionContext<W extends Window = Window> = ProcessWindowFunctionContext<W>;

/**
 * Evaluates a window with its elements (or the single pre-aggregated value of reduce/aggregate)
 * and a context. `clear` is called when the window is purged at its cleanup time, to remove
 * per-window state.
 */
export abstract class ProcessWindowFunction<IN, OUT, K, W extends Window = Window> extends AbstractRichFunction {
  abstract process(key: K, context: ProcessWindowFunctionContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void;

  clear(_context: ProcessWindowFunctionContext<W>): void {}
}

/** ProcessWindowFunction for windowAll() streams. */
export abstract class ProcessAllWindowFunction<IN, OUT, W extends Window = Window> extends AbstractRichFunction {
  abstract process(context: ProcessAllWindowFunctionContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void;

  clear(_context: ProcessAllWindowFunctionContext<W>): void {}
}

export type ProcessWindowFunctionLike<IN, OUT, K, W extends Window = Window> =
  | ProcessWindowFunction<IN, OUT, K, W>
  | ({
      process(key: K, context: ProcessWindowFunctionContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void;
      clear?(context: ProcessWindowFunctionContext<W>): void;
    } & FunctionLifecycle);

export type ProcessAllWindowFunctionLike<IN, OUT, W extends Window = Window> =
  | ProcessAllWindowFunction<IN, OUT, W>
  | ({
      process(context: ProcessAllWindowFunctionContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void;
      clear?(context: ProcessAllWindowFunctionContext<W>): void;
    } & FunctionLifecycle);

/** Flink's WindowFunction: a function (key, window, elements, out), or an object with apply(). */
export type WindowFunction<IN, OUT, K, W extends Window = Window> =
  | ((key: K, window: W, input: Iterable<IN>, out: Collector<OUT>) => void)
  | ({ apply(key: K, window: W, input: Iterable<IN>, out: Collector<OUT>): void } & FunctionLifecycle);

/** Flink's AllWindowFunction: (window, elements, out) for windowAll() streams. */
export type AllWindowFunction<IN, OUT, W extends Window = Window> =
  | ((window: W, values: Iterable<IN>, out: Collector<OUT>) => void)
  | ({ apply(window: W, values: Iterable<IN>, out: Collector<OUT>): void } & FunctionLifecycle);

export abstract class RichWindowFunction<IN, OUT, K, W extends Window = Window> extends AbstractRichFunction {
  abstract apply(key: K, window: W, input: Iterable<IN>, out: Collector<OUT>): void;
}

export abstract class RichAllWindowFunction<IN, OUT, W extends Window = Window> extends AbstractRichFunction {
  abstract apply(window: W, values: Iterable<IN>, out: Collector<OUT>): void;
}

/** True for a ProcessWindowFunction in any of its forms (an object with a process() method). */
export function isProcessWindowFunction(fn: unknown): boolean {
  return fn instanceof ProcessWindowFunction || fn instanceof ProcessAllWindowFunction || (typeof fn === 'object' && fn !== null && typeof (fn as { process?: unknown }).process === 'function');
}
