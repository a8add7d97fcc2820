/*
 * The 'flink-ts/rocksdb' entry point: the RocksDB state backend and its configuration. Kept apart
 * from 'flink-ts' so that jobs on the heap backend never load the native binding.
 */
export { RocksDBStateBackend, type RocksDBStateBackendOptions } from './runtime/state/rocksdb/rocksdb-state-backend.ts';
export {
  PredefinedOptions,
  resolveRocksDBOptions,
  type BlockBasedTableOptions,
  type ResolvedRocksDBOptions,
  type RocksDBConfiguration,
} from './runtime/state/rocksdb/rocksdb-options.ts';
export { RocksDBKeyedStateBackend, type RocksDBKeyedStateBackendOptions } from './runtime/state/rocksdb/rocksdb-keyed-state-backend.ts';
export type { NativeCheckpointInfo } from './runtime/state/rocksdb/rocksdb-native-checkpoint.ts';
export { backPressureLevel, type LatencyMicros, type RocksDBStatistics } from './runtime/state/rocksdb/rocksdb-statistics.ts';
export { ROCKSDB_BINDING_PACKAGE, rocksDBAvailability, type RocksDBAvailability } from './runtime/state/rocksdb/rocksdb-native.ts';
export { ROCKSDB_DATA_DIR_ENV } from './runtime/state/rocksdb/rocksdb-state-directory.ts';
