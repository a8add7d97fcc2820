/*
 * Reducing and aggregating state with TTL (Flink's TtlReducingState and TtlAggregatingState) over
 * the backend's state created with TtlReduceFunction / TtlAggregateFunction and TtlValues.
 */
import type { AggregateFunction, AggregatingState, ReducingState } from '../../../api/state/state.ts';
import type { AggregatingStateDescriptor, ReducingStateDescriptor } from '../../../api/state/state-descriptor.ts';
import { AbstractTtlState, type InternalAppendingState, type TtlStateContext } from './abstract-ttl-state.ts';
import type { TtlValue } from './ttl-value.ts';

abstract class TtlAppendingState<IN, ACC> extends AbstractTtlState<InternalAppendingState<TtlValue<ACC>> & { add(value: any): void }> {
  protected getAccumulator(): ACC | undefined {
    this.accessed();
    const original = this.original;
    return this.ttl.getWithTtlCheckAndUpdate(
      () => original.getInternal(),
      (v) => original.updateInternal(v),
      () => original.clear(),
    )?.userValue;
  }

  /** The stored accumulator with its timestamp (for tests and backends). */
  getInternal(): TtlValue<ACC> | undefined {
    return this.original.getInternal();
  }

  abstract add(value: IN): void;
}

export class TtlReducingState<T> extends TtlAppendingState<T, T> implements ReducingState<T> {
  constructor(descriptor: ReducingStateDescriptor<T>, original: InternalAppendingState<TtlValue<T>> & ReducingState<TtlValue<T>>, context: TtlStateContext) {
    super(descriptor, original, context);
  }

  get(): T | undefined {
    return this.getAccumulator();
  }

  add(value: T): void {
    this.accessed();
    if (value === undefined || value === null) this.original.clear();
    else this.original.add(this.ttl.wrap(value));
  }
}

export class TtlAggregatingState<IN, ACC, OUT> extends TtlAppendingState<IN, ACC> implements AggregatingState<IN, OUT> {
  private readonly aggregateFunction: AggregateFunction<IN, ACC, OUT>;

  constructor(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>, original: InternalAppendingState<TtlValue<ACC>> & AggregatingState<IN, unknown>, context: TtlStateContext) {
    super(descriptor, original, context);
    this.aggregateFunction = descriptor.aggregateFunction;
  }

  get(): OUT | undefined {
    const acc = this.getAccumulator();
    return acc === undefined ? undefined : this.aggregateFunction.getResult(acc);
  }

  add(value: IN): void {
    this.accessed();
    if (value === undefined || value === null) this.original.clear();
    else this.original.add(value);
  }
}
