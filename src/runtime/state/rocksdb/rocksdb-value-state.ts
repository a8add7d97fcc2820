/*
 * ValueState on RocksDB: one entry per key and namespace holding the serialized value.
 */
import type { ValueStateDescriptor } from '../../../api/state/state-descriptor.ts';
import type { ValueState } from '../../../api/state/state.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';
import { AbstractRocksDBState, type RocksDBStateParts } from './abstract-rocksdb-state.ts';

export class RocksDBValueState<T> extends AbstractRocksDBState implements ValueState<T> {
  private readonly serializer: TypeSerializer<T>;
  private readonly defaultValue: T | undefined;

  constructor(descriptor: ValueStateDescriptor<T>, serializer: TypeSerializer<T>, parts: RocksDBStateParts) {
    super(descriptor, parts);
    this.serializer = serializer;
    this.defaultValue = descriptor.defaultValue;
  }

  value(): T | undefined {
    const bytes = this.columnFamily.get(this.stateKey());
    if (bytes !== undefined) return this.serializer.deserialize(bytes);
    // A copy, so that a caller mutating the default does not change it for the next key.
    return this.defaultValue === undefined ? undefined : this.serializer.copy(this.defaultValue);
  }

  update(value: T | undefined | null): void {
    const key = this.stateKey();
    if (value === undefined || value === null) this.columnFamily.remove(key);
    else this.columnFamily.put(key, this.serializer.serialize(value));
  }
}
