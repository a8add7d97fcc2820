/*
 * The cursor of incremental TTL cleanup over one RocksDB state: it walks the state's column
 * family across the backend's key groups, a few entries per pass, removes expired values (and
 * rewrites lists that lost expired elements) in one write batch, and wraps around at the end.
 */
import type { StateType } from '../../../api/state/state.ts';
import type { TtlCleanupCursor } from '../ttl/ttl-incremental-cleanup.ts';
import type { NativeColumnFamily, NativeWriteBatch } from './rocksdb-native.ts';
import { pruneExpired } from './rocksdb-ttl.ts';

export class RocksDBTtlCleanupCursor implements TtlCleanupCursor {
  private readonly columnFamily: NativeColumnFamily;
  private readonly type: StateType;
  private readonly ttlMillis: number;
  private readonly rangeStart: Uint8Array;
  private readonly rangeEnd: Uint8Array;
  private readonly newWriteBatch: () => NativeWriteBatch;
  private cursor: Uint8Array | undefined;
  /** Entries removed or rewritten so far. */
  cleaned = 0;

  constructor(
    columnFamily: NativeColumnFamily,
    type: StateType,
    ttlMillis: number,
    range: { readonly start: Uint8Array; readonly end: Uint8Array },
    newWriteBatch: () => NativeWriteBatch,
  ) {
    this.columnFamily = columnFamily;
    this.type = type;
    this.ttlMillis = ttlMillis;
    this.rangeStart = range.start;
    this.rangeEnd = range.end;
    this.newWriteBatch = newWriteBatch;
  }

  cleanupSome(count: number, now: number): void {
    const cf = this.columnFamily;
    const writes = this.newWriteBatch();
    const it = cf.iterate(this.cursor ?? this.rangeStart, this.rangeEnd);
    let examined = 0;
    let next: Uint8Array | undefined;
    try {
      for (let e = it.next(); e !== undefined; e = it.next()) {
        if (examined === count) {
          next = e.key;
          break;
        }
        examined++;
        const pruned = pruneExpired(this.type, e.value, this.ttlMillis, now);
        if (pruned === undefined) writes.remove(cf, e.key);
        else if (pruned !== e.value) writes.put(cf, e.key, pruned);
      }
    } finally {
      it.close();
    }
    this.cursor = next;
    const changed = writes.size;
    if (changed > 0) writes.commit();
    else writes.abort();
    this.cleaned += changed;
  }
}
