/*
 * LocalStreamExecutor: runs a JobGraph inside the calling process. Each execution attempt
 * (execution-attempt.ts) deploys the tasks, channels and source coordinators; the job tracks its
 * status, fails an attempt on its first task failure, and — with a restart strategy — restarts
 * all tasks from the latest completed checkpoint. A CheckpointCoordinator lives as long as the job:
 * with checkpointing on it takes checkpoints of whichever attempt is running, and it takes the
 * savepoints of any job, as in Flink, also one that never called enableCheckpointing. A job may start
 * from a savepoint or retained checkpoint ('execution.savepoint.path'); until it completed a
 * checkpoint of its own, restarts go back to that one.
 */
import type { ChangelogOptions } from '../state/rocksdb/rocksdb-changelog.ts';
import { configurationError, ErrorCodes, FlinkError } from '../../errors.ts';
import type { Accumulator } from '../../api/common/accumulators.ts';
import { ExternalizedCheckpointRetention } from '../../api/environment/checkpoint-config.ts';
import type { RestartStrategyConfiguration } from '../../api/environment/restart-strategies.ts';
import type { JobGraph, JobVertex } from '../../graph/job-graph.ts';
import { getLogger } from '../../utils/logger.ts';
import { CheckpointCoordinator, type CheckpointStatistics } from '../checkpoint/checkpoint-coordinator.ts';
import { loadRestoreState, resolveRestorePath, type JobRestoreState } from '../checkpoint/checkpoint-restore.ts';
import type { SavepointResult } from '../checkpoint/checkpoint-coordinator.ts';
import { FileSystemCheckpointStorage, JobManagerCheckpointStorage } from '../checkpoint/checkpoint-storage.ts';
import { MetricGroup } from '../metrics/metric-group.ts';
import { CoordinatorStore } from '../source/watermark-alignment-coordinator.ts';
import type { StateBackend } from '../state/keyed-state-backend.ts';
import { StateCoordinator, type StateCoordinatorStatistics } from '../state/state-coordinator.ts';
import type { StreamTask } from '../tasks/stream-task.ts';
import { mergeStateMetrics } from '../tasks/state-metrics.ts';
import { recordsSentBy, vertexTimeMetrics } from '../tasks/task-io-metrics.ts';
import { LocalFlowControl, type LocalFlowControlOptions } from '../tasks/local-flow-control.ts';
import type { BackPressureStatistics } from '../tasks/local-back-pressure-detector.ts';
import type { TaskCheckpointServices } from '../tasks/subtask-checkpoint-coordinator.ts';
import { ExecutionAttempt } from './execution-attempt.ts';
import { JobExecutionResult, JobStatus, type VertexMetrics } from './job-status.ts';
import { createRestartBackoffTimeStrategy, type RestartBackoffTimeStrategy } from './restart-backoff-time-strategy.ts';

const log = getLogger('LocalStreamExecutor');

/** Checkpoint settings of a job, resolved from its configuration. */
export interface LocalCheckpointingOptions {
  readonly intervalMs: number;
  readonly exactlyOnce: boolean;
  readonly timeoutMs: number;
  readonly minPauseMs: number;
  readonly maxConcurrent: number;
  readonly tolerableFailures: number;
  readonly numRetained: number;
  /** 'execution.checkpointing.incremental': RocksDB keyed state is checkpointed incrementally. */
  readonly incremental?: boolean;
  /** 'state.backend.changelog.*': RocksDB keyed state logs its changes between materializations. */
  readonly changelog?: ChangelogOptions;
  /** 'execution.checkpointing.unaligned.enabled' (exactly-once only). */
  readonly unaligned?: boolean;
  /** 'execution.checkpointing.aligned-checkpoint-timeout' in ms. */
  readonly alignedCheckpointTimeoutMs?: number;
  /** 'state.checkpoints.dir'; checkpoints stay in memory without it. */
  readonly directory: string | undefined;
  readonly retention: ExternalizedCheckpointRetention;
}

export interface LocalExecutionOptions {
  readonly batchSize: number;
  readonly bufferTimeoutMs: number;
  /** Buffers a consumer grants each channel (exclusive plus its share of floating buffers). */
  readonly buffersPerChannel: number;
  /** Creates the keyed state backends of the job's keyed operators; HashMapStateBackend when absent. */
  readonly stateBackend?: StateBackend;
  /** Tracks the job's keyed state backends; one per job when not shared. */
  readonly stateCoordinator?: StateCoordinator;
  readonly checkpointing?: LocalCheckpointingOptions;
  /** What to do when a task fails; no restart when absent. */
  readonly restartStrategy?: RestartStrategyConfiguration;
  /** Logs a summary of the job's state backend statistics at this interval; none when absent. */
  readonly statisticsSummaryIntervalMs?: number;
  /** The savepoint or retained checkpoint to start from ('execution.savepoint.path'). */
  readonly restoreFrom?: { readonly path: string; readonly allowNonRestoredState: boolean };
  /** 'state.savepoints.dir': where savepoints go when no directory is given. */
  readonly savepointDirectory?: string;
  /** 'execution.checkpointing.timeout', for the savepoints of a job without checkpointing; Flink's 10 minutes when absent. */
  readonly savepointTimeoutMs?: number;
  /** The LocalBackPressureDetector and buffer debloating (local-flow-control.ts); their defaults when absent. */
  readonly flowControl?: Partial<LocalFlowControlOptions>;
}

export class LocalJob {
  readonly jobGraph: JobGraph;
  readonly jobId: string;
  readonly jobName: string;
  private readonly options: LocalExecutionOptions;
  /** Shared by the job's source coordinators (watermark alignment groups span sources). */
  private readonly coordinatorStore = new CoordinatorStore();
  private readonly metricsRoot: MetricGroup;
  private readonly stateCoordinator: StateCoordinator;
  private readonly checkpointCoordinator: CheckpointCoordinator;
  private readonly restartStrategy: RestartBackoffTimeStrategy;
  private readonly flowControl: LocalFlowControl;
  private attempt: ExecutionAttempt | null = null;
  private jobStateBackend: StateBackend | undefined = undefined;
  private status: JobStatus = JobStatus.INITIALIZING;
  private cancelRequested = false;
  private wakeRestart: (() => void) | null = null;
  private numRestarts = 0;
  /** The directory given by 'execution.savepoint.path', once resolved. */
  private initialRestorePointer: string | null = null;
  private stopRequested = false;
  private startTime = 0;
  private endTime = 0;
  private lastSample = new Map<number, { time: number; counts: Counts; rates: Counts }>();
  readonly result: Promise<JobExecutionResult>;

  constructor(jobGraph: JobGraph, options: LocalExecutionOptions) {
    // Without a buffer per channel no producer could ever write: fail now rather than hang.
    if (!(options.buffersPerChannel >= 1)) {
      throw configurationError(
        `Insufficient network buffers: each channel needs at least 1, but 'taskmanager.network.memory.buffers-per-channel' plus ` +
          `'taskmanager.network.memory.floating-buffers-per-gate' is ${options.buffersPerChannel}`,
      );
    }
    this.jobGraph = jobGraph;
    this.jobId = jobGraph.jobId;
    this.jobName = jobGraph.jobName;
    this.options = options;
    this.metricsRoot = new MetricGroup([jobGraph.jobName]);
    this.stateCoordinator = options.stateCoordinator ?? new StateCoordinator();
    this.restartStrategy = createRestartBackoffTimeStrategy(options.restartStrategy ?? { type: 'none' });
    this.flowControl = new LocalFlowControl(options.flowControl);
    const cp = options.checkpointing;
    this.checkpointCoordinator = new CheckpointCoordinator({
      jobId: this.jobId,
      // Without checkpointing: no periodic checkpoints, savepoints only (kept aligned and full).
      intervalMs: cp?.intervalMs ?? -1,
      // Flink's default 'execution.checkpointing.timeout', 10 minutes.
      timeoutMs: cp?.timeoutMs ?? options.savepointTimeoutMs ?? 600_000,
      minPauseMs: cp?.minPauseMs ?? 0,
      maxConcurrent: cp?.maxConcurrent ?? 1,
      tolerableFailures: cp?.tolerableFailures ?? 0,
      numRetained: cp?.numRetained ?? 1,
      unaligned: cp?.unaligned === true,
      alignedCheckpointTimeoutMs: cp?.alignedCheckpointTimeoutMs ?? 0,
      storage: cp?.directory === undefined ? new JobManagerCheckpointStorage() : new FileSystemCheckpointStorage(cp.directory, this.jobId),
      onTolerableFailuresExceeded: (error) => this.attempt?.fail(error),
      onCheckpointCompleted: (c) =>
        this.stateCoordinator.checkpointCompleted(this.jobId, {
          checkpointId: c.checkpointId,
          stateSize: c.stateSize,
          fullStateSize: c.fullStateSize,
          durationMs: c.durationMs,
          unaligned: c.unaligned,
          completedAt: c.metadata.completionTimestamp,
        }),
    });
    this.result = this.run();
    // The caller may only look at the result later (executeAsync); a failure is still reported there.
    this.result.catch(() => {});
  }

  getStatus(): JobStatus {
    return this.status;
  }

  /** Statistics of the job's keyed state backends (entries, RocksDB figures, back-pressure level). */
  getStateStatistics(): StateCoordinatorStatistics {
    return this.stateCoordinator.getStatistics(this.jobId);
  }

  /** Flink's checkpointing figures, null when checkpointing is off. */
  getCheckpointStatistics(): CheckpointStatistics | null {
    return this.options.checkpointing === undefined ? null : this.checkpointCoordinator.getStatistics();
  }

  /** How often the job was restarted after a failure (Flink's numRestarts). */
  getNumRestarts(): number {
    return this.numRestarts;
  }

  /** The LocalBackPressureDetector's figures (queue utilization, levels, throttles); null when it is disabled. */
  getBackPressure(): BackPressureStatistics | null {
    return this.flowControl.getBackPressure();
  }

  /**
   * Takes a savepoint into `targetDirectory` (or 'state.savepoints.dir'); resolves with its path.
   * With `stop`, the sources stop after the savepoint's barrier and, once it completed and its
   * completion reached every operator, the job ends as FINISHED without draining. With `drain`
   * too (Flink's advanceToEndOfEventTime), the sources' input ends before the barrier: MAX_WATERMARK
   * fires every event-time timer and window, every operator finishes, and the savepoint is the
   * final checkpoint after which the tasks end, the job FINISHED. When a drained savepoint fails,
   * the sources have ended all the same; the job then finishes with its next checkpoint.
   */
  async triggerSavepoint(targetDirectory: string | undefined, stop: boolean, drain = false): Promise<string> {
    const directory = targetDirectory ?? this.options.savepointDirectory;
    if (directory === undefined) {
      throw new FlinkError(ErrorCodes.FLINK_TS_CONFIGURATION, `No savepoint directory for job '${this.jobName}': pass one to triggerSavepoint()/stopWithSavepoint() or set 'state.savepoints.dir'`);
    }
    const coordinator = this.checkpointCoordinator;
    const attempt = this.attempt;
    if (this.status !== JobStatus.RUNNING || attempt === null || this.stopRequested) {
      throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Cannot take a savepoint of job '${this.jobName}' (${this.jobId}): it is ${this.stopRequested ? 'stopping' : this.status}`);
    }
    if (stop) this.stopRequested = true;
    let result: SavepointResult;
    try {
      result = await coordinator.triggerSavepoint(directory, stop, drain);
    } catch (e) {
      if (stop) {
        this.stopRequested = false;
        // A drained source has ended its input; only a source stopped without drain goes on.
        if (!drain) attempt.resumeSources();
      }
      throw e;
    }
    if (stop) {
      if (!drain) {
        // No checkpoint may start while the tasks end (it could not complete).
        coordinator.stopCheckpointScheduler();
        attempt.stopWithoutDrain();
      }
      // Drained: the tasks end by themselves, the savepoint having been their final checkpoint.
      await this.result.catch(() => {});
    }
    return result.path;
  }

  /** Triggers a checkpoint now (besides the periodic ones); resolves with its id or null. */
  async triggerCheckpoint(): Promise<number | null> {
    if (this.options.checkpointing === undefined) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Job '${this.jobName}' does not have checkpointing enabled`);
    return this.checkpointCoordinator.triggerCheckpoint();
  }

  private checkpointServices(): TaskCheckpointServices {
    const coordinator = this.checkpointCoordinator;
    const cp = this.options.checkpointing;
    const storage = coordinator.storage;
    const incremental = cp?.incremental === true && storage instanceof FileSystemCheckpointStorage;
    return {
      storage,
      // Without checkpointing only savepoints pass, which are aligned.
      exactlyOnce: cp?.exactlyOnce ?? true,
      unaligned: cp?.unaligned === true,
      incremental,
      sharedDirectory: incremental ? storage.sharedDirectory : null,
      ...(incremental && cp?.changelog !== undefined ? { changelog: cp.changelog } : {}),
      checkpointsAfterTasksFinish: coordinator.isPeriodic,
      acknowledge: (id, task, handle) => coordinator.acknowledgeTask(id, task, handle),
      decline: (id, task, cause) => coordinator.declineCheckpoint(id, task, cause),
      endOfData: () => coordinator.taskEndedInput(),
      taskFinished: (task) => coordinator.taskFinished(task),
    };
  }

  /**
   * The state for the next attempt: the latest completed checkpoint; when it cannot be read
   * (corrupt or missing files), the previous retained one, and so on; without any, the savepoint
   * the job started from. Null when there is nothing to restore.
   */
  private async restoreState(): Promise<JobRestoreState | null> {
    const coordinator = this.checkpointCoordinator;
    const candidates = [...coordinator.getCompletedCheckpoints()].reverse().map((c) => c.externalPointer);
    if (this.initialRestorePointer !== null) candidates.push(this.initialRestorePointer);
    const allowNonRestoredState = this.options.restoreFrom?.allowNonRestoredState ?? false;
    let firstError: unknown = undefined;
    for (const pointer of candidates) {
      try {
        const restore = await loadRestoreState(coordinator.storage, pointer, this.jobGraph, allowNonRestoredState);
        coordinator.markRestored(restore.checkpointId);
        log.info({ jobId: this.jobId, checkpointId: restore.checkpointId, path: pointer }, 'restoring the job from a checkpoint');
        return restore;
      } catch (e) {
        firstError ??= e;
        if (pointer !== candidates.at(-1)) log.warn({ jobId: this.jobId, path: pointer, err: e }, 'cannot restore this checkpoint, trying the previous one');
      }
    }
    if (firstError !== undefined) throw firstError;
    return null;
  }

  private async run(): Promise<JobExecutionResult> {
    this.startTime = performance.now();
    let failure: unknown = undefined;
    try {
      const config = this.options.stateBackend;
      this.jobStateBackend = (await this.stateCoordinator.createStateBackend({ taskManagerId: 'local', jobId: this.jobId, ...(config === undefined ? {} : { config }) })).backend;
      const summaryInterval = this.options.statisticsSummaryIntervalMs;
      if (summaryInterval !== undefined) this.stateCoordinator.startStatisticsSummary(summaryInterval, { jobId: this.jobId });
      const services = this.checkpointServices();
      if (this.options.restoreFrom !== undefined) this.initialRestorePointer = resolveRestorePath(this.options.restoreFrom.path);
      for (let attemptNumber = 0; ; attemptNumber++) {
        const attempt = new ExecutionAttempt({
          jobGraph: this.jobGraph,
          attemptNumber,
          batchSize: this.options.batchSize,
          bufferTimeoutMs: this.options.bufferTimeoutMs,
          buffersPerChannel: this.options.buffersPerChannel,
          stateBackend: this.jobStateBackend,
          metricsRoot: this.metricsRoot,
          coordinatorStore: this.coordinatorStore,
          checkpointing: services,
          restore: attemptNumber === 0 && this.initialRestorePointer === null ? null : await this.restoreState(),
          mayRestart: this.options.restartStrategy !== undefined && this.options.restartStrategy.type !== 'none',
        });
        this.attempt = attempt;
        this.flowControl.attach(attempt.tasksByVertex);
        if (this.cancelRequested) attempt.cancel();
        failure = await attempt.run(() => {
          this.status = JobStatus.RUNNING;
          log.info({ jobId: this.jobId, job: this.jobName, attempt: attemptNumber }, 'job running');
          this.checkpointCoordinator.startCheckpointScheduler(attempt);
        });
        this.checkpointCoordinator.stopCheckpointScheduler();
        if (failure === undefined || this.cancelRequested) break;
        this.restartStrategy.notifyFailure(failure);
        if (!this.restartStrategy.canRestart()) break;
        const delay = this.restartStrategy.getBackoffTime();
        this.status = JobStatus.RESTARTING;
        log.warn({ jobId: this.jobId, err: failure, delayMs: delay, strategy: this.restartStrategy.toString() }, 'job failed, restarting');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wakeRestart = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeRestart = null;
        if (this.cancelRequested) break;
        this.numRestarts++;
        failure = undefined;
      }
    } catch (error) {
      failure ??= error;
    } finally {
      this.flowControl.stop();
      if (this.options.statisticsSummaryIntervalMs !== undefined) this.stateCoordinator.stopStatisticsSummary();
      this.stateCoordinator.releaseJob(this.jobId);
      this.endTime = performance.now();
    }
    const outcome = this.cancelRequested ? JobStatus.CANCELED : failure !== undefined ? JobStatus.FAILED : JobStatus.FINISHED;
    await this.checkpointCoordinator.shutdown(this.keepsCheckpoints(outcome));
    if (outcome === JobStatus.CANCELED) {
      this.status = JobStatus.CANCELED;
      throw new FlinkError(ErrorCodes.FLINK_TS_JOB_CANCELLED, `Job '${this.jobName}' (${this.jobId}) was cancelled`);
    }
    if (outcome === JobStatus.FAILED) {
      this.status = JobStatus.FAILED;
      const error = FlinkError.isFlinkError(failure)
        ? failure
        : new FlinkError(ErrorCodes.FLINK_TS_JOB_FAILED, `Job '${this.jobName}' failed: ${failure instanceof Error ? failure.message : String(failure)}`, { cause: failure });
      // The failure is what the job's result rejects with; logging it louder would report it twice.
      log.info({ jobId: this.jobId, err: error }, 'job failed');
      throw error;
    }
    this.status = JobStatus.FINISHED;
    return new JobExecutionResult(this.jobId, this.jobName, Math.round(this.endTime - this.startTime), this.mergedAccumulators());
  }

  /** Flink's CheckpointProperties: what happens to retained checkpoints when the job ends. */
  private keepsCheckpoints(outcome: JobStatus): boolean {
    const retention = this.options.checkpointing?.retention ?? ExternalizedCheckpointRetention.NO_EXTERNALIZED_CHECKPOINTS;
    if (outcome === JobStatus.FINISHED || retention === ExternalizedCheckpointRetention.NO_EXTERNALIZED_CHECKPOINTS) return false;
    if (outcome === JobStatus.CANCELED) return retention === ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION;
    return true;
  }

  /** Cancels the job: sources stop, tasks close their operators; the result rejects as cancelled. */
  async cancel(): Promise<void> {
    if (this.status === JobStatus.FINISHED || this.status === JobStatus.FAILED || this.status === JobStatus.CANCELED) return;
    if (this.attempt?.getFailure() === undefined || this.status === JobStatus.RESTARTING) {
      this.cancelRequested = true;
      this.status = JobStatus.CANCELLING;
    }
    this.attempt?.cancel();
    this.wakeRestart?.();
    await this.result.catch(() => {});
  }

  private allTasks(): StreamTask[] {
    return this.attempt?.allTasks() ?? [];
  }

  private get tasksByVertex(): ReadonlyMap<JobVertex, StreamTask[]> {
    return this.attempt?.tasksByVertex ?? new Map();
  }

  private mergedAccumulators(): Map<string, Accumulator<unknown, unknown>> {
    const merged = new Map<string, Accumulator<unknown, unknown>>();
    for (const task of this.allTasks()) {
      for (const [name, acc] of task.accumulators) {
        const existing = merged.get(name);
        if (existing === undefined) merged.set(name, acc.clone());
        else existing.merge(acc);
      }
    }
    return merged;
  }

  /** Per-vertex figures keyed by vertex name; rates are over the time since the previous call. */
  getMetrics(): Record<string, VertexMetrics> {
    const out: Record<string, VertexMetrics> = {};
    const now = performance.now();
    for (const [vertex, tasks] of this.tasksByVertex) {
      const counts: Counts = { in: 0, out: 0, send: 0 };
      let inPool = 0;
      let outPool = 0;
      const subtasks = tasks.map((t) => {
        const recordsIn = t.recordsIn();
        const recordsOut = t.recordsOut();
        const recordsSend = recordsSentBy(t.chain);
        counts.in += recordsIn;
        counts.out += recordsOut;
        counts.send += recordsSend;
        for (const w of t.chain.writers) outPool = Math.max(outPool, w.bufferUsage());
        for (const g of t.deployment.inputs) inPool = Math.max(inPool, g.bufferUsage());
        return { state: t.getState(), numRecordsIn: recordsIn, numRecordsOut: recordsOut, numRecordsSend: recordsSend, ...t.ioMetrics.sample(now) };
      });
      const rates = this.rates(vertex.id, counts, now);
      const stateMetrics = mergeStateMetrics(tasks.map((t) => t.stateMetrics()));
      const userMetrics: Record<string, unknown> = {};
      for (const t of tasks) {
        for (const [k, v] of Object.entries(t.deployment.metricGroup.snapshotAll())) {
          userMetrics[k] = typeof v === 'number' && typeof userMetrics[k] === 'number' ? (userMetrics[k] as number) + v : v;
        }
      }
      out[vertex.name] = {
        vertexId: vertex.id,
        parallelism: vertex.parallelism,
        numRecordsIn: counts.in,
        numRecordsOut: counts.out,
        numRecordsSend: counts.send,
        numRecordsInPerSecond: rates.in,
        numRecordsOutPerSecond: rates.out,
        numRecordsSendPerSecond: rates.send,
        inPoolUsage: inPool,
        outPoolUsage: outPool,
        ...this.flowControl.vertexNetworkMetrics(tasks),
        ...vertexTimeMetrics(subtasks),
        subtasks,
        userMetrics,
        stateMetrics,
      };
    }
    return out;
  }

  /** Rates since the previous sample of this vertex (kept for at least 200 ms so rates are stable). */
  private rates(vertexId: number, counts: Counts, now: number): Counts {
    const last = this.lastSample.get(vertexId) ?? { time: this.startTime, counts: { in: 0, out: 0, send: 0 }, rates: { in: 0, out: 0, send: 0 } };
    const elapsed = (now - last.time) / 1000;
    if (elapsed < 0.2) return last.rates;
    const rates = { in: (counts.in - last.counts.in) / elapsed, out: (counts.out - last.counts.out) / elapsed, send: (counts.send - last.counts.send) / elapsed };
    this.lastSample.set(vertexId, { time: now, counts: { ...counts }, rates });
    return rates;
  }
}

interface Counts {
  in: number;
  out: number;
  send: number;
}
