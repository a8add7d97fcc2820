/*
 * The portable format of a keyed state snapshot, the same for every backend (Flink's canonical
 * savepoint format): per state its meta data (name, type, serializer snapshots, TTL), and per key
 * group the serialized entries (key, namespace, value). Each key group is a separate byte block,
 * so that restoring into a different parallelism reads only the key groups it owns.
 */
import type { StateType } from '../../../api/state/state.ts';
import type { SerializerSnapshot } from '../../serialization/type-serializer.ts';

export const KEYED_STATE_SNAPSHOT_VERSION = 1;

export interface StateMetaInfo {
  readonly name: string;
  /** The state's kind, or 'TIMER' for a timer queue (entries as map entries timestamp -> empty). */
  readonly type: StateType | 'TIMER';
  readonly keySerializer: SerializerSnapshot;
  readonly namespaceSerializer: SerializerSnapshot;
  readonly valueSerializer: SerializerSnapshot;
  /** Map states: the serializer of the user map's keys. */
  readonly userKeySerializer?: SerializerSnapshot;
  readonly ttlMillis?: number;
}

export interface KeyedStateSnapshot {
  readonly version: number;
  /** The backend that wrote it ('hashmap' | 'rocksdb'); any backend can read it. */
  readonly backendType: string;
  readonly maxParallelism: number;
  readonly keyGroupRange: { readonly startKeyGroup: number; readonly endKeyGroup: number };
  readonly states: readonly StateMetaInfo[];
  /**
   * Entries per absolute key group. A block is a sequence of records, each:
   * u16 state index | u32 key length | key | u32 namespace length | namespace | u32 value length | value
   * (big-endian lengths; for map states the value is u32 user-key length | user key | value bytes;
   * for list states the value is the serialized list).
   */
  readonly keyGroups: ReadonlyMap<number, Uint8Array>;
}
