/*
 * Tests of TTL cleanup on RocksDB's stored bytes: pruning values and list elements, incremental
 * cleanup walking a column family, and cleanupInRocksdbCompactFilter served by the same passes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ListStateDescriptor, ValueStateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import type { ListState, ValueState } from '../../../../src/api/state/state.ts';
import { StateTtlConfig } from '../../../../src/api/state/state-ttl-config.ts';
import { StateTypes } from '../../../../src/api/state/state.ts';
import { decodeByteList, encodeByteList } from '../../../../src/runtime/state/snapshot/key-group-block.ts';
import { encodeTtlBytes } from '../../../../src/runtime/state/ttl/ttl-value.ts';
import { pruneExpired } from '../../../../src/runtime/state/rocksdb/rocksdb-ttl.ts';
import type { RocksDBKeyedStateBackend } from '../../../../src/runtime/state/rocksdb/rocksdb-keyed-state-backend.ts';
import { rocksBackend, skipRocksDB } from './rocksdb-test-helpers.ts';

const bytes = (ts: number, v: number): Uint8Array => encodeTtlBytes(ts, new Uint8Array([v]));

/** Entries stored in a state's column family (all key groups). */
function stored(b: RocksDBKeyedStateBackend, state: string): number {
  let n = 0;
  const it = b.instance.columnFamily(state).iterate();
  while (it.next() !== undefined) n++;
  it.close();
  return n;
}

function clock(time = 1_000): { time: number; currentTimestamp(): number } {
  return { time, currentTimestamp(): number { return this.time; } };
}

describe('pruneExpired', () => {
  it('drops expired values, keeps live ones as they are, and rewrites lists that lost elements', () => {
    const live = bytes(950, 1);
    assert.equal(pruneExpired(StateTypes.VALUE, live, 100, 1_000), live);
    assert.equal(pruneExpired(StateTypes.VALUE, bytes(900, 1), 100, 1_000), undefined);
    const list = encodeByteList([bytes(850, 1), bytes(950, 2), bytes(800, 3)]);
    assert.deepEqual(decodeByteList(pruneExpired(StateTypes.LIST, list, 100, 1_000)!).map((e) => e[8]), [2]);
    assert.equal(pruneExpired(StateTypes.LIST, list, 1_000, 1_000), list);
    assert.equal(pruneExpired(StateTypes.LIST, list, 100, 2_000), undefined);
  });
});

describe('RocksDB TTL cleanup', { skip: skipRocksDB }, () => {
  it('incremental cleanup removes expired entries and list elements while the state is used', (t) => {
    const c = clock();
    const ttl = StateTtlConfig.newBuilder(100).cleanupIncrementally(10, false).build();
    const b = rocksBackend(t, {}, { ttlTimeProvider: c });
    const l = b.getPartitionedState<ListState<number>>(new ListStateDescriptor<number>('l').enableTimeToLive(ttl));
    for (let k = 0; k < 50; k++) {
      b.setCurrentKey(k);
      l.add(k);
    }
    c.time = 1_050;
    b.setCurrentKey(0);
    l.add(1_000);
    c.time = 1_120;
    assert.equal(stored(b, 'l'), 50);
    b.setCurrentKey('reader');
    for (let i = 0; i < 10; i++) l.get();
    assert.equal(stored(b, 'l'), 1, 'ten accesses examined 100 entries and removed all expired ones');
    b.setCurrentKey(0);
    assert.deepEqual([...l.get()!], [1_000]);
  });

  it('serves cleanupInRocksdbCompactFilter with a pass of N entries every N accesses', (t) => {
    const c = clock();
    const ttl = StateTtlConfig.newBuilder(100).cleanupInRocksdbCompactFilter(20).build();
    const b = rocksBackend(t, {}, { ttlTimeProvider: c });
    const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('v').enableTimeToLive(ttl));
    // 40 writes are 40 accesses: two passes, nothing expired yet.
    for (let k = 0; k < 40; k++) {
      b.setCurrentKey(k);
      v.update(k);
    }
    c.time = 2_000;
    b.setCurrentKey('someone else');
    for (let i = 0; i < 19; i++) v.value();
    assert.equal(stored(b, 'v'), 40, 'no pass before the 20th access');
    v.value();
    const left = stored(b, 'v');
    assert.ok(left < 40 && left >= 20, `the 20th access examined at most 20 entries: ${left} left`);
    for (let i = 0; i < 40; i++) v.value();
    assert.equal(stored(b, 'v'), 0, 'later passes went on where the previous stopped');
  });

  it('runs incremental cleanup on every record when asked', (t) => {
    const c = clock();
    const ttl = StateTtlConfig.newBuilder(100).cleanupIncrementally(5, true).build();
    const b = rocksBackend(t, {}, { ttlTimeProvider: c });
    const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('v').enableTimeToLive(ttl));
    for (let k = 0; k < 10; k++) {
      b.setCurrentKey(k);
      v.update(k);
    }
    c.time = 2_000;
    b.setCurrentKey('x');
    b.setCurrentKey('y');
    assert.equal(stored(b, 'v'), 0);
  });
});
