/*
 * Chooses a job's state backend (Flink's StateBackendLoader): the one set with
 * env.setStateBackend() wins; otherwise `state.backend.type` names it — 'hashmap' (the default)
 * or 'rocksdb'. The RocksDB backend is imported only when asked for, so that jobs on the heap
 * never load the native binding. A backend set in code that has configure() (Flink's
 * ConfigurableStateBackend) takes from the configuration what it leaves open.
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';
import { CheckpointingOptions } from '../../configuration/config-options.ts';
import type { Configuration } from '../../configuration/configuration.ts';
import { HashMapStateBackend } from './hash-map-state-backend.ts';
import type { StateBackend } from './keyed-state-backend.ts';

/** Where the RocksDB state backend lives, relative to this module. */
export const ROCKSDB_STATE_BACKEND_MODULE = './rocksdb/rocksdb-state-backend.ts';

interface RocksDBStateBackendModule {
  readonly RocksDBStateBackend?: { fromConfiguration?(configuration: Configuration): StateBackend };
}

/**
 * The state backend of a job. `rocksdbModule` (a specifier resolved from this module) is for
 * tests that load a stand-in.
 */
export async function loadStateBackend(configuration: Configuration, explicit?: StateBackend | null, rocksdbModule: string = ROCKSDB_STATE_BACKEND_MODULE): Promise<StateBackend> {
  if (explicit !== undefined && explicit !== null) return configure(explicit, configuration);
  const type = configuration.get(CheckpointingOptions.STATE_BACKEND);
  switch (type) {
    case 'hashmap':
      return HashMapStateBackend.fromConfiguration(configuration);
    case 'rocksdb':
      return loadRocksDBStateBackend(configuration, rocksdbModule);
    default:
      throw new FlinkError(ErrorCodes.FLINK_TS_CONFIGURATION, `Unknown state backend '${String(type)}' in '${CheckpointingOptions.STATE_BACKEND.key}': use 'hashmap' or 'rocksdb'`);
  }
}

function configure(backend: StateBackend, configuration: Configuration): StateBackend {
  const configurable = backend as StateBackend & { configure?(configuration: Configuration): StateBackend };
  return typeof configurable.configure === 'function' ? configurable.configure(configuration) : backend;
}

/**
 * Whether the job checkpoints keyed state incrementally: a backend that decides it
 * (RocksDBStateBackend.isIncrementalCheckpointsEnabled) wins over `configured`, the
 * configuration's 'execution.checkpointing.incremental'.
 */
export function incrementalCheckpointsOf(backend: StateBackend, configured: boolean): boolean {
  const b = backend as StateBackend & { isIncrementalCheckpointsEnabled?(): boolean };
  return typeof b.isIncrementalCheckpointsEnabled === 'function' ? b.isIncrementalCheckpointsEnabled() : configured;
}

async function loadRocksDBStateBackend(configuration: Configuration, specifier: string): Promise<StateBackend> {
  const unavailable = (why: string, cause?: unknown): FlinkError =>
    new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, `The RocksDB state backend ('${CheckpointingOptions.STATE_BACKEND.key}: rocksdb') is not available: ${why}`, cause === undefined ? {} : { cause });
  let module: RocksDBStateBackendModule;
  try {
    // A computed specifier: the module (and its native binding) loads only when RocksDB is chosen.
    module = (await import(specifier)) as RocksDBStateBackendModule;
  } catch (e) {
    throw unavailable(`its module failed to load (${e instanceof Error ? e.message : String(e)})`, e);
  }
  const factory = module.RocksDBStateBackend;
  if (typeof factory?.fromConfiguration !== 'function') throw unavailable('its module does not export RocksDBStateBackend.fromConfiguration()');
  try {
    return factory.fromConfiguration(configuration);
  } catch (e) {
    if (FlinkError.isFlinkError(e)) throw e;
    throw unavailable(e instanceof Error ? e.message : String(e), e);
  }
}
