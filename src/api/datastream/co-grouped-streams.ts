/*
 * The window coGroup of two streams (Flink's CoGroupedStreams):
 * `a.coGroup(b).where(keyA).equalTo(keyB).window(assigner).apply(coGroupFunction)` calls the
 * function once per key and window with the elements of both streams in that window (either side
 * may be empty). Built as Flink builds it: each input is tagged with its side (TaggedUnion), the
 * two are unioned, keyed by the key of the element's side, windowed, and a window function splits
 * each window's elements back into the two sides. The window join is a coGroup whose function
 * joins the two sides (joined-streams.ts).
 */
import { invalidPipeline } from '../../errors.ts';
import { toMillis, type DurationLike } from '../common/duration.ts';
import { resolveMethod, type Collector, type FunctionLifecycle, type KeySelector } from '../common/functions.ts';
import type { OpenContext, RuntimeContext } from '../common/runtime-context.ts';
import type { CoGroupFunction } from '../functions/join-functions.ts';
import type { WindowFunction } from '../functions/window-functions.ts';
import type { WindowAssigner } from '../windowing/assigners/window-assigner.ts';
import type { Evictor } from '../windowing/evictors/evictor.ts';
import type { Trigger } from '../windowing/triggers/trigger.ts';
import type { Window } from '../windowing/windows/window.ts';
import type { DataStream } from './data-stream.ts';
import type { KeyedStream } from './keyed-stream.ts';
import type { WindowedStream } from './windowed-stream.ts';

/**
 * An element of either input, marked with its side. A plain object, not a class, because it
 * crosses network edges and sits in window state, both of which keep data and drop prototypes.
 */
export interface TaggedUnion<T1, T2> {
  readonly tag: 1 | 2;
  readonly value: T1 | T2;
}

/** The user's key selectors as plain functions, and the key of a tagged element by its side. */
function unionKeySelector<T1, T2, K>(keySelector1: (v: T1) => K, keySelector2: (v: T2) => K): (u: TaggedUnion<T1, T2>) => K {
  return (u) => (u.tag === 1 ? keySelector1(u.value as T1) : keySelector2(u.value as T2));
}

/**
 * Flink's CoGroupWindowFunction: splits a window's tagged elements into the two sides and calls
 * the coGroup function. It passes the lifecycle (runtime context, open, close) on to the user's
 * function, like Flink's WrappingFunction. The user's method is looked up on each call rather than
 * bound once, because per-subtask copies of this object must call their own copy of the function.
 */
export class CoGroupWindowFunction<T1, T2, R, K, W extends Window> implements FunctionLifecycle {
  readonly wrappedFunction: CoGroupFunction<T1, T2, R>;

  constructor(wrappedFunction: CoGroupFunction<T1, T2, R>) {
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

  apply(_key: K, _window: W, values: Iterable<TaggedUnion<T1, T2>>, out: Collector<R>): void {
    const first: T1[] = [];
    const second: T2[] = [];
    for (const u of values) {
      if (u.tag === 1) first.push(u.value as T1);
      else second.push(u.value as T2);
    }
    const fn = this.wrappedFunction;
    if (typeof fn === 'function') fn(first, second, out);
    else fn.coGroup(first, second, out);
  }
}

/** What the window of a coGroup or join is made of, until apply() builds it. */
interface WindowSpec<T1, T2, W extends Window> {
  readonly assigner: WindowAssigner<TaggedUnion<T1, T2>, W>;
  readonly trigger: Trigger<TaggedUnion<T1, T2>, W> | null;
  readonly evictor: Evictor<TaggedUnion<T1, T2>, W> | null;
  readonly allowedLateness: number | null;
}

/**
 * Tags, unions, keys and windows the two inputs (CoGroupedStreams.WithWindow.apply in Flink) and
 * applies `windowFunction` to the windows. Shared by coGroup and join.
 */
export function applyCoGroupWindow<T1, T2, K, W extends Window, R>(
  input1: DataStream<T1>,
  input2: DataStream<T2>,
  keySelector1: (v: T1) => K,
  keySelector2: (v: T2) => K,
  spec: WindowSpec<T1, T2, W>,
  windowFunction: WindowFunction<TaggedUnion<T1, T2>, R, K, W>,
): DataStream<R> {
  const tagged1 = input1.map((value: T1): TaggedUnion<T1, T2> => ({ tag: 1, value })).setParallelism(input1.getParallelism());
  const tagged2 = input2.map((value: T2): TaggedUnion<T1, T2> => ({ tag: 2, value })).setParallelism(input2.getParallelism());
  const keyed: KeyedStream<TaggedUnion<T1, T2>, K> = tagged1.union(tagged2).keyBy(unionKeySelector(keySelector1, keySelector2));
  let windowed: WindowedStream<TaggedUnion<T1, T2>, K, W> = keyed.window(spec.assigner);
  if (spec.trigger !== null) windowed = windowed.trigger(spec.trigger);
  if (spec.evictor !== null) windowed = windowed.evictor(spec.evictor);
  if (spec.allowedLateness !== null) windowed = windowed.allowedLateness(spec.allowedLateness);
  return windowed.apply(windowFunction);
}

/** Both inputs are DataStreams of one environment (shared by join and coGroup). */
export function checkSameEnvironment(input1: DataStream<unknown>, input2: DataStream<unknown>, what: string): void {
  if (input2 === null || input2 === undefined || typeof (input2 as { getExecutionEnvironment?: unknown }).getExecutionEnvironment !== 'function') {
    throw invalidPipeline(`${what}() needs a DataStream to ${what} with`);
  }
  if (input1.getExecutionEnvironment() !== input2.getExecutionEnvironment()) throw invalidPipeline(`Cannot ${what} streams of different execution environments`);
}

export function resolveKeySelector<T, K>(keySelector: KeySelector<T, K>, what: string): (value: T) => K {
  if (keySelector === null || keySelector === undefined) throw invalidPipeline(`${what}() needs a key selector: a function (value) => key`);
  return resolveMethod<(value: T) => K>(keySelector, 'getKey', `The key selector of ${what}()`);
}

/** Two streams to coGroup: where() gives the first stream's key. */
export class CoGroupedStreams<T1, T2> {
  private readonly input1: DataStream<T1>;
  private readonly input2: DataStream<T2>;

  constructor(input1: DataStream<T1>, input2: DataStream<T2>) {
    checkSameEnvironment(input1 as DataStream<unknown>, input2 as DataStream<unknown>, 'coGroup');
    this.input1 = input1;
    this.input2 = input2;
  }

  where<K>(keySelector: KeySelector<T1, K>): CoGroupedStreamsWhere<T1, T2, K> {
    return new CoGroupedStreamsWhere(this.input1, this.input2, resolveKeySelector(keySelector, 'where'));
  }
}

/** The first stream's key is set; equalTo() gives the second's. */
export class CoGroupedStreamsWhere<T1, T2, K> {
  private readonly input1: DataStream<T1>;
  private readonly input2: DataStream<T2>;
  private readonly keySelector1: (v: T1) => K;

  constructor(input1: DataStream<T1>, input2: DataStream<T2>, keySelector1: (v: T1) => K) {
    this.input1 = input1;
    this.input2 = input2;
    this.keySelector1 = keySelector1;
  }

  equalTo(keySelector: KeySelector<T2, K>): CoGroupedStreamsEqualTo<T1, T2, K> {
    return new CoGroupedStreamsEqualTo(this.input1, this.input2, this.keySelector1, resolveKeySelector(keySelector, 'equalTo'));
  }
}

/** Both keys are set; window() gives the windows to coGroup in. */
export class CoGroupedStreamsEqualTo<T1, T2, K> {
  private readonly input1: DataStream<T1>;
  private readonly input2: DataStream<T2>;
  private readonly keySelector1: (v: T1) => K;
  private readonly keySelector2: (v: T2) => K;

  constructor(input1: DataStream<T1>, input2: DataStream<T2>, keySelector1: (v: T1) => K, keySelector2: (v: T2) => K) {
    this.input1 = input1;
    this.input2 = input2;
    this.keySelector1 = keySelector1;
    this.keySelector2 = keySelector2;
  }

  window<W extends Window>(assigner: WindowAssigner<TaggedUnion<T1, T2>, W>): CoGroupedStreamsWithWindow<T1, T2, K, W> {
    if (assigner === null || assigner === undefined) throw invalidPipeline('window() of a coGroup needs a WindowAssigner');
    return new CoGroupedStreamsWithWindow(this.input1, this.input2, this.keySelector1, this.keySelector2, { assigner, trigger: null, evictor: null, allowedLateness: null });
  }
}

/** A coGroup with its windows; trigger(), evictor() and allowedLateness() return new ones. */
export class CoGroupedStreamsWithWindow<T1, T2, K, W extends Window> {
  private readonly input1: DataStream<T1>;
  private readonly input2: DataStream<T2>;
  private readonly keySelector1: (v: T1) => K;
  private readonly keySelector2: (v: T2) => K;
  private readonly spec: WindowSpec<T1, T2, W>;

  constructor(input1: DataStream<T1>, input2: DataStream<T2>, keySelector1: (v: T1) => K, keySelector2: (v: T2) => K, spec: WindowSpec<T1, T2, W>) {
    this.input1 = input1;
    this.input2 = input2;
    this.keySelector1 = keySelector1;
    this.keySelector2 = keySelector2;
    this.spec = spec;
  }

  private with(change: Partial<WindowSpec<T1, T2, W>>): CoGroupedStreamsWithWindow<T1, T2, K, W> {
    return new CoGroupedStreamsWithWindow(this.input1, this.input2, this.keySelector1, this.keySelector2, { ...this.spec, ...change });
  }

  trigger(newTrigger: Trigger<TaggedUnion<T1, T2>, W>): CoGroupedStreamsWithWindow<T1, T2, K, W> {
    return this.with({ trigger: newTrigger });
  }

  evictor(newEvictor: Evictor<TaggedUnion<T1, T2>, W>): CoGroupedStreamsWithWindow<T1, T2, K, W> {
    return this.with({ evictor: newEvictor });
  }

  allowedLateness(newLateness: DurationLike): CoGroupedStreamsWithWindow<T1, T2, K, W> {
    return this.with({ allowedLateness: toMillis(newLateness, 'The allowed lateness') });
  }

  /** Calls `fn` once per key and window with both sides' elements of that window. */
  apply<R>(fn: CoGroupFunction<T1, T2, R>): DataStream<R> {
    resolveMethod(fn, 'coGroup', 'The CoGroupFunction');
    return applyCoGroupWindow(this.input1, this.input2, this.keySelector1, this.keySelector2, this.spec, new CoGroupWindowFunction<T1, T2, R, K, W>(fn));
  }
}
