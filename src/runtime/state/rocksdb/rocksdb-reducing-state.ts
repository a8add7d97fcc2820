/*
 * ReducingState on RocksDB: one entry per key and namespace holding the reduced value; `add`
 * reads it, applies the reduce function and writes the result back.
 */
import { resolveMethod } from '../../../api/common/functions.ts';
import type { ReducingStateDescriptor } from '../../../api/state/state-descriptor.ts';
import type { ReducingState } from '../../../api/state/state.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';
import type { Namespace } from '../keyed-state-backend.ts';
import type { InternalAppendingState } from '../ttl/abstract-ttl-state.ts';
import { AbstractRocksDBState, type RocksDBStateParts } from './abstract-rocksdb-state.ts';

export class RocksDBReducingState<T> extends AbstractRocksDBState implements ReducingState<T>, InternalAppendingState<T> {
  private readonly serializer: TypeSerializer<T>;
  private readonly reduce: (a: T, b: T) => T;

  constructor(descriptor: ReducingStateDescriptor<T>, serializer: TypeSerializer<T>, parts: RocksDBStateParts) {
    super(descriptor, parts);
    this.serializer = serializer;
    this.reduce = resolveMethod(descriptor.reduceFunction, 'reduce', 'ReduceFunction');
  }

  get(): T | undefined {
    return this.getInternal();
  }

  /** Adds a value; null or undefined clears the state, as Flink's heap ReducingState does. */
  add(value: T): void {
    if (value === undefined || value === null) {
      this.clear();
      return;
    }
    const current = this.getInternal();
    this.updateInternal(current === undefined ? value : this.reduce(current, value));
  }

  getInternal(): T | undefined {
    const bytes = this.columnFamily.get(this.stateKey());
    return bytes === undefined ? undefined : this.serializer.deserialize(bytes);
  }

  updateInternal(value: T | undefined): void {
    const key = this.stateKey();
    if (value === undefined || value === null) this.columnFamily.remove(key);
    else this.columnFamily.put(key, this.serializer.serialize(value));
  }

  override mergeNamespaces(target: Namespace, sources: readonly Namespace[]): void {
    this.mergeWith(target, sources, this.serializer, this.reduce);
  }
}
