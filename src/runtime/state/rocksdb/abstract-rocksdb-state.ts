/*
 * The base of the RocksDB states: one column family per state, entries keyed by the current key
 * (serialized once per setCurrentKey by the backend) and the current namespace (serialized once
 * per setCurrentNamespace). The RocksDB key of the current key and namespace is cached until
 * either changes, so repeated accesses for one record cost a native get/put and (de)serializing
 * the value, nothing more. States with TTL are the shared TTL wrappers (../ttl) over these states,
 * whose serializer then writes TtlValues.
 */
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import type { StateDescriptor } from '../../../api/state/state-descriptor.ts';
import { NamespaceSerializer } from '../../serialization/namespace-serializer.ts';
import { VOID_NAMESPACE, type InternalKvState, type Namespace } from '../keyed-state-backend.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';
import { bytesEqual, prefixEnd, serializeStateKey } from './rocksdb-key-layout.ts';
import type { NativeColumnFamily, NativeWriteBatch } from './rocksdb-native.ts';

const EMPTY = new Uint8Array(0);

/** What a state needs from its backend. */
export interface RocksDBStateContext {
  readonly where: string;
  /** Changes on every setCurrentKey; 0 while no key was ever set. */
  readonly keyVersion: number;
  /** `key group | key` of the current key. */
  readonly currentKeyPrefix: Uint8Array;
  requireKey(what: string): void;
  newWriteBatch(): NativeWriteBatch;
}

export interface RocksDBStateParts {
  readonly context: RocksDBStateContext;
  readonly columnFamily: NativeColumnFamily;
}

export abstract class AbstractRocksDBState implements InternalKvState {
  readonly descriptor: StateDescriptor<unknown>;
  readonly columnFamily: NativeColumnFamily;
  protected readonly context: RocksDBStateContext;
  private namespace: Namespace = VOID_NAMESPACE;
  protected namespaceBytes: Uint8Array = EMPTY;
  private cachedKey: Uint8Array = EMPTY;
  private cachedKeyVersion = -1;

  constructor(descriptor: StateDescriptor<any>, parts: RocksDBStateParts) {
    this.descriptor = descriptor;
    this.context = parts.context;
    this.columnFamily = parts.columnFamily;
  }

  setCurrentNamespace(namespace: Namespace): void {
    if (namespace === this.namespace) return;
    this.namespaceBytes = NamespaceSerializer.DEFAULT.serialize(namespace);
    this.namespace = namespace;
    this.cachedKeyVersion = -1;
  }

  /** The RocksDB key of the current key in the current namespace. */
  protected stateKey(): Uint8Array {
    const c = this.context;
    if (this.cachedKeyVersion !== c.keyVersion) {
      c.requireKey(`State '${this.descriptor.name}'`);
      this.cachedKey = serializeStateKey(c.currentKeyPrefix, this.namespaceBytes);
      this.cachedKeyVersion = c.keyVersion;
    }
    return this.cachedKey;
  }

  /** The RocksDB key of the current key in another namespace. */
  protected stateKeyIn(namespace: Namespace): Uint8Array {
    this.context.requireKey(`State '${this.descriptor.name}'`);
    return serializeStateKey(this.context.currentKeyPrefix, NamespaceSerializer.DEFAULT.serialize(namespace));
  }

  clear(): void {
    this.columnFamily.remove(this.stateKey());
  }

  mergeNamespaces(_target: Namespace, _sources: readonly Namespace[]): void {
    throw new FlinkError(
      ErrorCodes.FLINK_TS_UNSUPPORTED,
      `State '${this.descriptor.name}' of ${this.context.where} is a ${this.descriptor.type} state, which cannot merge namespaces (only list, reducing and aggregating states can)`,
    );
  }

  /**
   * Flink's AbstractRocksDBAppendingState merge: the sources' values are removed and merged, then
   * merged into the target's value (a merge may yield undefined, e.g. when TTL expired both sides).
   */
  protected mergeWith<V>(target: Namespace, sources: readonly Namespace[], serializer: TypeSerializer<V>, merge: (a: V, b: V) => V | undefined): void {
    const cf = this.columnFamily;
    const targetKey = this.stateKeyIn(target);
    let merged: V | undefined;
    for (const source of sources) {
      const sourceKey = this.stateKeyIn(source);
      if (bytesEqual(sourceKey, targetKey)) continue;
      const bytes = cf.get(sourceKey);
      if (bytes === undefined) continue;
      cf.remove(sourceKey);
      const value = serializer.deserialize(bytes);
      merged = merged === undefined ? value : merge(merged, value);
    }
    if (merged === undefined || merged === null) return;
    const current = cf.get(targetKey);
    const result = current === undefined ? merged : merge(serializer.deserialize(current), merged);
    if (result === undefined || result === null) cf.remove(targetKey);
    else cf.put(targetKey, serializer.serialize(result));
  }

  /** Removes every entry whose RocksDB key starts with `prefix` (the entries of a map). */
  protected removePrefix(prefix: Uint8Array): void {
    const it = this.columnFamily.iterate(prefix, prefixEnd(prefix));
    const batch = this.context.newWriteBatch();
    try {
      for (let e = it.next(); e !== undefined; e = it.next()) batch.remove(this.columnFamily, e.key);
    } finally {
      it.close();
    }
    if (batch.size > 0) batch.commit();
    else batch.abort();
  }
}
