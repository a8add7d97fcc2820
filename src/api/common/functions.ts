/*
 * User function types. Every function may be a plain function, an object implementing the
 * interface, or an instance of a class extending a rich base (see rich-functions.ts).
 */
import type { OpenContext, RuntimeContext } from './runtime-context.ts';

export interface Collector<T> {
  collect(record: T): void;
}

/** Lifecycle methods that any function object may have (Flink's RichFunction). */
export interface FunctionLifecycle {
  open?(openContext: OpenContext): void | Promise<void>;
  close?(): void | Promise<void>;
  setRuntimeContext?(context: RuntimeContext): void;
}

export type MapFunction<IN, OUT> = ((value: IN) => OUT) | ({ map(value: IN): OUT } & FunctionLifecycle);
export type FlatMapFunction<IN, OUT> =
  | ((value: IN, out: Collector<OUT>) => void)
  | ({ flatMap(value: IN, out: Collector<OUT>): void } & FunctionLifecycle);
export type FilterFunction<T> = ((value: T) => boolean) | ({ filter(value: T): boolean } & FunctionLifecycle);
export type ReduceFunction<T> = ((value1: T, value2: T) => T) | ({ reduce(value1: T, value2: T): T } & FunctionLifecycle);
export type KeySelector<T, K> = ((value: T) => K) | { getKey(value: T): K };

export interface Partitioner<K> {
  partition(key: K, numPartitions: number): number;
}
export type PartitionerFunction<K> = ((key: K, numPartitions: number) => number) | Partitioner<K>;

export interface CoMapFunction<IN1, IN2, OUT> extends FunctionLifecycle {
  map1(value: IN1): OUT;
  map2(value: IN2): OUT;
}

export interface CoFlatMapFunction<IN1, IN2, OUT> extends FunctionLifecycle {
  flatMap1(value: IN1, out: Collector<OUT>): void;
  flatMap2(value: IN2, out: Collector<OUT>): void;
}

/** Resolves the callable of a function given in any of its accepted forms, bound to its object. */
export function resolveMethod<F extends (...args: any[]) => any>(fn: unknown, method: string, what: string): F {
  if (typeof fn === 'function') return fn as F;
  if (typeof fn === 'object' && fn !== null) {
    const m = (fn as Record<string, unknown>)[method];
    if (typeof m === 'function') return (m as F).bind(fn) as F;
  }
  throw new TypeError(`${what} must be a function or an object with a ${method}() method`);
}

/** The name to show for a user function in operator names and errors. */
export function functionName(fn: unknown): string | undefined {
  if (typeof fn === 'function' && fn.name && !fn.name.startsWith('bound ')) return fn.name;
  if (typeof fn === 'object' && fn !== null && fn.constructor && fn.constructor !== Object) return fn.constructor.name;
  return undefined;
}
