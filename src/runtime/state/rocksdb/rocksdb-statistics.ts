/*
 * Statistics of one RocksDB keyed state backend, read from the database itself: properties (per
 * column family, summed; block cache and stall figures are database-wide), and — when statistics
 * are enabled — tickers and histograms. Metric names are Flink's (the RocksDB property and ticker
 * names that `state.backend.rocksdb.metrics.*` switch on), plus a few derived figures.
 *
 * Back-pressure level, in [0, 1], the largest of three pressures:
 *   memtable   = clamp((memtable bytes / memtable budget - 0.5) / 0.5), budget = write buffer size
 *                x max write buffer number x column families: 0 until half the budget is used,
 *                1 when it is full (RocksDB then stalls writes until a flush finishes);
 *   compaction = clamp(pending compaction bytes / 64 GiB), RocksDB's default soft limit at which
 *                it starts to delay writes;
 *   stall      = 1 while writes are stopped; otherwise the share of wall time spent in write
 *                stalls since the previous reading (ticker rocksdb.stall.micros), and at least
 *                0.75 while RocksDB delays writes (actual-delayed-write-rate > 0).
 */
import type { KeyedStateBackendStatistics } from '../keyed-state-backend.ts';
import type { NativeColumnFamily } from './rocksdb-native.ts';

/** RocksDB's default soft_pending_compaction_bytes_limit. */
export const SOFT_PENDING_COMPACTION_BYTES_LIMIT = 64 * 1024 ** 3;

const SUMMED_PROPERTIES = [
  'rocksdb.cur-size-all-mem-tables',
  'rocksdb.size-all-mem-tables',
  'rocksdb.cur-size-active-mem-table',
  'rocksdb.num-immutable-mem-table',
  'rocksdb.mem-table-flush-pending',
  'rocksdb.compaction-pending',
  'rocksdb.estimate-table-readers-mem',
  'rocksdb.estimate-pending-compaction-bytes',
  'rocksdb.estimate-num-keys',
  'rocksdb.estimate-live-data-size',
  'rocksdb.total-sst-files-size',
  'rocksdb.live-sst-files-size',
  'rocksdb.num-live-versions',
] as const;

const DATABASE_PROPERTIES = [
  'rocksdb.block-cache-usage',
  'rocksdb.block-cache-capacity',
  'rocksdb.block-cache-pinned-usage',
  'rocksdb.num-running-compactions',
  'rocksdb.num-running-flushes',
  'rocksdb.background-errors',
  'rocksdb.actual-delayed-write-rate',
  'rocksdb.is-write-stopped',
  'rocksdb.num-snapshots',
] as const;

const TICKERS = [
  'rocksdb.number.keys.read',
  'rocksdb.number.keys.written',
  'rocksdb.bytes.read',
  'rocksdb.bytes.written',
  'rocksdb.block.cache.hit',
  'rocksdb.block.cache.miss',
  'rocksdb.memtable.hit',
  'rocksdb.memtable.miss',
  'rocksdb.stall.micros',
  'rocksdb.compact.read.bytes',
  'rocksdb.compact.write.bytes',
  'rocksdb.flush.write.bytes',
] as const;

const HISTOGRAMS = ['rocksdb.db.get.micros', 'rocksdb.db.write.micros'] as const;

export interface LatencyMicros {
  readonly p50: number;
  readonly p99: number;
}

export interface RocksDBStatistics extends KeyedStateBackendStatistics {
  readonly statisticsEnabled: boolean;
  readonly memTableBytes: number;
  readonly blockCacheUsageBytes: number;
  readonly tableReadersBytes: number;
  /** Memtables + block cache + table readers. */
  readonly memoryUsageBytes: number;
  readonly pendingCompactionBytes: number;
  /** Undefined unless statistics are enabled. */
  readonly readLatencyMicros: LatencyMicros | undefined;
  readonly writeLatencyMicros: LatencyMicros | undefined;
  /** Since the previous reading (since open for the first); 0 unless statistics are enabled. */
  readonly readsPerSecond: number;
  readonly writesPerSecond: number;
  readonly writesStopped: boolean;
  readonly delayedWriteRate: number;
  readonly backPressureLevel: number;
}

export interface MemTableBudget {
  readonly writeBufferSize: number;
  readonly maxWriteBufferNumber: number;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

export function backPressureLevel(input: {
  memTableBytes: number;
  memTableBudgetBytes: number;
  pendingCompactionBytes: number;
  writesStopped: boolean;
  delayedWriteRate: number;
  stallShare: number;
}): number {
  const memtable = clamp01((input.memTableBytes / input.memTableBudgetBytes - 0.5) / 0.5);
  const compaction = clamp01(input.pendingCompactionBytes / SOFT_PENDING_COMPACTION_BYTES_LIMIT);
  const stall = input.writesStopped ? 1 : Math.max(input.delayedWriteRate > 0 ? 0.75 : 0, clamp01(input.stallShare));
  return Math.max(memtable, compaction, stall);
}

export class RocksDBStatisticsCollector {
  private readonly budget: MemTableBudget;
  private readonly now: () => number;
  private last: { time: number; reads: number; writes: number; stallMicros: number };

  constructor(budget: MemTableBudget, now: () => number = () => performance.now()) {
    this.budget = budget;
    this.now = now;
    this.last = { time: now(), reads: 0, writes: 0, stallMicros: 0 };
  }

  /** Reads the figures of the database the handles belong to; `stateHandles` count entries. */
  collect(handles: readonly NativeColumnFamily[], stateHandles: readonly NativeColumnFamily[]): RocksDBStatistics {
    const metrics: Record<string, number> = {};
    for (const name of SUMMED_PROPERTIES) {
      let sum = 0;
      for (const h of handles) sum += h.intProperty(name) ?? 0;
      metrics[name] = sum;
    }
    const any = handles[0];
    for (const name of DATABASE_PROPERTIES) metrics[name] = any?.intProperty(name) ?? 0;
    let numEntries = 0;
    for (const h of stateHandles) numEntries += h.intProperty('rocksdb.estimate-num-keys') ?? 0;

    const stats = any?.statistics();
    let readLatencyMicros: LatencyMicros | undefined;
    let writeLatencyMicros: LatencyMicros | undefined;
    let readsPerSecond = 0;
    let writesPerSecond = 0;
    let stallShare = 0;
    const time = this.now();
    if (stats !== undefined) {
      for (const name of TICKERS) metrics[name] = typeof stats[name] === 'number' ? (stats[name] as number) : 0;
      for (const name of HISTOGRAMS) {
        const h = stats[name] as { median?: number; percentile99?: number } | undefined;
        metrics[`${name}.p50`] = h?.median ?? 0;
        metrics[`${name}.p99`] = h?.percentile99 ?? 0;
      }
      readLatencyMicros = { p50: metrics['rocksdb.db.get.micros.p50']!, p99: metrics['rocksdb.db.get.micros.p99']! };
      writeLatencyMicros = { p50: metrics['rocksdb.db.write.micros.p50']!, p99: metrics['rocksdb.db.write.micros.p99']! };
      const seconds = Math.max((time - this.last.time) / 1000, 1e-3);
      const reads = metrics['rocksdb.number.keys.read']!;
      const writes = metrics['rocksdb.number.keys.written']!;
      const stallMicros = metrics['rocksdb.stall.micros']!;
      readsPerSecond = Math.max(0, reads - this.last.reads) / seconds;
      writesPerSecond = Math.max(0, writes - this.last.writes) / seconds;
      stallShare = Math.max(0, stallMicros - this.last.stallMicros) / (seconds * 1e6);
      this.last = { time, reads, writes, stallMicros };
    }

    const memTableBytes = metrics['rocksdb.cur-size-all-mem-tables']!;
    const blockCacheUsageBytes = metrics['rocksdb.block-cache-usage']!;
    const tableReadersBytes = metrics['rocksdb.estimate-table-readers-mem']!;
    const pendingCompactionBytes = metrics['rocksdb.estimate-pending-compaction-bytes']!;
    const writesStopped = metrics['rocksdb.is-write-stopped']! > 0;
    const delayedWriteRate = metrics['rocksdb.actual-delayed-write-rate']!;
    const level = backPressureLevel({
      memTableBytes,
      memTableBudgetBytes: this.budget.writeBufferSize * this.budget.maxWriteBufferNumber * Math.max(1, handles.length),
      pendingCompactionBytes,
      writesStopped,
      delayedWriteRate,
      stallShare,
    });
    metrics['rocksdb.memory-usage'] = memTableBytes + blockCacheUsageBytes + tableReadersBytes;
    metrics['rocksdb.reads-per-second'] = readsPerSecond;
    metrics['rocksdb.writes-per-second'] = writesPerSecond;
    metrics['rocksdb.back-pressure-level'] = level;
    return {
      numEntries,
      metrics,
      statisticsEnabled: stats !== undefined,
      memTableBytes,
      blockCacheUsageBytes,
      tableReadersBytes,
      memoryUsageBytes: metrics['rocksdb.memory-usage'],
      pendingCompactionBytes,
      readLatencyMicros,
      writeLatencyMicros,
      readsPerSecond,
      writesPerSecond,
      writesStopped,
      delayedWriteRate,
      backPressureLevel: level,
    };
  }
}
