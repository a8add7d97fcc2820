/*
 * Tests of the RocksDB backend's statistics: figures read from the database (memtables, keys,
 * block cache, latencies and rates with statistics enabled), Flink's metric names, and the
 * back-pressure level formula.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValueStateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import type { ValueState } from '../../../../src/api/state/state.ts';
import { SOFT_PENDING_COMPACTION_BYTES_LIMIT, backPressureLevel } from '../../../../src/runtime/state/rocksdb/rocksdb-statistics.ts';
import { rocksBackend, skipRocksDB } from './rocksdb-test-helpers.ts';

const calm = { memTableBytes: 0, memTableBudgetBytes: 100, pendingCompactionBytes: 0, writesStopped: false, delayedWriteRate: 0, stallShare: 0 };

describe('backPressureLevel', () => {
  it('is 0 when calm and grows with memtable fill past half the budget, pending compaction and stalls', () => {
    assert.equal(backPressureLevel(calm), 0);
    assert.equal(backPressureLevel({ ...calm, memTableBytes: 50 }), 0);
    assert.equal(backPressureLevel({ ...calm, memTableBytes: 75 }), 0.5);
    assert.equal(backPressureLevel({ ...calm, memTableBytes: 150 }), 1);
    assert.equal(backPressureLevel({ ...calm, pendingCompactionBytes: SOFT_PENDING_COMPACTION_BYTES_LIMIT / 4 }), 0.25);
    assert.equal(backPressureLevel({ ...calm, delayedWriteRate: 1_000 }), 0.75);
    assert.equal(backPressureLevel({ ...calm, stallShare: 0.9, delayedWriteRate: 1_000 }), 0.9);
    assert.equal(backPressureLevel({ ...calm, writesStopped: true }), 1);
  });
});

describe('RocksDB statistics', { skip: skipRocksDB }, () => {
  it('reports memory, keys and Flink-named properties from the database, without latencies when statistics are off', (t) => {
    const b = rocksBackend(t);
    const v = b.getPartitionedState<ValueState<string>>(new ValueStateDescriptor('v'));
    for (let k = 0; k < 1_000; k++) {
      b.setCurrentKey(k);
      v.update('x'.repeat(100));
    }
    const s = b.getStatistics();
    assert.equal(s.statisticsEnabled, false);
    assert.ok(s.memTableBytes > 100_000, `memtables hold the 100 KB written: ${s.memTableBytes}`);
    assert.equal(s.metrics['rocksdb.cur-size-all-mem-tables'], s.memTableBytes);
    assert.ok(s.numEntries >= 1_000 && s.numEntries < 2_000, `about 1000 entries: ${s.numEntries}`);
    for (const name of ['rocksdb.block-cache-usage', 'rocksdb.estimate-table-readers-mem', 'rocksdb.estimate-pending-compaction-bytes', 'rocksdb.actual-delayed-write-rate', 'rocksdb.is-write-stopped']) {
      assert.equal(typeof s.metrics[name], 'number', name);
    }
    assert.ok(s.metrics['rocksdb.block-cache-capacity']! > 0);
    assert.equal(s.memoryUsageBytes, s.memTableBytes + s.blockCacheUsageBytes + s.tableReadersBytes);
    assert.equal(s.readLatencyMicros, undefined);
    assert.equal(s.backPressureLevel, 0);
    assert.equal(s.metrics['rocksdb.back-pressure-level'], 0);
  });

  it('reports latencies and per-second rates when statistics are enabled', (t) => {
    const b = rocksBackend(t, {}, { enableStatistics: true });
    const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v'));
    b.getStatistics();
    for (let k = 0; k < 2_000; k++) {
      b.setCurrentKey(k);
      v.update((v.value() ?? 0) + 1);
    }
    const s = b.getStatistics();
    assert.equal(s.statisticsEnabled, true);
    assert.ok(s.metrics['rocksdb.number.keys.written']! >= 2_000);
    assert.ok(s.metrics['rocksdb.number.keys.read']! >= 2_000);
    assert.ok(s.writesPerSecond > 0 && s.readsPerSecond > 0);
    assert.ok(s.writeLatencyMicros !== undefined && s.writeLatencyMicros.p99 >= s.writeLatencyMicros.p50 && s.writeLatencyMicros.p50 > 0);
    assert.ok(s.readLatencyMicros !== undefined && s.readLatencyMicros.p99 >= s.readLatencyMicros.p50);
    assert.equal(s.metrics['rocksdb.db.write.micros.p99'], s.writeLatencyMicros.p99);
    assert.ok(b.getProperty('rocksdb.stats')!.includes('Compaction Stats'));
  });
});
