/*
 * The raw-binding baseline of the RocksDB cases: the same native calls the backend makes (put, and
 * get where the case reads), through the binding's wrapper (NativeColumnFamily) on a column family
 * opened with the backend's options, but with every key and value prebuilt before the timed part.
 * What is left is the cost of the binding and RocksDB alone, the ceiling of any backend that makes
 * one native call per write. The bytes are the backend's own: keys are built with the backend's
 * key layout and serializers, and `checkSameBytes` compares them, untimed, with what a real
 * RocksDB backend writes for the same state call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { State, StateDescriptor } from 'flink-ts';
import { defaultSerializer } from '../../src/runtime/serialization/msgpack-serializer.ts';
import { KeySerializer } from '../../src/runtime/serialization/key-serializer.ts';
import { NamespaceSerializer } from '../../src/runtime/serialization/namespace-serializer.ts';
import { computeKeyGroupForKeyHash } from '../../src/runtime/state/key-group-range-assignment.ts';
import { hashKey } from '../../src/runtime/state/key-hash.ts';
import { VOID_NAMESPACE } from '../../src/runtime/state/keyed-state-backend.ts';
import type { AbstractRocksDBState } from '../../src/runtime/state/rocksdb/abstract-rocksdb-state.ts';
import { DEFAULT_MAX_WRITE_BUFFER_NUMBER, DEFAULT_WRITE_BUFFER_SIZE } from '../../src/runtime/state/rocksdb/rocksdb-keyed-state-backend.ts';
import { appendUserKey, bytesEqual, serializeKeyPrefix, serializeStateKey } from '../../src/runtime/state/rocksdb/rocksdb-key-layout.ts';
import { NativeColumnFamily, NativeWriteBatch, type ColumnFamilyOptions } from '../../src/runtime/state/rocksdb/rocksdb-native.ts';
import { MAX_PARALLELISM, openKeyedBackend } from './state-backends.ts';
import type { Trial } from './state-harness.ts';

/** What RocksDBKeyedStateBackend opens its column families with, by default. */
const BACKEND_OPTIONS: ColumnFamilyOptions = {
  writeBufferSize: DEFAULT_WRITE_BUFFER_SIZE,
  maxWriteBufferNumber: DEFAULT_MAX_WRITE_BUFFER_NUMBER,
  parallelismThreads: 1,
  enableStats: false,
  disableWAL: true,
};

export const VALUE_SERIALIZER = defaultSerializer<unknown>();

export interface BindingColumnFamily {
  readonly cf: NativeColumnFamily;
  /** Closes the database without flushing it (as the backend's dispose) and removes its directory. */
  close(): void;
}

/** A fresh database in a temporary directory with one column family `name`, opened as the backend opens its states'. */
export function openBindingColumnFamily(name: string): BindingColumnFamily {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'flink-ts-bench-binding-'));
  let cf: NativeColumnFamily;
  try {
    cf = new NativeColumnFamily(directory, name, BACKEND_OPTIONS);
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    cf,
    close() {
      try {
        cf.destroyDatabase();
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    },
  };
}

/** The RocksDB key the backend writes for `key` in the void namespace (`key group | key | namespace`). */
export function stateKeyOf(key: unknown): Uint8Array {
  const keyGroup = computeKeyGroupForKeyHash(hashKey(key), MAX_PARALLELISM);
  return serializeStateKey(serializeKeyPrefix(keyGroup, KeySerializer.INSTANCE.serialize(key)), NamespaceSerializer.DEFAULT.serialize(VOID_NAMESPACE));
}

/** The RocksDB key of a map entry: the state key followed by the serialized user key. */
export function mapEntryKeyOf(key: unknown, userKey: unknown): Uint8Array {
  return appendUserKey(stateKeyOf(key), VALUE_SERIALIZER.serialize(userKey));
}

/**
 * Copies byte arrays into one shared buffer and returns views of it. A small typed array of its
 * own lives on the V8 heap and is moved off it the first time native code asks for its data;
 * views into one large buffer (what MessagePack hands the backend, too) never are, so the timed
 * part does not pay for that move.
 */
export function packed(arrays: readonly Uint8Array[]): Uint8Array[] {
  let size = 0;
  for (const a of arrays) size += a.length;
  const store = new Uint8Array(Math.max(size, 1));
  const out: Uint8Array[] = [];
  let at = 0;
  for (const a of arrays) {
    store.set(a, at);
    out.push(store.subarray(at, at + a.length));
    at += a.length;
  }
  return out;
}

/** Serializes values with the backend's default serializer, packed. */
export function packedValues(values: readonly unknown[]): Uint8Array[] {
  return packed(values.map((v) => VALUE_SERIALIZER.serialize(v)));
}

// Prebuilt once per process (a process runs one case) and shared by its trials.
let numbers: readonly Uint8Array[] = [];
const stateKeysByCount = new Map<number, readonly Uint8Array[]>();

/** The serialized numbers 0 … count − 1, index = number. */
export function serializedNumbers(count: number): readonly Uint8Array[] {
  if (numbers.length < count) numbers = packedValues(Array.from({ length: count }, (_, i) => i));
  return numbers;
}

/** The RocksDB keys of the keys 0 … count − 1 in the void namespace, index = key. */
export function stateKeys(count: number): readonly Uint8Array[] {
  let keys = stateKeysByCount.get(count);
  if (keys === undefined) {
    keys = packed(Array.from({ length: count }, (_, k) => stateKeyOf(k)));
    stateKeysByCount.set(count, keys);
  }
  return keys;
}

export interface StoredEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/**
 * Untimed check that the baseline writes the backend's bytes: on a fresh RocksDB backend, sets
 * `key`, lets `write` make one state call, and compares the single entry it left in the state's
 * column family with `expected`.
 */
export async function checkSameBytes<S extends State>(what: string, descriptor: StateDescriptor<any>, key: unknown, write: (state: S) => void, expected: StoredEntry): Promise<void> {
  const opened = await openKeyedBackend('rocksdb', 'binding-layout-check');
  try {
    const state = opened.backend.getPartitionedState<S>(descriptor);
    opened.backend.setCurrentKey(key);
    write(state);
    const it = (state as unknown as AbstractRocksDBState).columnFamily.iterate();
    const entries: StoredEntry[] = [];
    try {
      for (let e = it.next(); e !== undefined; e = it.next()) entries.push(e);
    } finally {
      it.close();
    }
    const found = entries[0];
    if (entries.length !== 1 || !bytesEqual(found!.key, expected.key) || !bytesEqual(found!.value, expected.value)) {
      const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
      const stored = entries.map((e) => `${hex(e.key)}=${hex(e.value)}`).join(', ');
      throw new Error(`${what}: the binding baseline writes ${hex(expected.key)}=${hex(expected.value)}, but the RocksDB backend wrote ${stored || 'nothing'}`);
    }
  } finally {
    await opened.close();
  }
}

/**
 * A trial of blind writes through the binding's only batch path, a transaction (the wrapper
 * NativeWriteBatch): `batchSize` put() calls, then commit(), until `n` writes are done. Key and
 * value of write i are keys[i % keys.length] and values[i]; the content read back is the sum of
 * the values left.
 */
export function batchWriteTrial(name: string, keys: readonly Uint8Array[], values: readonly Uint8Array[], n: number, batchSize: number, prefill: Uint8Array): Trial {
  const opened = openBindingColumnFamily(name);
  const { cf } = opened;
  for (const key of keys) cf.put(key, prefill);
  return {
    run() {
      const count = keys.length;
      for (let i = 0; i < n; ) {
        const batch = new NativeWriteBatch(cf);
        const end = Math.min(n, i + batchSize);
        for (; i < end; i++) batch.put(cf, keys[i % count]!, values[i]!);
        batch.commit();
      }
      return n;
    },
    finish() {
      try {
        return sumOfValues(cf, keys);
      } finally {
        opened.close();
      }
    },
  };
}

/** Untimed read-back: the sum of the numbers stored under `keys`. */
export function sumOfValues(cf: NativeColumnFamily, keys: readonly Uint8Array[]): number {
  let sum = 0;
  for (const key of keys) {
    const bytes = cf.get(key);
    if (bytes !== undefined) sum += VALUE_SERIALIZER.deserialize(bytes) as number;
  }
  return sum;
}
