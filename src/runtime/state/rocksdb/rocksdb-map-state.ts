/*
 * MapState on RocksDB: one entry per user key, under `state key | user key bytes`, so that get,
 * put and remove touch one entry and the entries of one key and namespace form one key range.
 * Iteration reads that range in chunks of 128 entries (as Flink's RocksDBMapIterator), so no native
 * iterator stays open while user code runs between steps, and an abandoned iteration leaks nothing.
 */
import type { MapStateDescriptor } from '../../../api/state/state-descriptor.ts';
import type { MapState } from '../../../api/state/state.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';
import { AbstractRocksDBState, type RocksDBStateParts } from './abstract-rocksdb-state.ts';
import { appendUserKey, prefixEnd } from './rocksdb-key-layout.ts';

const CHUNK_SIZE = 128;

function successor(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out.set(key, 0);
  return out;
}

export class RocksDBMapState<K, V> extends AbstractRocksDBState implements MapState<K, V> {
  private readonly userKeySerializer: TypeSerializer<K>;
  private readonly valueSerializer: TypeSerializer<V>;

  constructor(descriptor: MapStateDescriptor<K, V>, userKeySerializer: TypeSerializer<K>, valueSerializer: TypeSerializer<V>, parts: RocksDBStateParts) {
    super(descriptor, parts);
    this.userKeySerializer = userKeySerializer;
    this.valueSerializer = valueSerializer;
  }

  private entryKey(userKey: K): Uint8Array {
    return appendUserKey(this.stateKey(), this.userKeySerializer.serialize(userKey));
  }

  get(key: K): V | undefined {
    const bytes = this.columnFamily.get(this.entryKey(key));
    return bytes === undefined ? undefined : this.valueSerializer.deserialize(bytes);
  }

  put(key: K, value: V): void {
    this.columnFamily.put(this.entryKey(key), this.valueSerializer.serialize(value));
  }

  putAll(entries: Iterable<readonly [K, V]> | ReadonlyMap<K, V>): void {
    if (entries === undefined || entries === null) throw new TypeError('The entries to put cannot be null.');
    const batch = this.context.newWriteBatch();
    for (const [key, value] of entries) batch.put(this.columnFamily, this.entryKey(key), this.valueSerializer.serialize(value));
    if (batch.size > 0) batch.commit();
    else batch.abort();
  }

  remove(key: K): void {
    this.columnFamily.remove(this.entryKey(key));
  }

  contains(key: K): boolean {
    return this.columnFamily.get(this.entryKey(key)) !== undefined;
  }

  keys(): Iterable<K> {
    return mapEntries(this.scan(), ([k]) => this.userKeySerializer.deserialize(k));
  }

  values(): Iterable<V> {
    return mapEntries(this.scan(), ([, v]) => this.valueSerializer.deserialize(v));
  }

  entries(): Iterable<[K, V]> {
    return mapEntries(this.scan(), ([k, v]) => [this.userKeySerializer.deserialize(k), this.valueSerializer.deserialize(v)]);
  }

  isEmpty(): boolean {
    const prefix = this.stateKey();
    const it = this.columnFamily.iterate(prefix, prefixEnd(prefix));
    try {
      return it.next() === undefined;
    } finally {
      it.close();
    }
  }

  override clear(): void {
    this.removePrefix(this.stateKey());
  }

  /** [user key bytes, value bytes] of the entries of the current key and namespace (fixed now, read lazily). */
  private scan(): Generator<[Uint8Array, Uint8Array]> {
    return this.scanPrefix(this.stateKey());
  }

  private *scanPrefix(prefix: Uint8Array): Generator<[Uint8Array, Uint8Array]> {
    const end = prefixEnd(prefix);
    const cf = this.columnFamily;
    let start = prefix;
    for (;;) {
      const chunk: { key: Uint8Array; value: Uint8Array }[] = [];
      const it = cf.iterate(start, end);
      try {
        for (let e = it.next(); e !== undefined; e = chunk.length < CHUNK_SIZE ? it.next() : undefined) chunk.push(e);
      } finally {
        it.close();
      }
      for (const { key, value } of chunk) yield [key.subarray(prefix.length), value];
      if (chunk.length < CHUNK_SIZE) return;
      start = successor(chunk[chunk.length - 1]!.key);
    }
  }
}

function* mapEntries<A, B>(source: Generator<A>, f: (a: A) => B): Generator<B> {
  for (const a of source) yield f(a);
}
