/*
 * State TTL on RocksDB. The TTL states themselves are the shared wrappers of ../ttl (Flink's
 * TtlStateFactory design): the RocksDB states below them store TtlValues in the shared encoding
 * (8-byte big-endian timestamp | user value bytes, ../ttl/ttl-value.ts) per value, list element
 * and map entry. What is specific to RocksDB is cleaning up stored bytes without deserializing
 * them — in full snapshots and in incremental passes over a column family — and standing in for
 * RocksDB's compaction filter, which no available binding can install: `cleanupInRocksdbCompactFilter`
 * is served by the same incremental passes, N entries every N state accesses.
 */
import type { StateTtlConfig } from '../../../api/state/state-ttl-config.ts';
import { StateTypes, type StateType } from '../../../api/state/state.ts';
import { decodeByteList, encodeByteList } from '../snapshot/key-group-block.ts';
import { TtlIncrementalCleanup, type TtlCleanupCursor } from '../ttl/ttl-incremental-cleanup.ts';
import type { TtlTimeProvider } from '../ttl/ttl-time-provider.ts';
import { isExpiredBytes } from '../ttl/ttl-value.ts';

/**
 * The stored bytes of one RocksDB entry without its expired parts: the same bytes if nothing
 * expired, undefined if everything did, new bytes for a list that lost some elements.
 */
export function pruneExpired(type: StateType | 'TIMER', stored: Uint8Array, ttlMillis: number, now: number): Uint8Array | undefined {
  if (type !== StateTypes.LIST) return isExpiredBytes(stored, ttlMillis, now) ? undefined : stored;
  const elements = decodeByteList(stored);
  const live = elements.filter((e) => !isExpiredBytes(e, ttlMillis, now));
  if (live.length === elements.length) return stored;
  return live.length === 0 ? undefined : encodeByteList(live);
}

export interface TtlCleanupHooks {
  /** Runs on every access of the state; null without incremental cleanup. */
  readonly onAccess: (() => void) | null;
  /** Also runs on every record (setCurrentKey). */
  readonly everyRecord: boolean;
}

/**
 * The access hooks of a state's TTL cleanup: Flink's incremental cleanup as configured, or, for
 * the compaction filter, a pass over `queryTimeAfterNumEntries` entries every as many accesses —
 * about one entry examined per access, while the job runs.
 */
export function ttlCleanupHooks(config: StateTtlConfig, cursor: TtlCleanupCursor, timeProvider: TtlTimeProvider): TtlCleanupHooks {
  const incremental = config.cleanupStrategies.incremental;
  if (incremental !== null) {
    const cleanup = new TtlIncrementalCleanup(incremental.cleanupSize, cursor, timeProvider);
    return { onAccess: () => cleanup.stateAccessed(), everyRecord: incremental.runCleanupForEveryRecord };
  }
  const compaction = config.cleanupStrategies.rocksdbCompactionFilter;
  if (compaction !== null) {
    const every = Math.max(1, Math.trunc(compaction.queryTimeAfterNumEntries));
    const cleanup = new TtlIncrementalCleanup(every, cursor, timeProvider);
    let accesses = 0;
    return {
      onAccess: () => {
        if (++accesses < every) return;
        accesses = 0;
        cleanup.stateAccessed();
      },
      everyRecord: false,
    };
  }
  return { onAccess: null, everyRecord: false };
}
