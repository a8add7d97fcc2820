/*
 * AggregatingState on RocksDB: one entry per key and namespace holding the accumulator; `add`
 * reads it (or creates one), adds the value and writes it back; `get` returns the result.
 */
import type { AggregatingStateDescriptor } from '../../../api/state/state-descriptor.ts';
import type { AggregateFunction, AggregatingState } from '../../../api/state/state.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';
import type { Namespace } from '../keyed-state-backend.ts';
import type { InternalAppendingState } from '../ttl/abstract-ttl-state.ts';
import { AbstractRocksDBState, type RocksDBStateParts } from './abstract-rocksdb-state.ts';

export class RocksDBAggregatingState<IN, ACC, OUT> extends AbstractRocksDBState implements AggregatingState<IN, OUT>, InternalAppendingState<ACC> {
  private readonly serializer: TypeSerializer<ACC>;
  private readonly aggregateFunction: AggregateFunction<IN, ACC, OUT>;

  constructor(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>, accumulatorSerializer: TypeSerializer<ACC>, parts: RocksDBStateParts) {
    super(descriptor, parts);
    this.serializer = accumulatorSerializer;
    this.aggregateFunction = descriptor.aggregateFunction;
  }

  get(): OUT | undefined {
    const accumulator = this.getInternal();
    return accumulator === undefined ? undefined : this.aggregateFunction.getResult(accumulator);
  }

  /** Adds a value; null or undefined clears the state, as Flink's heap AggregatingState does. */
  add(value: IN): void {
    if (value === undefined || value === null) {
      this.clear();
      return;
    }
    const fn = this.aggregateFunction;
    const accumulator = this.getInternal();
    this.updateInternal(fn.add(value, accumulator === undefined ? fn.createAccumulator() : accumulator));
  }

  getInternal(): ACC | undefined {
    const bytes = this.columnFamily.get(this.stateKey());
    return bytes === undefined ? undefined : this.serializer.deserialize(bytes);
  }

  updateInternal(value: ACC | undefined): void {
    const key = this.stateKey();
    if (value === undefined) this.columnFamily.remove(key);
    else this.columnFamily.put(key, this.serializer.serialize(value));
  }

  override mergeNamespaces(target: Namespace, sources: readonly Namespace[]): void {
    const fn = this.aggregateFunction;
    this.mergeWith(target, sources, this.serializer, (a, b) => fn.merge(a, b));
  }
}
