/*
 * RocksDBStateBackend (Flink's EmbeddedRocksDBStateBackend): keyed state in an embedded RocksDB
 * database per keyed operator subtask, under `<dbPath>/job_<job>_op_<operator>_sub_<i>`. Chosen
 * with env.setStateBackend(new RocksDBStateBackend({...})) or `state.backend.type: rocksdb`.
 *
 * Incremental checkpoints, as in Flink: `new RocksDBStateBackend(true)` (Flink's
 * `new EmbeddedRocksDBStateBackend(true)`), `{ enableIncrementalCheckpointing }` in the options,
 * or 'execution.checkpointing.incremental' ('state.backend.incremental'). A setting given to the
 * constructor wins over the configuration; without one, configure() takes the configuration's.
 */
import { join } from 'node:path';
import { CheckpointingOptions } from '../../../configuration/config-options.ts';
import type { Configuration } from '../../../configuration/configuration.ts';
import { configurationError, ErrorCodes, FlinkError } from '../../../errors.ts';
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
  /**
   * Checkpoints keyed state incrementally (Flink's `new EmbeddedRocksDBStateBackend(true)`): wins
   * over 'execution.checkpointing.incremental'; undefined leaves the choice to the configuration.
   */
  readonly enableIncrementalCheckpointing?: boolean;
}

export class RocksDBStateBackend implements StateBackend {
  static readonly TYPE = 'rocksdb';
  readonly type = RocksDBStateBackend.TYPE;
  readonly configuration: Readonly<RocksDBConfiguration>;
  private readonly resolved: ResolvedRocksDBOptions;
  private readonly options: RocksDBStateBackendOptions;
  /** Flink's TernaryBoolean: undefined until the constructor or configure() decides. */
  private readonly incrementalCheckpointing: boolean | undefined;

  /**
   * `new RocksDBStateBackend(true)` enables incremental checkpoints (Flink's constructor
   * argument); `new RocksDBStateBackend(configuration, options)` sets the RocksDB options, and
   * `options.enableIncrementalCheckpointing` the same choice.
   */
  constructor(configuration: RocksDBConfiguration | boolean = {}, options: RocksDBStateBackendOptions = {}) {
    if (typeof configuration === 'boolean') {
      if (options.enableIncrementalCheckpointing !== undefined && options.enableIncrementalCheckpointing !== configuration) {
        throw configurationError(`new RocksDBStateBackend(${configuration}, ...) contradicts its option enableIncrementalCheckpointing: ${options.enableIncrementalCheckpointing}`);
      }
      options = { ...options, enableIncrementalCheckpointing: configuration };
      configuration = {};
    }
    const incremental = options.enableIncrementalCheckpointing;
    if (incremental !== undefined && typeof incremental !== 'boolean') {
      throw configurationError(`RocksDBStateBackend option enableIncrementalCheckpointing must be a boolean, got ${JSON.stringify(incremental)}`);
    }
    this.resolved = resolveRocksDBOptions(configuration);
    this.configuration = configuration;
    this.options = options;
    this.incrementalCheckpointing = incremental;
  }

  /**
   * The backend `state.backend.type: rocksdb` names. The configuration has no RocksDB keys yet, so
   * it takes the defaults (ROCKSDB_DATA_DIR still sets the directory) and its incremental setting.
   */
  static fromConfiguration(configuration?: Configuration): RocksDBStateBackend {
    const backend = new RocksDBStateBackend();
    return configuration === undefined ? backend : backend.configure(configuration);
  }

  /**
   * Flink's ConfigurableStateBackend.configure(): a backend whose incremental setting the
   * constructor left open takes 'execution.checkpointing.incremental'; one that has it stays as it is.
   */
  configure(configuration: Configuration): RocksDBStateBackend {
    if (this.incrementalCheckpointing !== undefined) return this;
    return new RocksDBStateBackend(this.configuration, { ...this.options, enableIncrementalCheckpointing: configuration.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS) });
  }

  /** Whether keyed state is checkpointed incrementally (false while neither constructor nor configuration said so). */
  isIncrementalCheckpointsEnabled(): boolean {
    return this.incrementalCheckpointing ?? false;
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
    return `RocksDBStateBackend{dbPath=${this.getDbStoragePath()}, incrementalCheckpointing=${this.incrementalCheckpointing ?? 'unset'}}`;
  }
}
