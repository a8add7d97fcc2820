/*
 * Restored RocksDB states meeting their descriptor again. The checks are the shared ones
 * (../heap/registered-state-meta.ts: same kind, readable keys and namespaces, a value serializer
 * that reads the old bytes as is or by migration, TTL switched on or off allowed); what RocksDB
 * adds is rewriting stored bytes when they change: migrated values or map keys, and TTL
 * timestamps added (the restore time) or stripped. A state restored with its bytes unchanged
 * needs no rewrite at all.
 */
import { MapStateDescriptor, type StateDescriptor } from '../../../api/state/state-descriptor.ts';
import { StateTypes } from '../../../api/state/state.ts';
import { defaultSerializer } from '../../serialization/msgpack-serializer.ts';
import { checkRestoredMeta, resolveReader, restoredValueReader } from '../heap/registered-state-meta.ts';
import { decodeByteList, encodeByteList } from '../snapshot/key-group-block.ts';
import type { StateMetaInfo } from '../snapshot/keyed-state-snapshot.ts';
import { encodeTtlBytes, readTtlTimestamp, ttlUserBytes } from '../ttl/ttl-value.ts';
import { decodeStateKey } from './rocksdb-key-layout.ts';
import type { NativeColumnFamily, NativeWriteBatch } from './rocksdb-native.ts';

/** How the stored bytes of a restored state become the bytes its new descriptor expects. */
export interface StoredBytesRewrite {
  /** A stored value (for lists: the whole encoded list). */
  readonly value: ((stored: Uint8Array) => Uint8Array) | null;
  /** The serialized user key of a map entry. */
  readonly userKey: ((bytes: Uint8Array) => Uint8Array) | null;
}

/**
 * Checks `descriptor` against the restored state's meta data (throws a FLINK_TS_ILLEGAL_STATE
 * naming the state and what changed) and returns the rewrite its bytes need, or null for none.
 */
export function restoredStateRewrite(descriptor: StateDescriptor<unknown>, previous: StateMetaInfo, where: string, now: number): StoredBytesRewrite | null {
  checkRestoredMeta(descriptor, previous, where);
  const reader = restoredValueReader(descriptor, previous, where);
  const serializer = descriptor.serializer ?? defaultSerializer();
  let value: ((stored: Uint8Array) => Uint8Array) | null = null;
  if (!reader.userBytesAsIs || reader.previousHasTtl !== reader.currentHasTtl) {
    const one = (stored: Uint8Array): Uint8Array => {
      const timestamp = reader.previousHasTtl ? readTtlTimestamp(stored) : now;
      const user = reader.previousHasTtl ? ttlUserBytes(stored) : stored;
      const bytes = reader.userBytesAsIs ? user : serializer.serialize(reader.readUserValue(user));
      return reader.currentHasTtl ? encodeTtlBytes(timestamp, bytes) : bytes;
    };
    value = descriptor.type === StateTypes.LIST ? (stored) => encodeByteList(decodeByteList(stored).map(one)) : one;
  }
  let userKey: ((bytes: Uint8Array) => Uint8Array) | null = null;
  if (descriptor instanceof MapStateDescriptor) {
    const keySerializer = descriptor.keySerializer ?? defaultSerializer();
    const keyReader = resolveReader(keySerializer, previous.userKeySerializer, descriptor.name, where, 'map keys');
    if (!keyReader.asIs) userKey = (bytes) => keySerializer.serialize(keyReader.read(bytes));
  }
  return value === null && userKey === null ? null : { value, userKey };
}

/** Applies a rewrite to every entry of a state's column family; returns the entries rewritten. */
export function rewriteStoredBytes(cf: NativeColumnFamily, rewrite: StoredBytesRewrite, newWriteBatch: () => NativeWriteBatch, where: string): number {
  let batch = newWriteBatch();
  let rewritten = 0;
  // One iterator for the whole pass: it reads the state as of its creation, so keys written
  // by the pass (rewritten map keys) are not visited again.
  const it = cf.iterate(new Uint8Array([0, 0]), new Uint8Array([0x80, 0]));
  try {
    for (let e = it.next(); e !== undefined; e = it.next()) {
      const value = rewrite.value === null ? e.value : rewrite.value(e.value);
      let key: Uint8Array = e.key;
      if (rewrite.userKey !== null) {
        const parts = decodeStateKey(e.key, where);
        const userKey = rewrite.userKey(parts.userKey);
        const prefixLength = e.key.length - parts.userKey.length;
        key = new Uint8Array(prefixLength + userKey.length);
        key.set(e.key.subarray(0, prefixLength), 0);
        key.set(userKey, prefixLength);
        batch.remove(cf, e.key);
      }
      batch.put(cf, key, value);
      rewritten++;
      if (batch.size >= 1000) {
        batch.commit();
        batch = newWriteBatch();
      }
    }
  } finally {
    it.close();
  }
  if (batch.size > 0) batch.commit();
  else batch.abort();
  return rewritten;
}
