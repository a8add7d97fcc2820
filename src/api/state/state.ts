/*
 * The state primitives a user function reads and writes, Flink's classic synchronous state API.
 * Keyed state is scoped to the current key (and, inside window operators, to the current window):
 * each call sees only the entry of the key of the record or timer being processed.
 */

export interface State {
  /** Removes the value of the current key (and namespace). */
  clear(): void;
}

export interface ValueState<T> extends State {
  /** The value, or the descriptor's default (undefined when none) when there is no value. */
  value(): T | undefined;
  update(value: T | undefined | null): void;
}

export interface AppendingState<IN, OUT> extends State {
  /** The current result; undefined when the state is empty (Flink returns null). */
  get(): OUT | undefined;
  add(value: IN): void;
}

export interface ListState<T> extends AppendingState<T, Iterable<T>> {
  addAll(values: Iterable<T>): void;
  update(values: Iterable<T>): void;
}

export type ReducingState<T> = AppendingState<T, T>;

export type AggregatingState<IN, OUT> = AppendingState<IN, OUT>;

export interface MapState<K, V> extends State {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  putAll(entries: Iterable<readonly [K, V]> | ReadonlyMap<K, V>): void;
  remove(key: K): void;
  contains(key: K): boolean;
  keys(): Iterable<K>;
  values(): Iterable<V>;
  entries(): Iterable<[K, V]>;
  isEmpty(): boolean;
}

/** Flink's AggregateFunction: an accumulator per key (and window) instead of the elements. */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  merge(a: ACC, b: ACC): ACC;
}

export const StateTypes = { VALUE: 'VALUE', LIST: 'LIST', MAP: 'MAP', REDUCING: 'REDUCING', AGGREGATING: 'AGGREGATING' } as const;
export type StateType = (typeof StateTypes)[keyof typeof StateTypes];
