/*
 * The user functions of joins, as Flink's: ProcessJoinFunction for interval joins (one call per
 * joined pair, with the timestamps of both sides), JoinFunction and FlatJoinFunction for window
 * joins (one call per pair of a key's elements in a window), CoGroupFunction for window coGroups
 * (one call per key and window with both sides' elements). Each may be a plain function, an
 * object with the method, or a subclass of the Rich base with open()/close()/getRuntimeContext().
 */
import type { Collector, FunctionLifecycle } from '../common/functions.ts';
import type { OutputTag } from '../common/output-tag.ts';
import { AbstractRichFunction } from '../common/rich-functions.ts';

/**
 * What a ProcessJoinFunction sees of the joined pair. The operator reuses the context for every
 * pair: read it during the call, do not keep it.
 */
export interface ProcessJoinFunctionContext {
  /** The timestamp of the left element of the pair. */
  leftTimestamp(): number;
  /** The timestamp of the right element of the pair. */
  rightTimestamp(): number;
  /** The timestamp of the joined pair: the larger of both sides' timestamps. */
  timestamp(): number;
  getLeftTimestamp(): number;
  getRightTimestamp(): number;
  getTimestamp(): number;
  /** Emits to a side output, with the timestamp of the joined pair. */
  output<X>(outputTag: OutputTag<X>, value: X): void;
}

export abstract class ProcessJoinFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement(left: IN1, right: IN2, ctx: ProcessJoinFunctionContext, out: Collector<OUT>): void;
}

export type ProcessJoinFunctionLike<IN1, IN2, OUT> =
  | ProcessJoinFunction<IN1, IN2, OUT>
  | ({ processElement(left: IN1, right: IN2, ctx: ProcessJoinFunctionContext, out: Collector<OUT>): void } & FunctionLifecycle)
  | ((left: IN1, right: IN2, ctx: ProcessJoinFunctionContext, out: Collector<OUT>) => void);

/** One output per joined pair. */
export type JoinFunction<IN1, IN2, OUT> = ((first: IN1, second: IN2) => OUT) | ({ join(first: IN1, second: IN2): OUT } & FunctionLifecycle);

/** Any number of outputs per joined pair. */
export type FlatJoinFunction<IN1, IN2, OUT> =
  | ((first: IN1, second: IN2, out: Collector<OUT>) => void)
  | ({ join(first: IN1, second: IN2, out: Collector<OUT>): void } & FunctionLifecycle);

/** Both sides' elements of one key (and window); either side may be empty. */
export type CoGroupFunction<IN1, IN2, OUT> =
  | ((first: Iterable<IN1>, second: Iterable<IN2>, out: Collector<OUT>) => void)
  | ({ coGroup(first: Iterable<IN1>, second: Iterable<IN2>, out: Collector<OUT>): void } & FunctionLifecycle);

export abstract class RichJoinFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract join(first: IN1, second: IN2): OUT;
}

export abstract class RichFlatJoinFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract join(first: IN1, second: IN2, out: Collector<OUT>): void;
}

export abstract class RichCoGroupFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract coGroup(first: Iterable<IN1>, second: Iterable<IN2>, out: Collector<OUT>): void;
}

/**
 * Whether a join function is a FlatJoinFunction. Java tells them apart by type; here a
 * RichFlatJoinFunction or RichJoinFunction says so, and otherwise the join method's declared
 * parameters do: three (with the collector) is flat, fewer is not.
 */
export function isFlatJoinFunction(fn: unknown): boolean {
  if (fn instanceof RichFlatJoinFunction) return true;
  if (fn instanceof RichJoinFunction) return false;
  const method = typeof fn === 'function' ? fn : typeof fn === 'object' && fn !== null ? (fn as { join?: unknown }).join : undefined;
  return typeof method === 'function' && method.length >= 3;
}
