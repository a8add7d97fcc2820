/*
 * ListState on RocksDB: one entry per key and namespace holding the whole list in the snapshot
 * format's list encoding (`u32 count | (u32 len | element)*`), so that snapshots copy it as is.
 * `add` appends the new element's bytes to the stored bytes without decoding the others (RocksDB's
 * merge operator would avoid the read, but the binding does not offer one).
 */
import type { ListStateDescriptor } from '../../../api/state/state-descriptor.ts';
import type { ListState } from '../../../api/state/state.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';
import type { Namespace } from '../keyed-state-backend.ts';
import { decodeByteList } from '../snapshot/key-group-block.ts';
import { AbstractRocksDBState, type RocksDBStateParts } from './abstract-rocksdb-state.ts';
import { bytesEqual, nativeBytes, putU32 } from './rocksdb-key-layout.ts';

const NULL_ELEMENT = 'You cannot add null to a ListState.';

/**
 * `encodeByteList(decodeByteList(list).concat(items))` without decoding `list`. The u32 fields are
 * written with shifts into bytes from the binding's slab (a DataView on a fresh small array
 * would move its storage off the V8 heap first, see rocksdb-key-layout.ts).
 */
export function appendToByteList(list: Uint8Array | undefined, items: readonly Uint8Array[]): Uint8Array {
  let size = list === undefined ? 4 : list.length;
  for (const item of items) size += 4 + item.length;
  const out = nativeBytes(size);
  let at: number;
  let count = items.length;
  if (list === undefined) {
    at = 4;
  } else {
    out.set(list, 0);
    count += ((list[0]! << 24) | (list[1]! << 16) | (list[2]! << 8) | list[3]!) >>> 0;
    at = list.length;
  }
  putU32(out, 0, count);
  for (const item of items) {
    putU32(out, at, item.length);
    out.set(item, at + 4);
    at += 4 + item.length;
  }
  return out;
}

export class RocksDBListState<T> extends AbstractRocksDBState implements ListState<T> {
  private readonly serializer: TypeSerializer<T>;

  constructor(descriptor: ListStateDescriptor<T>, serializer: TypeSerializer<T>, parts: RocksDBStateParts) {
    super(descriptor, parts);
    this.serializer = serializer;
  }

  get(): T[] {
    const stored = this.columnFamily.get(this.stateKey());
    if (stored === undefined) return [];
    return decodeByteList(stored).map((e) => this.serializer.deserialize(e));
  }

  add(value: T): void {
    if (value === undefined || value === null) throw new TypeError(NULL_ELEMENT);
    const key = this.stateKey();
    this.columnFamily.put(key, appendToByteList(this.columnFamily.get(key), [this.serializer.serialize(value)]));
  }

  addAll(values: Iterable<T>): void {
    const elements = this.serializeAll(values, 'List of values to add cannot be null.');
    if (elements.length === 0) return;
    const key = this.stateKey();
    this.columnFamily.put(key, appendToByteList(this.columnFamily.get(key), elements));
  }

  update(values: Iterable<T>): void {
    const elements = this.serializeAll(values, 'List of values to update cannot be null.');
    const key = this.stateKey();
    if (elements.length === 0) this.columnFamily.remove(key);
    else this.columnFamily.put(key, appendToByteList(undefined, elements));
  }

  override mergeNamespaces(target: Namespace, sources: readonly Namespace[]): void {
    const targetKey = this.stateKeyIn(target);
    const batch = this.context.newWriteBatch();
    const merged: Uint8Array[] = [];
    for (const source of sources) {
      const sourceKey = this.stateKeyIn(source);
      if (bytesEqual(sourceKey, targetKey)) continue;
      const stored = this.columnFamily.get(sourceKey);
      if (stored === undefined) continue;
      merged.push(...decodeByteList(stored));
      batch.remove(this.columnFamily, sourceKey);
    }
    if (merged.length > 0) batch.put(this.columnFamily, targetKey, appendToByteList(this.columnFamily.get(targetKey), merged));
    if (batch.size > 0) batch.commit();
    else batch.abort();
  }

  private serializeAll(values: Iterable<T>, whenNull: string): Uint8Array[] {
    if (values === undefined || values === null) throw new TypeError(whenNull);
    const out: Uint8Array[] = [];
    for (const value of values) {
      if (value === undefined || value === null) throw new TypeError(NULL_ELEMENT);
      out.push(this.serializer.serialize(value));
    }
    return out;
  }
}
