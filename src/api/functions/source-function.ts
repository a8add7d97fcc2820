/*
 * SourceFunction: a source written as a `run(ctx)` loop that emits through its SourceContext until
 * it is done or cancelled (Flink's legacy source interface, kept for its simplicity). `collect`
 * emits at once; `await ctx.collectAsync(x)` also waits while the output buffers are full, which
 * is how a fast source should emit.
 */
import { AbstractRichFunction } from '../common/rich-functions.ts';
import type { FunctionLifecycle } from '../common/functions.ts';
import type { Watermark } from '../common/watermark.ts';

export interface SourceContext<T> {
  collect(element: T): void;
  /** Emits once the output has room; resolves right away when it has. */
  collectAsync(element: T): Promise<void>;
  collectWithTimestamp(element: T, timestamp: number): void;
  emitWatermark(mark: Watermark): void;
  /** Excludes this source from watermark progress downstream until it emits again. */
  markAsTemporarilyIdle(): void;
  /** Current processing time in epoch milliseconds. */
  readonly processingTime: number;
  /** Flink's checkpoint lock; in Flink.TS emission never runs concurrently, so this is a plain object. */
  getCheckpointLock(): object;
}

export interface SourceFunction<T> extends FunctionLifecycle {
  run(ctx: SourceContext<T>): void | Promise<void>;
  cancel(): void;
}

/** A source that may run with parallelism above 1; each subtask runs its own copy. */
export interface ParallelSourceFunction<T> extends SourceFunction<T> {
  readonly parallel: true;
}

export abstract class RichSourceFunction<T> extends AbstractRichFunction implements SourceFunction<T> {
  abstract run(ctx: SourceContext<T>): void | Promise<void>;
  abstract cancel(): void;
}

export abstract class RichParallelSourceFunction<T> extends RichSourceFunction<T> implements ParallelSourceFunction<T> {
  readonly parallel = true as const;
}

export function isParallelSourceFunction(fn: unknown): boolean {
  return typeof fn === 'object' && fn !== null && (fn as { parallel?: unknown }).parallel === true;
}
