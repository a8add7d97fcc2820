/*
 * StateCoordinator: the coordinator side of state. It creates the state backend of a job on a
 * TaskManager (`createStateBackend({ taskManagerId, jobId, config })`), tracks every keyed state
 * backend that tasks create through it, collects their statistics (entries, RocksDB memory,
 * latencies, a back-pressure level that the back-pressure coordinator consumes), logs a periodic
 * summary only when asked, and takes part in checkpoints: the checkpoint coordinator reports each
 * completed checkpoint's state figures to it (checkpointCompleted), which its statistics carry.
 */
import { getLogger, type Logger } from '../../utils/logger.ts';
import { HashMapStateBackend } from './hash-map-state-backend.ts';
import type { KeyedStateBackend, KeyedStateBackendParameters, KeyedStateBackendStatistics, StateBackend } from './keyed-state-backend.ts';

const log = getLogger('StateCoordinator');

/** The seed's StateBackendConfig: a backend type with RocksDB options, or a ready backend. */
export interface StateBackendConfig {
  readonly type?: 'hashmap' | 'rocksdb';
  readonly dbPath?: string;
  readonly columnFamilies?: readonly string[];
  readonly writeBufferSize?: number;
  readonly maxBackgroundJobs?: number;
  readonly blockBasedTableOptions?: { readonly blockSize?: number; readonly cacheSize?: number; readonly bloomFilterBitsPerKey?: number };
  readonly enableStatistics?: boolean;
}

export interface RegisteredKeyedBackend {
  readonly id: string;
  readonly taskManagerId: string;
  readonly jobId: string;
  readonly operator: string;
  readonly subtaskIndex: number;
  readonly backend: KeyedStateBackend;
}

export interface BackendStatistics extends KeyedStateBackendStatistics {
  readonly id: string;
  readonly type: string;
  readonly where: string;
}

/** What the checkpoint coordinator reports of a completed checkpoint's state. */
export interface CheckpointStateStatistics {
  readonly checkpointId: number;
  /** Bytes the checkpoint wrote (with incremental checkpoints, only what was new). */
  readonly stateSize: number;
  /** Bytes of all the state it describes. */
  readonly fullStateSize: number;
  readonly durationMs: number;
  readonly unaligned: boolean;
  /** Epoch milliseconds of the completion. */
  readonly completedAt: number;
}

export interface StateCoordinatorStatistics {
  readonly backends: readonly BackendStatistics[];
  readonly totalEntries: number;
  /** The highest back-pressure level (0..1) any backend reports; 0 for heap backends. */
  readonly backPressureLevel: number;
  /** The job's latest completed checkpoint, as far as state is concerned; absent before the first. */
  readonly lastCheckpoint?: CheckpointStateStatistics;
  /** Completed checkpoints of the job reported so far. */
  readonly completedCheckpoints: number;
}

export class StateCoordinator {
  private readonly stateBackends = new Map<string, { taskManagerId: string; jobId: string; backend: StateBackend }>();
  private readonly keyedBackends = new Map<string, RegisteredKeyedBackend>();
  private nextId = 1;
  private summaryTimer: NodeJS.Timeout | null = null;
  private readonly checkpoints = new Map<string, { last: CheckpointStateStatistics; count: number }>();

  /**
   * Creates (or wraps) the state backend of a job on a TaskManager; keyed backends created through
   * the returned backend are tracked until they are disposed.
   */
  async createStateBackend(request: { taskManagerId: string; jobId: string; config?: StateBackendConfig | StateBackend }): Promise<{ id: string; backend: StateBackend }> {
    const base = await this.resolve(request.config);
    const id = `${request.taskManagerId}/${request.jobId}/${this.nextId++}`;
    const tracking: StateBackend = {
      type: base.type,
      createKeyedStateBackend: async (parameters: KeyedStateBackendParameters) => {
        const keyed = await base.createKeyedStateBackend(parameters);
        return this.track(request.taskManagerId, request.jobId, parameters, keyed);
      },
    };
    this.stateBackends.set(id, { taskManagerId: request.taskManagerId, jobId: request.jobId, backend: tracking });
    return { id, backend: tracking };
  }

  private async resolve(config: StateBackendConfig | StateBackend | undefined): Promise<StateBackend> {
    if (config !== undefined && typeof (config as StateBackend).createKeyedStateBackend === 'function') return config as StateBackend;
    const c = (config ?? {}) as StateBackendConfig;
    if (c.type === 'rocksdb') {
      const { RocksDBStateBackend } = await import('./rocksdb/rocksdb-state-backend.ts');
      const { type: _type, ...rocksdb } = c;
      return new RocksDBStateBackend(rocksdb);
    }
    return new HashMapStateBackend();
  }

  private track(taskManagerId: string, jobId: string, parameters: KeyedStateBackendParameters, backend: KeyedStateBackend): KeyedStateBackend {
    const id = `${jobId}/${parameters.operatorIdentifier}/${parameters.subtaskIndex}`;
    this.keyedBackends.set(id, { id, taskManagerId, jobId, operator: parameters.where, subtaskIndex: parameters.subtaskIndex, backend });
    const dispose = backend.dispose.bind(backend);
    // Unregister on dispose without wrapping the backend object: the hot path keeps its own class.
    backend.dispose = async () => {
      this.keyedBackends.delete(id);
      await dispose();
    };
    return backend;
  }

  registeredBackends(jobId?: string): RegisteredKeyedBackend[] {
    return [...this.keyedBackends.values()].filter((r) => jobId === undefined || r.jobId === jobId);
  }

  getStatistics(jobId?: string): StateCoordinatorStatistics {
    const backends = this.registeredBackends(jobId).map((r) => {
      const s = r.backend.getStatistics();
      return { id: r.id, type: r.backend.type, where: r.operator, numEntries: s.numEntries, metrics: s.metrics };
    });
    const checkpoints = jobId === undefined ? undefined : this.checkpoints.get(jobId);
    return {
      backends,
      totalEntries: backends.reduce((n, b) => n + b.numEntries, 0),
      backPressureLevel: backends.reduce((max, b) => Math.max(max, b.metrics['backPressureLevel'] ?? 0), 0),
      ...(checkpoints === undefined ? {} : { lastCheckpoint: checkpoints.last }),
      completedCheckpoints: checkpoints?.count ?? 0,
    };
  }

  /**
   * The checkpoint coordinator's report of a completed checkpoint of `jobId` (savepoints are not
   * reported): kept as the job's latest, shown in getStatistics() and the periodic summary.
   */
  checkpointCompleted(jobId: string, checkpoint: CheckpointStateStatistics): void {
    const previous = this.checkpoints.get(jobId);
    if (previous !== undefined && previous.last.checkpointId >= checkpoint.checkpointId) return;
    this.checkpoints.set(jobId, { last: checkpoint, count: (previous?.count ?? 0) + 1 });
  }

  /**
   * Logs a summary of the statistics (of `jobId`'s backends, or all) every `intervalMs`, at level
   * info, each backend's figures at debug; only when asked (`state.backend.statistics.summary-interval`).
   * The timer does not keep the process alive.
   */
  startStatisticsSummary(intervalMs = 30_000, options: { readonly jobId?: string; readonly logger?: Pick<Logger, 'info' | 'debug'> } = {}): void {
    if (!(intervalMs > 0)) throw new RangeError(`The statistics summary interval must be positive, got ${intervalMs} ms`);
    this.stopStatisticsSummary();
    const out = options.logger ?? log;
    this.summaryTimer = setInterval(() => {
      const stats = this.getStatistics(options.jobId);
      out.info(
        {
          ...(options.jobId === undefined ? {} : { jobId: options.jobId }),
          backends: stats.backends.length,
          totalEntries: stats.totalEntries,
          backPressureLevel: stats.backPressureLevel,
          ...(stats.lastCheckpoint === undefined ? {} : { lastCheckpoint: stats.lastCheckpoint.checkpointId, lastCheckpointFullSize: stats.lastCheckpoint.fullStateSize }),
        },
        'state backend statistics',
      );
      for (const b of stats.backends) out.debug({ backend: b.id, type: b.type, where: b.where, entries: b.numEntries, metrics: b.metrics }, 'state backend');
    }, intervalMs);
    this.summaryTimer.unref();
  }

  stopStatisticsSummary(): void {
    if (this.summaryTimer !== null) clearInterval(this.summaryTimer);
    this.summaryTimer = null;
  }

  /** Forgets a job's backends (the tasks dispose them) and its checkpoint figures. */
  releaseJob(jobId: string): void {
    for (const [id, entry] of this.stateBackends) if (entry.jobId === jobId) this.stateBackends.delete(id);
    this.checkpoints.delete(jobId);
  }
}
