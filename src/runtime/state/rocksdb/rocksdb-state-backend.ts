/*
 * RocksDBStateBackend (Flink's EmbeddedRocksDBStateBackend): keyed state in an embedded RocksDB
 * database per keyed operator subtask, under `<dbPath>/job_<job>_op_<operator>_sub_<i>`. Chosen
 * with env.setStateBackend(new RocksDBStateBackend({...})) or `state.backend.type: rocksdb`.
 */
import { join } from 'node:path';
import type { Configuration } from '../../../configuration/configuration.ts';
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import { getLogger, type Logger } from '../../../utils/logger.ts';
import type { KeyedStateBackendParameters, StateBackend } from '../keyed-state-backend.ts';
import type { TtlTimeProvider } from '../ttl/ttl-time-provider.ts';
import { RocksDBKeyedStateBackend } from './rocksdb-keyed-state-backend.ts';
import { configureBlockCache, rocksDBAvailability, type RocksDBAvailability } from './rocksdb-native.ts';
import { resolveRocksDBOptions, type ResolvedRocksDBOptions, type RocksDBConfiguration } from './rocksdb-options.ts';
import { instanceDirectoryName, resolveBaseDirectory } from './rocksdb-state-directory.ts';

const defaultLogger = getLogger('rocksdb-state-backend');

// Warnings a person acts on once per process (and logger), not once per subtask.
const warned = new WeakMap<Logger, Set<string>>();
function warnOnce(logger: Logger, key: string, message: string, details: Record<string, unknown>): void {
  let keys = warned.get(logger);
  if (keys === undefined) {
    keys = new Set();
    warned.set(logger, keys);
  }
  if (keys.has(key)) return;
  keys.add(key);
  logger.warn(details, message);
}

export interface RocksDBStateBackendOptions {
  /** The clock of state TTL (Date.now() by default); tests pass a clock they move by hand. */
  readonly ttlTimeProvider?: TtlTimeProvider;
  /** Environment read for ROCKSDB_DATA_DIR (process.env by default). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where warnings about the configuration go. */
  readonly logger?: Logger;
}

export class RocksDBStateBackend implements StateBackend {
  static readonly TYPE = 'rocksdb';
  readonly type = RocksDBStateBackend.TYPE;
  readonly configuration: Readonly<RocksDBConfiguration>;
  private readonly resolved: ResolvedRocksDBOptions;
  private readonly options: RocksDBStateBackendOptions;

  constructor(configuration: RocksDBConfiguration = {}, options: RocksDBStateBackendOptions = {}) {
    this.resolved = resolveRocksDBOptions(configuration);
    this.configuration = configuration;
    this.options = options;
  }

  /**
   * The backend `state.backend.type: rocksdb` names. The configuration has no RocksDB keys yet, so
   * it takes the defaults; ROCKSDB_DATA_DIR still sets the directory.
   */
  static fromConfiguration(_configuration?: Configuration): RocksDBStateBackend {
    return new RocksDBStateBackend();
  }

  /** Whether the native binding loads on this platform (and why not). */
  static availability(): RocksDBAvailability {
    return rocksDBAvailability();
  }

  /** The directory under which the backends' databases are created. */
  getDbStoragePath(): string {
    return resolveBaseDirectory(this.configuration.dbPath, this.options.env);
  }

  createKeyedStateBackend(parameters: KeyedStateBackendParameters): RocksDBKeyedStateBackend {
    const availability = rocksDBAvailability();
    if (!availability.available) throw new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, `The RocksDB state backend of ${parameters.where} is not available: ${availability.reason}`);
    const r = this.resolved;
    const logger = this.options.logger ?? defaultLogger;
    if (r.unsupported.length > 0) {
      warnOnce(logger, `unsupported:${r.unsupported.join(',')}`, `RocksDB options not supported by the binding are ignored: ${r.unsupported.join(', ')}`, { ignored: r.unsupported });
    }
    if (r.blockCacheSize !== undefined) {
      const inForce = configureBlockCache(r.blockCacheSize);
      if (inForce !== r.blockCacheSize) {
        warnOnce(
          logger,
          `cache:${r.blockCacheSize}`,
          `The RocksDB block cache is shared by the whole process and already has ${inForce} bytes; blockBasedTableOptions.cacheSize=${r.blockCacheSize} is ignored`,
          { inForce, requested: r.blockCacheSize },
        );
      }
    }
    const directory = join(this.getDbStoragePath(), instanceDirectoryName(parameters.jobId, parameters.operatorIdentifier, parameters.subtaskIndex));
    return new RocksDBKeyedStateBackend(parameters, {
      directory,
      columnFamilies: r.columnFamilies,
      writeBufferSize: r.writeBufferSize,
      maxWriteBufferNumber: r.maxWriteBufferNumber,
      parallelismThreads: r.parallelismThreads,
      enableStatistics: r.enableStatistics,
      ...(this.options.ttlTimeProvider === undefined ? {} : { ttlTimeProvider: this.options.ttlTimeProvider }),
    });
  }

  toString(): string {
    return `RocksDBStateBackend{dbPath=${this.getDbStoragePath()}}`;
  }
}
