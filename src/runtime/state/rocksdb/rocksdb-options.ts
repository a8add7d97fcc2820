/*
 * The RocksDB configuration of the state backend (the seed's RocksDBConfiguration) and its mapping
 * onto what the binding can set. Mapped: writeBufferSize (per column family), maxBackgroundJobs
 * (the database's background threads), blockBasedTableOptions.cacheSize (the process-wide block
 * cache), enableStatistics, dbPath, columnFamilies. The binding has no way to set the block size
 * or the bloom filter's bits per key: those are accepted, kept in the configuration, and reported
 * by one warning (see docs/rocksdb-binding.md).
 */
import { configurationError } from '../../../errors.ts';
import { DEFAULT_MAX_WRITE_BUFFER_NUMBER, DEFAULT_WRITE_BUFFER_SIZE } from './rocksdb-keyed-state-backend.ts';

export interface BlockBasedTableOptions {
  /** Bytes per data block. Not settable through the binding: accepted and reported. */
  readonly blockSize?: number;
  /** Bytes of the block cache, shared by every RocksDB state backend of the process. */
  readonly cacheSize?: number;
  /** Bloom filter bits per key. Not settable through the binding: accepted and reported. */
  readonly bloomFilterBitsPerKey?: number;
}

export interface RocksDBConfiguration {
  /** Directory of the databases; else ROCKSDB_DATA_DIR, else the system temp directory. */
  readonly dbPath?: string;
  /** Column families created in every database besides one per state. */
  readonly columnFamilies?: readonly string[];
  /** Bytes of one memtable (write buffer) per column family. */
  readonly writeBufferSize?: number;
  /** Background threads for flushes and compactions. */
  readonly maxBackgroundJobs?: number;
  readonly blockBasedTableOptions?: BlockBasedTableOptions;
  /** RocksDB statistics (tickers, latency histograms) at a small cost per operation. */
  readonly enableStatistics?: boolean;
}

/** What a configuration turns into for the binding. */
export interface ResolvedRocksDBOptions {
  readonly writeBufferSize: number;
  readonly maxWriteBufferNumber: number;
  readonly parallelismThreads: number;
  readonly enableStatistics: boolean;
  readonly columnFamilies: readonly string[];
  /** Undefined: the binding's default block cache. */
  readonly blockCacheSize: number | undefined;
  /** Options set in the configuration that the binding cannot apply, as `path=value`. */
  readonly unsupported: readonly string[];
}

function positiveInteger(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw configurationError(`RocksDBConfiguration.${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Checks a configuration and maps it onto the binding's options. */
export function resolveRocksDBOptions(configuration: RocksDBConfiguration): ResolvedRocksDBOptions {
  if (typeof configuration !== 'object' || configuration === null) throw configurationError(`RocksDBConfiguration must be an object, got ${String(configuration)}`);
  const c = configuration;
  if (c.dbPath !== undefined && (typeof c.dbPath !== 'string' || c.dbPath === '')) throw configurationError(`RocksDBConfiguration.dbPath must be a non-empty string, got ${JSON.stringify(c.dbPath)}`);
  const columnFamilies = c.columnFamilies ?? [];
  if (!Array.isArray(columnFamilies) || columnFamilies.some((n) => typeof n !== 'string' || n === '')) {
    throw configurationError(`RocksDBConfiguration.columnFamilies must be an array of non-empty names, got ${JSON.stringify(c.columnFamilies)}`);
  }
  if (c.enableStatistics !== undefined && typeof c.enableStatistics !== 'boolean') {
    throw configurationError(`RocksDBConfiguration.enableStatistics must be a boolean, got ${JSON.stringify(c.enableStatistics)}`);
  }
  const table = c.blockBasedTableOptions ?? {};
  const blockSize = positiveInteger(table.blockSize, 'blockBasedTableOptions.blockSize');
  const bloom = positiveInteger(table.bloomFilterBitsPerKey, 'blockBasedTableOptions.bloomFilterBitsPerKey');
  const unsupported: string[] = [];
  if (blockSize !== undefined) unsupported.push(`blockBasedTableOptions.blockSize=${blockSize}`);
  if (bloom !== undefined) unsupported.push(`blockBasedTableOptions.bloomFilterBitsPerKey=${bloom}`);
  return {
    writeBufferSize: positiveInteger(c.writeBufferSize, 'writeBufferSize') ?? DEFAULT_WRITE_BUFFER_SIZE,
    maxWriteBufferNumber: DEFAULT_MAX_WRITE_BUFFER_NUMBER,
    parallelismThreads: positiveInteger(c.maxBackgroundJobs, 'maxBackgroundJobs') ?? 1,
    enableStatistics: c.enableStatistics ?? false,
    columnFamilies,
    blockCacheSize: positiveInteger(table.cacheSize, 'blockBasedTableOptions.cacheSize'),
    unsupported,
  };
}

const MB = 1024 * 1024;

/**
 * Flink's PredefinedOptions, as far as this configuration can express them; combine with your
 * own settings: `{ ...PredefinedOptions.FLASH_SSD_OPTIMIZED, dbPath }`.
 */
export const PredefinedOptions = {
  DEFAULT: {},
  SPINNING_DISK_OPTIMIZED: { maxBackgroundJobs: 4 },
  SPINNING_DISK_OPTIMIZED_HIGH_MEM: { maxBackgroundJobs: 4, writeBufferSize: 64 * MB, blockBasedTableOptions: { blockSize: 128 * 1024, cacheSize: 256 * MB } },
  FLASH_SSD_OPTIMIZED: { maxBackgroundJobs: 4 },
} as const satisfies Record<string, RocksDBConfiguration>;
