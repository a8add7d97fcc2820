/*
 * The reduce and aggregate functions of reducing and aggregating state with TTL (Flink's
 * TtlReduceFunction and TtlAggregateFunction): the backend's state runs them on TtlValues; they
 * ignore expired inputs and stamp results with the current time.
 */
import type { AggregateFunction } from '../../../api/state/state.ts';
import type { TtlDecorator } from './abstract-ttl-state.ts';
import type { TtlValue } from './ttl-value.ts';

export class TtlReduceFunction<T> {
  private readonly original: (a: T, b: T) => T;
  private readonly ttl: TtlDecorator;

  constructor(original: (a: T, b: T) => T, ttl: TtlDecorator) {
    this.original = original;
    this.ttl = ttl;
  }

  reduce(value1: TtlValue<T> | undefined, value2: TtlValue<T> | undefined): TtlValue<T> | undefined {
    const ttl = this.ttl;
    const user1 = ttl.getUnexpired(value1);
    const user2 = ttl.getUnexpired(value2);
    if (user1 !== undefined && user2 !== undefined) return ttl.wrap(this.original(user1, user2));
    if (user1 !== undefined) return ttl.wrap(user1);
    if (user2 !== undefined) return ttl.wrap(user2);
    return undefined;
  }
}

export class TtlAggregateFunction<IN, ACC, OUT> implements AggregateFunction<IN, TtlValue<ACC> | undefined, OUT | undefined> {
  private readonly original: AggregateFunction<IN, ACC, OUT>;
  private readonly ttl: TtlDecorator;

  constructor(original: AggregateFunction<IN, ACC, OUT>, ttl: TtlDecorator) {
    this.original = original;
    this.ttl = ttl;
  }

  createAccumulator(): TtlValue<ACC> {
    return this.ttl.wrap(this.original.createAccumulator());
  }

  add(value: IN, accumulator: TtlValue<ACC> | undefined): TtlValue<ACC> {
    const current = this.ttl.getUnexpired(accumulator);
    return this.ttl.wrap(this.original.add(value, current === undefined ? this.original.createAccumulator() : current));
  }

  getResult(accumulator: TtlValue<ACC> | undefined): OUT | undefined {
    return accumulator === undefined || accumulator === null ? undefined : this.original.getResult(accumulator.userValue);
  }

  merge(a: TtlValue<ACC> | undefined, b: TtlValue<ACC> | undefined): TtlValue<ACC> | undefined {
    const ttl = this.ttl;
    const userA = ttl.getUnexpired(a);
    const userB = ttl.getUnexpired(b);
    if (userA !== undefined && userB !== undefined) return ttl.wrap(this.original.merge(userA, userB));
    if (userA !== undefined) return ttl.wrap(userA);
    if (userB !== undefined) return ttl.wrap(userB);
    return undefined;
  }
}
