/*
 * State descriptors: the name, type, serializer, default and TTL of a piece of state. A function
 * asks its runtime context for state with a descriptor; the state backend creates the state the
 * first time and hands back the same state afterwards. Names are unique per operator.
 */
import type { ReduceFunction } from '../common/functions.ts';
import type { TypeSerializer } from '../../runtime/serialization/type-serializer.ts';
import { StateTypes, type AggregateFunction, type StateType } from './state.ts';
import type { StateTtlConfig } from './state-ttl-config.ts';

export abstract class StateDescriptor<T> {
  readonly name: string;
  abstract readonly type: StateType;
  /** The serializer of the state's values; undefined means the backend's default. */
  readonly serializer: TypeSerializer<T> | undefined;
  ttlConfig: StateTtlConfig | null = null;

  constructor(name: string, serializer: TypeSerializer<T> | undefined) {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('A state descriptor needs a non-empty name');
    this.name = name;
    this.serializer = serializer;
  }

  enableTimeToLive(ttlConfig: StateTtlConfig): this {
    this.ttlConfig = ttlConfig;
    return this;
  }

  getName(): string {
    return this.name;
  }

  toString(): string {
    return `${this.constructor.name}{name=${this.name}}`;
  }
}

function isSerializer(value: unknown): value is TypeSerializer<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as TypeSerializer<unknown>).serialize === 'function' && typeof (value as TypeSerializer<unknown>).deserialize === 'function';
}

export class ValueStateDescriptor<T> extends StateDescriptor<T> {
  readonly type = StateTypes.VALUE;
  /** Returned by value() when the key has no value (Flink's deprecated default value). */
  readonly defaultValue: T | undefined;

  constructor(name: string, defaultValueOrSerializer?: T | TypeSerializer<T>, serializer?: TypeSerializer<T>) {
    const s = isSerializer(defaultValueOrSerializer) ? (defaultValueOrSerializer as TypeSerializer<T>) : serializer;
    super(name, s);
    this.defaultValue = isSerializer(defaultValueOrSerializer) ? undefined : (defaultValueOrSerializer as T | undefined);
  }
}

export class ListStateDescriptor<T> extends StateDescriptor<T> {
  readonly type = StateTypes.LIST;

  constructor(name: string, elementSerializer?: TypeSerializer<T>) {
    super(name, elementSerializer);
  }
}

export class MapStateDescriptor<K, V> extends StateDescriptor<V> {
  readonly type = StateTypes.MAP;
  readonly keySerializer: TypeSerializer<K> | undefined;

  constructor(name: string, keySerializer?: TypeSerializer<K>, valueSerializer?: TypeSerializer<V>) {
    super(name, valueSerializer);
    this.keySerializer = keySerializer;
  }
}

export class ReducingStateDescriptor<T> extends StateDescriptor<T> {
  readonly type = StateTypes.REDUCING;
  readonly reduceFunction: ReduceFunction<T>;

  constructor(name: string, reduceFunction: ReduceFunction<T>, serializer?: TypeSerializer<T>) {
    super(name, serializer);
    this.reduceFunction = reduceFunction;
  }
}

/** The serializer, if given, is the accumulator's: the state stores accumulators. */
export class AggregatingStateDescriptor<IN, ACC, OUT> extends StateDescriptor<ACC> {
  readonly type = StateTypes.AGGREGATING;
  readonly aggregateFunction: AggregateFunction<IN, ACC, OUT>;

  constructor(name: string, aggregateFunction: AggregateFunction<IN, ACC, OUT>, accumulatorSerializer?: TypeSerializer<ACC>) {
    super(name, accumulatorSerializer);
    this.aggregateFunction = aggregateFunction;
  }
}
