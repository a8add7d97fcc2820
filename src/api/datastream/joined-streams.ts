/*
 * The window join of two streams (Flink's JoinedStreams):
 * `a.join(b).where(keyA).equalTo(keyB).window(assigner).apply(joinFunction)` calls the function
 * for every pair of elements of both streams with equal keys in the same window: an inner join.
 * As in Flink it is a window coGroup (co-grouped-streams.ts) whose function runs a nested loop
 * over the two sides of each window.
 */
import { invalidPipeline } from '../../errors.ts';
import type { DurationLike } from '../common/duration.ts';
import { resolveMethod, type Collector, type FunctionLifecycle, type KeySelector } from '../common/functions.ts';
import type { OpenContext, RuntimeContext } from '../common/runtime-context.ts';
import { isFlatJoinFunction, type FlatJoinFunction, type JoinFunction } from '../functions/join-functions.ts';
import type { WindowAssigner } from '../windowing/assigners/window-assigner.ts';
import type { Evictor } from '../windowing/evictors/evictor.ts';
import type { Trigger } from '../windowing/triggers/trigger.ts';
import type { Window } from '../windowing/windows/window.ts';
import {
  CoGroupedStreams,
  checkSameEnvironment,
  type CoGroupedStreamsEqualTo,
  type CoGroupedStreamsWhere,
  type CoGroupedStreamsWithWindow,
  type TaggedUnion,
} from './co-grouped-streams.ts';
import type { DataStream } from './data-stream.ts';

/** Passes the lifecycle of the wrapping coGroup function on to the user's join function. */
abstract class WrappingJoinFunction<F> implements FunctionLifecycle {
  readonly wrappedFunction: F;

  constructor(wrappedFunction: F) {
    this.wrappedFunction = wrappedFunction;
  }

  setRuntimeContext(context: RuntimeContext): void {
    (this.wrappedFunction as FunctionLifecycle).setRuntimeContext?.(context);
  }

  open(openContext: OpenContext): void | Promise<void> {
    return (this.wrappedFunction as FunctionLifecycle).open?.(openContext);
  }

  close(): void | Promise<void> {
    return (this.wrappedFunction as FunctionLifecycle).close?.();
  }
}

/** Flink's JoinCoGroupFunction: one output per pair. */
export class JoinCoGroupFunction<T1, T2, R> extends WrappingJoinFunction<JoinFunction<T1, T2, R>> {
  coGroup(first: Iterable<T1>, second: Iterable<T2>, out: Collector<R>): void {
    const fn = this.wrappedFunction;
    for (const a of first) {
      for (const b of second) out.collect(typeof fn === 'function' ? fn(a, b) : fn.join(a, b));
    }
  }
}

/** Flink's FlatJoinCoGroupFunction: the function emits what it likes per pair. */
export class FlatJoinCoGroupFunction<T1, T2, R> extends WrappingJoinFunction<FlatJoinFunction<T1, T2, R>> {
  coGroup(first: Iterable<T1>, second: Iterable<T2>, out: Collector<R>): void {
    const fn = this.wrappedFunction;
    for (const a of first) {
      for (const b of second) {
        if (typeof fn === 'function') fn(a, b, out);
        else fn.join(a, b, out);
      }
    }
  }
}

/**
 * Two streams to join: where() gives the first stream's key. A join is a coGroup whose function
 * pairs the elements, so each stage wraps the coGroup's.
 */
export class JoinedStreams<T1, T2> {
  private readonly coGrouped: CoGroupedStreams<T1, T2>;

  constructor(input1: DataStream<T1>, input2: DataStream<T2>) {
    checkSameEnvironment(input1 as DataStream<unknown>, input2 as DataStream<unknown>, 'join');
    this.coGrouped = new CoGroupedStreams(input1, input2);
  }

  where<K>(keySelector: KeySelector<T1, K>): JoinedStreamsWhere<T1, T2, K> {
    return new JoinedStreamsWhere(this.coGrouped.where(keySelector));
  }
}

/** The first stream's key is set; equalTo() gives the second's. */
export class JoinedStreamsWhere<T1, T2, K> {
  private readonly coGrouped: CoGroupedStreamsWhere<T1, T2, K>;

  constructor(coGrouped: CoGroupedStreamsWhere<T1, T2, K>) {
    this.coGrouped = coGrouped;
  }

  equalTo(keySelector: KeySelector<T2, K>): JoinedStreamsEqualTo<T1, T2, K> {
    return new JoinedStreamsEqualTo(this.coGrouped.equalTo(keySelector));
  }
}

/** Both keys are set; window() gives the windows to join in. */
export class JoinedStreamsEqualTo<T1, T2, K> {
  private readonly coGrouped: CoGroupedStreamsEqualTo<T1, T2, K>;

  constructor(coGrouped: CoGroupedStreamsEqualTo<T1, T2, K>) {
    this.coGrouped = coGrouped;
  }

  window<W extends Window>(assigner: WindowAssigner<TaggedUnion<T1, T2>, W>): JoinedStreamsWithWindow<T1, T2, K, W> {
    if (assigner === null || assigner === undefined) throw invalidPipeline('window() of a join needs a WindowAssigner');
    return new JoinedStreamsWithWindow(this.coGrouped.window(assigner));
  }
}

/** A join with its windows; trigger(), evictor() and allowedLateness() return new ones. */
export class JoinedStreamsWithWindow<T1, T2, K, W extends Window> {
  private readonly coGrouped: CoGroupedStreamsWithWindow<T1, T2, K, W>;

  constructor(coGrouped: CoGroupedStreamsWithWindow<T1, T2, K, W>) {
    this.coGrouped = coGrouped;
  }

  trigger(newTrigger: Trigger<TaggedUnion<T1, T2>, W>): JoinedStreamsWithWindow<T1, T2, K, W> {
    return new JoinedStreamsWithWindow(this.coGrouped.trigger(newTrigger));
  }

  evictor(newEvictor: Evictor<TaggedUnion<T1, T2>, W>): JoinedStreamsWithWindow<T1, T2, K, W> {
    return new JoinedStreamsWithWindow(this.coGrouped.evictor(newEvictor));
  }

  allowedLateness(newLateness: DurationLike): JoinedStreamsWithWindow<T1, T2, K, W> {
    return new JoinedStreamsWithWindow(this.coGrouped.allowedLateness(newLateness));
  }

  /**
   * Calls `fn` for every pair of the two sides' elements of a key in a window. A JoinFunction
   * returns one result per pair; a FlatJoinFunction (three parameters, or a RichFlatJoinFunction)
   * emits any number through its collector.
   */
  apply<R>(fn: JoinFunction<T1, T2, R>): DataStream<R>;
  apply<R>(fn: FlatJoinFunction<T1, T2, R>): DataStream<R>;
  apply<R>(fn: JoinFunction<T1, T2, R> | FlatJoinFunction<T1, T2, R>): DataStream<R> {
    resolveMethod(fn, 'join', 'The join function');
    const coGroupFunction = isFlatJoinFunction(fn)
      ? new FlatJoinCoGroupFunction<T1, T2, R>(fn as FlatJoinFunction<T1, T2, R>)
      : new JoinCoGroupFunction<T1, T2, R>(fn as JoinFunction<T1, T2, R>);
    return this.coGrouped.apply(coGroupFunction);
  }
}
