/*
 * CheckpointCoordinator (Flink's): triggers checkpoints periodically, tracks the pending ones
 * until every subtask acknowledged (or one declined, or the timeout passed), finalizes a complete
 * one by writing its metadata last, keeps the last 'state.checkpoints.num-retained' completed
 * checkpoints, notifies the tasks (notifyCheckpointComplete / notifyCheckpointAborted) and counts
 * failures against the tolerable number. It lives as long as the job; each execution attempt
 * registers its participants while it runs, and a restart resumes from getLatestCompleted().
 *
 * Triggering a checkpoint: the operator coordinators (split enumerators) are snapshotted first,
 * then each source task injects the barrier after the records it emitted before (see
 * CheckpointParticipants.triggerCheckpoint).
 *
 * Incremental checkpoints share files in the job's `shared/` directory: the SharedStateRegistry
 * counts the retained checkpoints referring to each, and a file is deleted once none does (and no
 * pending checkpoint can still refer to it); files of a checkpoint that was aborted go with it.
 *
 * A savepoint (triggerSavepoint) is a checkpoint written to a directory of its own: it is forced
 * (no min pause, no limit of concurrent checkpoints), is not retained for recovery nor deleted
 * with the job's checkpoints, does not count against the tolerable failures, and does not subsume
 * checkpoints still pending. Tasks are notified of its completion like of a checkpoint's, so
 * committing sinks commit. A terminating savepoint (stop-with-savepoint) also stops the sources
 * after its barrier; with drain, the sources' input ends first, and the savepoint is taken after
 * every operator finished. A job without periodic checkpoints ('execution.checkpointing.interval'
 * unset) still has a coordinator, for savepoints.
 *
 * Checkpoints after tasks finished (FLIP-147): each checkpoint follows the attempt's plan
 * (checkpoint-plan.ts). Once every subtask finished its input the final checkpoint, which lets the
 * tasks end, is triggered at once: Flink waits for the next periodic one, keeping a bounded job
 * alive up to an interval longer with nothing left to do (final-checkpoint-trigger.ts).
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';
import { getLogger } from '../../utils/logger.ts';
import { CheckpointBarrier } from '../io/stream-events.ts';
import { CheckpointFailureManager, CheckpointFailureReason, isCountedFailure } from './checkpoint-failure-manager.ts';
import { CHECKPOINT_METADATA_VERSION, type CheckpointMetadata, type CoordinatorState, type TaskStateHandle } from './checkpoint-metadata.ts';
import type { CheckpointStorage } from './checkpoint-storage.ts';
import { CompletedCheckpointStore, sharedFilesOf } from './completed-checkpoint-store.ts';
import { FinalCheckpointTrigger } from './final-checkpoint-trigger.ts';
import { checkPartlyFinishedVertices, type CheckpointParticipants, type CheckpointPlan } from './checkpoint-plan.ts';

import type { CheckpointStatistics, CheckpointSummary, CompletedCheckpoint } from './checkpoint-statistics.ts';

export type { CheckpointStatistics, CheckpointSummary, CompletedCheckpoint } from './checkpoint-statistics.ts';
export type { CheckpointParticipants, CheckpointPlan, TriggerOptions } from './checkpoint-plan.ts';

const log = getLogger('CheckpointCoordinator');

export interface CheckpointCoordinatorOptions {
  readonly jobId: string;
  /** Between periodic checkpoints; 0 or less: none (Flink's disabled checkpointing), savepoints only. */
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly minPauseMs: number;
  readonly maxConcurrent: number;
  readonly tolerableFailures: number;
  readonly numRetained: number;
  readonly storage: CheckpointStorage;
  /** Unaligned checkpoints ('execution.checkpointing.unaligned.enabled'); savepoints stay aligned. */
  readonly unaligned?: boolean;
  /** 'execution.checkpointing.aligned-checkpoint-timeout' in ms: 0 starts unaligned, more starts aligned. */
  readonly alignedCheckpointTimeoutMs?: number;
  /** Called when more checkpoints failed in a row than tolerated: the job fails over. */
  readonly onTolerableFailuresExceeded: (error: FlinkError) => void;
  /** Called when a checkpoint (not a savepoint) completed: the StateCoordinator records its figures. */
  readonly onCheckpointCompleted?: (checkpoint: CompletedCheckpoint) => void;
}

/** Completed checkpoints kept in the statistics' history (Flink's web.checkpoints.history). */
const HISTORY_SIZE = 10;

interface PendingCheckpoint {
  readonly checkpointId: number;
  readonly timestamp: number;
  readonly started: number;
  readonly notYetAcknowledged: Set<string>;
  readonly handles: TaskStateHandle[];
  readonly plan: CheckpointPlan;
  /** Triggered after every subtask finished its input: its completion lets all of them end. */
  readonly final: boolean;
  coordinatorStates: CoordinatorState[] | null;
  timer: NodeJS.Timeout | null;
  finalizing: boolean;
  savepoint: PendingSavepoint | null;
}

interface PendingSavepoint {
  readonly terminate: boolean;
  readonly drain: boolean;
  directory: string | null;
  resolve(result: SavepointResult): void;
  reject(error: FlinkError): void;
}

export interface SavepointResult {
  readonly checkpointId: number;
  /** The savepoint's directory. */
  readonly path: string;
}

export class CheckpointCoordinator {
  private readonly options: CheckpointCoordinatorOptions;
  private readonly failureManager: CheckpointFailureManager;
  private readonly pending = new Map<number, PendingCheckpoint>();
  private readonly completed: CompletedCheckpointStore;
  private readonly background = new Set<Promise<unknown>>();
  private participants: CheckpointParticipants | null = null;
  private timer: NodeJS.Timeout | null = null;
  private waitingForSlot = false;
  private nextCheckpointId = 1;
  private lastCheckpointEnd = Number.NEGATIVE_INFINITY;
  private shutDown = false;
  private numFailed = 0;
  private lastRestored: number | null = null;
  private readonly history: CheckpointSummary[] = [];
  /** Triggers the final checkpoint once every subtask finished its input. */
  private readonly finalCheckpoint = new FinalCheckpointTrigger(() => this.triggerFinalCheckpoint());

  constructor(options: CheckpointCoordinatorOptions) {
    this.options = options;
    this.failureManager = new CheckpointFailureManager(options.tolerableFailures);
    this.completed = new CompletedCheckpointStore(options.numRetained);
  }

  get storage(): CheckpointStorage {
    return this.options.storage;
  }

  /** Whether checkpoints are triggered periodically (else only savepoints are taken). */
  get isPeriodic(): boolean {
    return this.options.intervalMs > 0 && Number.isFinite(this.options.intervalMs);
  }

  /** An execution attempt is running: checkpoints are triggered periodically until it stops. */
  startCheckpointScheduler(participants: CheckpointParticipants): void {
    if (this.shutDown) return;
    this.participants = participants;
    if (!this.isPeriodic) return;
    const { minPauseMs, intervalMs } = this.options;
    // As Flink: the first checkpoint comes after a random delay between min pause and interval.
    this.scheduleTrigger(minPauseMs + Math.floor(Math.random() * (Math.max(minPauseMs, intervalMs) - minPauseMs + 1)));
  }

  /** The attempt stopped (failure, end): pending checkpoints are aborted without counting as failures. */
  stopCheckpointScheduler(): void {
    this.clearTimer();
    this.waitingForSlot = false;
    this.finalCheckpoint.cancel();
    for (const p of [...this.pending.values()]) this.abort(p, CheckpointFailureReason.CHECKPOINT_COORDINATOR_SUSPEND);
    this.participants = null;
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private scheduleTrigger(delayMs: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.onTriggerTime();
    }, delayMs);
  }

  private onTriggerTime(): void {
    if (this.participants === null || this.shutDown) return;
    if (this.pending.size >= this.options.maxConcurrent) {
      // Flink queues the request: the next checkpoint starts when a pending one ends.
      this.waitingForSlot = true;
      return;
    }
    const sinceLast = performance.now() - this.lastCheckpointEnd;
    if (sinceLast < this.options.minPauseMs) {
      this.scheduleTrigger(this.options.minPauseMs - sinceLast);
      return;
    }
    void this.triggerCheckpoint();
    this.scheduleTrigger(this.options.intervalMs);
  }

  /** Triggers a checkpoint now; resolves with its id, or null when it could not be started. */
  async triggerCheckpoint(): Promise<number | null> {
    return this.startCheckpoint(null);
  }

  /**
   * Takes a savepoint into a new directory under `targetDirectory`; with `terminate`, the sources
   * stop after its barrier (stop-with-savepoint), with `drain` their input ends before it. Rejects
   * when it cannot be taken or fails.
   */
  triggerSavepoint(targetDirectory: string, terminate: boolean, drain = false): Promise<SavepointResult> {
    return new Promise<SavepointResult>((resolve, reject) => {
      const savepoint: PendingSavepoint = { terminate, drain: terminate && drain, directory: null, resolve, reject };
      this.startCheckpoint(savepoint, targetDirectory).then(
        (id) => {
          if (id === null) reject(this.savepointError(null, CheckpointFailureReason.NOT_ALL_REQUIRED_TASKS_RUNNING));
        },
        (e: unknown) => reject(this.savepointError(null, CheckpointFailureReason.TRIGGER_CHECKPOINT_FAILURE, e)),
      );
    });
  }

  private savepointError(checkpointId: number | null, reason: CheckpointFailureReason, cause?: unknown): FlinkError {
    const detail = cause instanceof Error ? ` (${cause.message})` : '';
    return new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `The savepoint${checkpointId === null ? '' : ` (checkpoint ${checkpointId})`} of job ${this.options.jobId} failed: ${reason}${detail}`, {
      ...(cause === undefined ? {} : { cause }),
      context: checkpointId === null ? {} : { checkpointId },
    });
  }

  private async startCheckpoint(savepoint: PendingSavepoint | null, targetDirectory?: string): Promise<number | null> {
    const participants = this.participants;
    if (participants === null || this.shutDown) return null;
    const plan = participants.checkpointPlan();
    if (plan === null || plan.tasksToWaitFor.length === 0) {
      log.debug({ jobId: this.options.jobId }, `checkpoint not triggered: ${CheckpointFailureReason.NOT_ALL_REQUIRED_TASKS_RUNNING}`);
      return null;
    }
    const checkpointId = this.nextCheckpointId++;
    const timestamp = Date.now();
    const p: PendingCheckpoint = {
      checkpointId,
      timestamp,
      started: performance.now(),
      notYetAcknowledged: new Set(plan.tasksToWaitFor),
      handles: [],
      plan,
      final: participants.allTasksEndedInput(),
      coordinatorStates: null,
      timer: null,
      finalizing: false,
      savepoint,
    };
    this.pending.set(checkpointId, p);
    p.timer = setTimeout(() => this.abort(p, CheckpointFailureReason.CHECKPOINT_EXPIRED), this.options.timeoutMs);
    try {
      if (savepoint === null) await this.options.storage.initializeCheckpoint(checkpointId);
      else savepoint.directory = await this.options.storage.initializeSavepoint(checkpointId, targetDirectory!, this.options.jobId);
      if (!this.pending.has(checkpointId) || this.participants !== participants) return checkpointId;
      p.coordinatorStates = await participants.triggerCheckpoint(this.barrierFor(checkpointId, timestamp, savepoint !== null), { stopSources: savepoint?.terminate === true, drain: savepoint?.drain === true });
    } catch (e) {
      log.warn({ jobId: this.options.jobId, checkpointId, err: e }, 'triggering the checkpoint failed');
      this.abort(p, CheckpointFailureReason.TRIGGER_CHECKPOINT_FAILURE, e);
      return savepoint === null ? null : checkpointId;
    }
    this.maybeComplete(p);
    return checkpointId;
  }

  /** Savepoints are always aligned (as in Flink); checkpoints follow the unaligned settings. */
  private barrierFor(checkpointId: number, timestamp: number, savepoint: boolean): CheckpointBarrier {
    if (savepoint || this.options.unaligned !== true) return new CheckpointBarrier(checkpointId, timestamp);
    const timeout = this.options.alignedCheckpointTimeoutMs ?? 0;
    return timeout > 0 ? new CheckpointBarrier(checkpointId, timestamp, false, timeout) : new CheckpointBarrier(checkpointId, timestamp, true);
  }

  /** A subtask finished the asynchronous part of its snapshot. */
  acknowledgeTask(checkpointId: number, taskKey: string, handle: TaskStateHandle): void {
    const p = this.pending.get(checkpointId);
    if (p === undefined) {
      // Acknowledged after the checkpoint was aborted (the task had not heard yet): what it wrote goes.
      if (checkpointId < this.nextCheckpointId && !this.completed.contains(checkpointId)) this.discardLateAcknowledged(checkpointId, handle);
      return;
    }
    if (!p.notYetAcknowledged.delete(taskKey)) return;
    p.handles.push(handle);
    this.maybeComplete(p);
  }

  private discardLateAcknowledged(checkpointId: number, handle: TaskStateHandle): void {
    const uploaded = this.completed.sharedState.unknownOf(handle.sharedFiles ?? []);
    if (uploaded.length > 0) this.track(this.options.storage.discardSharedFiles(uploaded));
    if (handle.sharedFiles !== undefined) this.track(this.options.storage.discardCheckpoint(checkpointId));
  }

  /** A subtask could not take its part of the checkpoint. */
  declineCheckpoint(checkpointId: number, taskKey: string, cause: unknown): void {
    const p = this.pending.get(checkpointId);
    if (p === undefined) return;
    log.warn({ jobId: this.options.jobId, checkpointId, task: taskKey, err: cause }, 'a task declined the checkpoint');
    this.abort(p, CheckpointFailureReason.CHECKPOINT_DECLINED, cause);
  }

  /** A subtask reached its end: checkpoints still waiting for it cannot complete. */
  taskFinished(taskKey: string): void {
    for (const p of [...this.pending.values()]) {
      if (p.notYetAcknowledged.has(taskKey)) this.abort(p, CheckpointFailureReason.CHECKPOINT_DECLINED_TASK_NOT_READY);
    }
  }

  /**
   * A subtask finished its input and sent EndOfData. Once every subtask did, the final checkpoint
   * is triggered at once (see the top of the file for how Flink differs).
   */
  taskEndedInput(): void {
    if (this.isPeriodic && this.participants?.allTasksEndedInput() === true) this.finalCheckpoint.request();
  }

  private async triggerFinalCheckpoint(): Promise<boolean> {
    if (this.participants === null || this.shutDown) return true;
    // One at a time; with a full slot or a final one in flight, onCheckpointEnded() comes back.
    if (this.pending.size >= this.options.maxConcurrent || [...this.pending.values()].some((p) => p.final)) return true;
    return (await this.startCheckpoint(null)) !== null;
  }

  private maybeComplete(p: PendingCheckpoint): void {
    if (p.finalizing || p.coordinatorStates === null || p.notYetAcknowledged.size > 0 || !this.pending.has(p.checkpointId)) return;
    const refused = checkPartlyFinishedVertices(p.checkpointId, this.options.jobId, p.plan, p.handles);
    if (refused !== null) {
      this.abort(p, CheckpointFailureReason.FINALIZE_CHECKPOINT_FAILURE, refused);
      return;
    }
    p.finalizing = true;
    this.track(this.finalize(p));
  }

  private async finalize(p: PendingCheckpoint): Promise<void> {
    const metadata: CheckpointMetadata = {
      version: CHECKPOINT_METADATA_VERSION,
      jobId: this.options.jobId,
      checkpointId: p.checkpointId,
      timestamp: p.timestamp,
      completionTimestamp: Date.now(),
      tasks: [...p.handles].sort((a, b) => a.vertexId - b.vertexId || a.subtaskIndex - b.subtaskIndex),
      coordinators: p.coordinatorStates!,
      ...(p.plan.fullyFinishedOperators.length === 0 ? {} : { fullyFinishedOperators: [...p.plan.fullyFinishedOperators] }),
    };
    let pointer: string;
    try {
      pointer = await this.options.storage.finalizeCheckpoint(metadata);
    } catch (e) {
      // abort() leaves a checkpoint being finalized to finalize(): its directory (no `_metadata`) goes here.
      this.track(this.options.storage.discardCheckpoint(p.checkpointId));
      this.abort(p, CheckpointFailureReason.FINALIZE_CHECKPOINT_FAILURE, e);
      return;
    }
    if (!this.pending.delete(p.checkpointId)) {
      // Aborted while the metadata was written (timeout or failover): it does not count as completed.
      this.track(this.options.storage.discardCheckpoint(p.checkpointId));
      return;
    }
    if (p.timer !== null) clearTimeout(p.timer);
    // A drained savepoint is taken after every input ended: it is the final checkpoint as well.
    if (p.final || p.savepoint?.drain === true) this.finalCheckpoint.completed();
    const stateSize = p.handles.reduce((n, h) => n + h.stateSize, 0);
    const fullStateSize = p.handles.reduce((n, h) => n + (h.fullStateSize ?? h.stateSize), 0);
    if (p.savepoint !== null) {
      log.info({ jobId: this.options.jobId, checkpointId: p.checkpointId, path: pointer, stateSize }, 'savepoint completed');
      this.onCheckpointEnded();
      this.participants?.notifyCheckpointComplete(p.checkpointId);
      p.savepoint.resolve({ checkpointId: p.checkpointId, path: pointer });
      return;
    }
    const unaligned = p.handles.some((h) => h.unaligned === true);
    const persistedData = p.handles.reduce((n, h) => n + (h.channelState?.persistedData ?? 0), 0);
    const completed: CompletedCheckpoint = {
      checkpointId: p.checkpointId,
      timestamp: p.timestamp,
      externalPointer: pointer,
      metadata,
      stateSize,
      fullStateSize,
      durationMs: performance.now() - p.started,
      unaligned,
      persistedData,
    };
    this.history.push({ checkpointId: p.checkpointId, durationMs: completed.durationMs, unaligned, persistedData, stateSize });
    if (this.history.length > HISTORY_SIZE) this.history.shift();
    this.addCompleted(completed);
    this.failureManager.handleCheckpointSuccess();
    log.info({ jobId: this.options.jobId, checkpointId: p.checkpointId, stateSize, fullStateSize, unaligned, persistedData, durationMs: Math.round(completed.durationMs) }, 'checkpoint completed');
    // Older checkpoints still pending can no longer be the latest: Flink subsumes them.
    for (const older of [...this.pending.values()]) if (older.checkpointId < p.checkpointId && older.savepoint === null) this.abort(older, CheckpointFailureReason.CHECKPOINT_SUBSUMED);
    this.discardUnreferencedSharedFiles();
    this.onCheckpointEnded();
    this.options.onCheckpointCompleted?.(completed);
    this.participants?.notifyCheckpointComplete(p.checkpointId);
  }

  private addCompleted(checkpoint: CompletedCheckpoint): void {
    for (const dropped of this.completed.add(checkpoint, this.nextCheckpointId)) this.track(this.options.storage.discardCheckpoint(dropped.checkpointId));
  }

  /** Deletes the shared files no retained checkpoint refers to and no pending one can register. */
  private discardUnreferencedSharedFiles(): void {
    let lowestPending = Number.POSITIVE_INFINITY;
    for (const id of this.pending.keys()) lowestPending = Math.min(lowestPending, id);
    const deletable = this.completed.sharedState.takeDeletable(lowestPending);
    if (deletable.length > 0) this.track(this.options.storage.discardSharedFiles(deletable));
  }

  /** How many retained checkpoints refer to a file of the shared directory. */
  sharedFileReferences(name: string): number {
    return this.completed.sharedState.referenceCount(name);
  }

  private abort(p: PendingCheckpoint, reason: CheckpointFailureReason, cause?: unknown): void {
    if (!this.pending.delete(p.checkpointId)) return;
    if (p.timer !== null) clearTimeout(p.timer);
    // Shared files this checkpoint uploaded (named after it) are referred to by nothing else;
    // tasks that acknowledge later delete their own (subtask-checkpoint-coordinator.ts).
    const uploaded = this.completed.sharedState.unknownOf(sharedFilesOf(p.handles));
    if (uploaded.length > 0) this.track(this.options.storage.discardSharedFiles(uploaded));
    this.discardUnreferencedSharedFiles();
    if (p.savepoint !== null) {
      // A failed savepoint is reported to whoever asked for it; it does not fail the job.
      this.numFailed++;
      log.warn({ jobId: this.options.jobId, checkpointId: p.checkpointId, reason, err: cause }, 'savepoint failed');
      if (!p.finalizing) this.track(this.options.storage.discardCheckpoint(p.checkpointId));
      this.participants?.notifyCheckpointAborted(p.checkpointId);
      this.onCheckpointEnded();
      p.savepoint.reject(this.savepointError(p.checkpointId, reason, cause));
      return;
    }
    if (reason !== CheckpointFailureReason.CHECKPOINT_SUBSUMED && reason !== CheckpointFailureReason.CHECKPOINT_COORDINATOR_SUSPEND) this.numFailed++;
    if (isCountedFailure(reason)) log.warn({ jobId: this.options.jobId, checkpointId: p.checkpointId, reason, err: cause }, 'checkpoint failed');
    // The metadata of a checkpoint being finalized is not removed under it; finalize() discards it.
    if (!p.finalizing) this.track(this.options.storage.discardCheckpoint(p.checkpointId));
    this.participants?.notifyCheckpointAborted(p.checkpointId);
    this.onCheckpointEnded();
    if (this.failureManager.handleCheckpointFailure(p.checkpointId, reason)) {
      const detail = cause instanceof Error ? ` Last failure: ${cause.message}` : '';
      this.options.onTolerableFailuresExceeded(
        new FlinkError(ErrorCodes.FLINK_TS_JOB_FAILED, `Exceeded checkpoint tolerable failure threshold (${this.options.tolerableFailures}): checkpoint ${p.checkpointId} failed: ${reason}${detail}`, {
          ...(cause === undefined ? {} : { cause }),
          context: { checkpointId: p.checkpointId },
        }),
      );
    }
  }

  private onCheckpointEnded(): void {
    this.lastCheckpointEnd = performance.now();
    this.finalCheckpoint.retry();
    if (this.waitingForSlot && this.participants !== null && this.pending.size < this.options.maxConcurrent) {
      this.waitingForSlot = false;
      this.scheduleTrigger(this.options.minPauseMs);
    }
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise.catch((e: unknown) => log.warn({ jobId: this.options.jobId, err: e }, 'checkpoint storage operation failed'));
    this.background.add(tracked);
    void tracked.finally(() => this.background.delete(tracked));
  }

  /** The newest completed checkpoint, or null. */
  getLatestCompleted(): CompletedCheckpoint | null {
    return this.completed.getLatest();
  }

  getCompletedCheckpoints(): readonly CompletedCheckpoint[] {
    return this.completed.getAll();
  }

  /** A restart restored this checkpoint; later checkpoints get higher ids. */
  markRestored(checkpointId: number): void {
    this.lastRestored = checkpointId;
    this.nextCheckpointId = Math.max(this.nextCheckpointId, checkpointId + 1);
  }

  getStatistics(): CheckpointStatistics {
    const last = this.completed.lastCompleted;
    return {
      numberOfCompletedCheckpoints: this.completed.numberOfCompleted,
      numberOfFailedCheckpoints: this.numFailed,
      numberOfInProgressCheckpoints: this.pending.size,
      lastCheckpointSize: last?.stateSize ?? 0,
      lastCheckpointFullSize: last?.fullStateSize ?? 0,
      lastCheckpointDuration: Math.round(last?.durationMs ?? 0),
      lastCheckpointIsUnaligned: last?.unaligned ?? false,
      lastCheckpointPersistedData: last?.persistedData ?? 0,
      history: [...this.history],
      lastCompletedCheckpointId: last?.checkpointId ?? null,
      lastCheckpointExternalPath: last?.externalPointer ?? null,
      lastRestoredCheckpointId: this.lastRestored,
      retainedCheckpointIds: this.completed.getAll().map((c) => c.checkpointId),
    };
  }

  /**
   * The job ended: no more checkpoints; retained ones are kept or deleted as Flink's
   * externalized-checkpoint retention says for how the job ended.
   */
  async shutdown(keepRetained: boolean): Promise<void> {
    this.stopCheckpointScheduler();
    this.shutDown = true;
    if (keepRetained) this.discardUnreferencedSharedFiles();
    while (this.background.size > 0) await Promise.all([...this.background]);
    if (keepRetained) return;
    this.completed.clear();
    await this.options.storage.discardJob().catch((e: unknown) => log.warn({ jobId: this.options.jobId, err: e }, 'could not delete the checkpoints of the job'));
  }
}
