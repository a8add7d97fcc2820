/*
 * The checkpointing side of one subtask (Flink's SubtaskCheckpointCoordinatorImpl). When a
 * source task is triggered, or the barriers of a checkpoint are aligned on a task's inputs, it
 * takes the snapshot of every operator of the chain:
 *   1. synchronous part, between two records: functions' snapshotState(), source readers' splits,
 *      a copy of each operator state backend, backend.snapshot(id) of each keyed state backend;
 *   2. the barrier is forwarded on every output (after the records emitted before it);
 *   3. asynchronous part, while the task goes on processing: the snapshots are materialized and
 *      written to the checkpoint storage, then the coordinator is acknowledged (or declined).
 * With incremental checkpoints ('execution.checkpointing.incremental') a RocksDB backend's
 * synchronous part is a native RocksDB checkpoint, which RocksDB takes on its own thread: the
 * task takes neither input nor mails until it is done (so it is exactly the state at the
 * barrier), and the asynchronous part uploads the SST files the last completed checkpoint does
 * not hold to the job's shared directory; with the state changelog ('state.backend.changelog.enabled')
 * it only seals the log's new segment between materializations (rocksdb-changelog.ts). Savepoints,
 * heap backends and checkpoints kept in memory take full snapshots.
 * Unaligned checkpoints (FLIP-76): the barrier is forwarded ahead of the queued output, whose
 * data, with the input data that arrives before the other channels' barriers, is collected by the
 * ChannelStateWriter; the subtask writes it as a channel state file and acknowledges once both
 * sides are complete.
 * It also delivers notifyCheckpointComplete/Aborted to operators and functions (Flink's
 * CheckpointListener) and tracks the subtask's final checkpoint after its input ended
 * (final-checkpoint.ts); restoring a chain is task-state-restorer.ts.
 */
import { rm, rmdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { JobVertex } from '../../graph/job-graph.ts';
import type { StreamNode } from '../../graph/stream-graph.ts';
import { getLogger } from '../../utils/logger.ts';
import { withSharedState, type TaskStateHandle, type OperatorSubtaskState, type IncrementalKeyedState } from '../checkpoint/checkpoint-metadata.ts';
import type { CheckpointStorage } from '../checkpoint/checkpoint-storage.ts';
import { persistedBytes } from '../checkpoint/channel-state.ts';
import { ChannelStateWriter } from '../checkpoint/channel-state-writer.ts';
import { ErrorCodes, FlinkError } from '../../errors.ts';
import { CheckpointBarrier } from '../io/stream-events.ts';
import type { AbstractStreamOperator } from '../operators/stream-operator.ts';
import type { KeyedStateBackend, SnapshotRunner } from '../state/keyed-state-backend.ts';
import { hasOperatorStateBackend, operatorStateBackendOf, StateSnapshotContext } from '../state/operator/function-state.ts';
import type { OperatorStateSnapshotRunner } from '../state/operator/operator-state-backend.ts';
import { OperatorStateModes } from '../state/operator/operator-state-snapshot.ts';
import type { ChangelogOptions } from '../state/rocksdb/rocksdb-changelog.ts';
import { uploadedFilesOf, type IncrementalSnapshotRunner, type IncrementalSnapshotTarget } from '../state/rocksdb/rocksdb-incremental-snapshot.ts';
import { FinalCheckpoint } from './final-checkpoint.ts';

const log = getLogger('SubtaskCheckpointCoordinator');

/** What the job offers a task for checkpoints. */
export interface TaskCheckpointServices {
  readonly storage: CheckpointStorage;
  /** EXACTLY_ONCE aligns barriers; AT_LEAST_ONCE only counts them. */
  readonly exactlyOnce: boolean;
  /** Unaligned checkpoints are enabled (exactly-once only): barriers may overtake in-flight data. */
  readonly unaligned?: boolean;
  /** Keyed state of backends that can (RocksDB) is checkpointed incrementally. */
  readonly incremental: boolean;
  /** Where incremental checkpoints put shared files; null when checkpoints are not incremental. */
  readonly sharedDirectory: string | null;
  /** RocksDB keyed state keeps a changelog between materializations (incremental checkpoints only). */
  readonly changelog?: ChangelogOptions;
  /**
   * Periodic checkpoints are configured (without, the coordinator takes savepoints only): a task
   * whose input ended waits for a checkpoint after it (Flink's checkpoints-after-tasks-finish).
   */
  readonly checkpointsAfterTasksFinish: boolean;
  acknowledge(checkpointId: number, taskKey: string, handle: TaskStateHandle): void;
  decline(checkpointId: number, taskKey: string, cause: unknown): void;
  /** The task finished its operators and sent EndOfData; it still takes checkpoints. */
  endOfData(taskKey: string): void;
  /** The task ended (it sent the end of its partitions): checkpoints still waiting for it cannot complete. */
  taskFinished(taskKey: string): void;
}

/** What the coordinator needs of its task. */
export interface CheckpointingTask {
  readonly name: string;
  /** The task reads input channels (it is not a source task). */
  readonly hasInputs: boolean;
  readonly chain: { readonly operators: readonly AbstractStreamOperator<unknown>[]; readonly nodes: readonly StreamNode[] };
  keyedStateBackendOf(nodeId: number): KeyedStateBackend | undefined;
  /** Forwards the barrier on every output, after the records emitted before. */
  broadcastBarrier(barrier: CheckpointBarrier): void;
  /**
   * While suspended the task takes no input (a function's snapshotState() is still running); with
   * `holdMails` it runs no mails either (timers), so its keyed state does not change.
   */
  setCheckpointSuspended(suspended: boolean, holdMails?: boolean): void;
  fail(error: unknown): void;
}

/** What the checkpointing calls on operators that have it. */
interface OperatorHooks {
  prepareSnapshotPreBarrier?(checkpointId: number): unknown;
  snapshotState?(checkpointId: number): void;
}

interface FunctionHooks {
  snapshotState?: (ctx: StateSnapshotContext) => unknown;
  notifyCheckpointComplete?: (checkpointId: number) => unknown;
  notifyCheckpointAborted?: (checkpointId: number) => unknown;
}

function userFunctionOf(operator: AbstractStreamOperator<unknown>): FunctionHooks | null {
  const fn = (operator as { userFunction?: unknown }).userFunction;
  return typeof fn === 'object' && fn !== null ? (fn as FunctionHooks) : null;
}

/** A keyed state backend that takes incremental snapshots (RocksDB). */
interface IncrementalCapableBackend extends KeyedStateBackend {
  snapshotIncremental(checkpointId: number, target: IncrementalSnapshotTarget): Promise<IncrementalSnapshotRunner>;
  notifyCheckpointComplete(checkpointId: number): void;
  notifyCheckpointAborted(checkpointId: number): void;
}

function isIncrementalCapable(backend: KeyedStateBackend): backend is IncrementalCapableBackend {
  return typeof (backend as Partial<IncrementalCapableBackend>).snapshotIncremental === 'function';
}

/** The snapshot of one operator of the chain whose synchronous part is done (or, incremental, started). */
interface OperatorSnapshot {
  readonly operatorId: string;
  keyed: SnapshotRunner | null;
  readonly operatorState: OperatorStateSnapshotRunner | null;
  /** An incremental keyed snapshot: its synchronous part (the native checkpoint) first, then its runner. */
  readonly incremental: { readonly backend: IncrementalCapableBackend; readonly name: string; readonly target: IncrementalSnapshotTarget } | null;
  incrementalRunner: IncrementalSnapshotRunner | null;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

export class SubtaskCheckpointCoordinator {
  private readonly task: CheckpointingTask;
  private readonly services: TaskCheckpointServices;
  private readonly vertex: JobVertex;
  private readonly subtaskIndex: number;
  readonly taskKey: string;
  private readonly operatorIds: readonly string[];
  private readonly inflight = new Set<Promise<void>>();
  /** notifyCheckpointComplete/Aborted calls that returned a promise (a committing sink's commit). */
  private readonly notifications = new Set<Promise<unknown>>();
  private readonly aborted = new Set<number>();
  /** A synchronous part waiting for a function's snapshotState() promise; later ones queue behind. */
  private syncPhase: Promise<void> | null = null;
  private closed = false;
  /** Checkpoints this subtask took incrementally: their completion moves the backends' base. */
  private readonly incrementalIds = new Set<number>();
  /** The in-flight data of unaligned checkpoints. */
  readonly channelState: ChannelStateWriter;
  /** Checkpoints this subtask took unaligned, until acknowledged or aborted. */
  private readonly unalignedIds = new Set<number>();
  /** When the subtask may end after its input ended. */
  readonly finalCheckpoint: FinalCheckpoint;

  constructor(task: CheckpointingTask, services: TaskCheckpointServices, vertex: JobVertex, subtaskIndex: number, operatorIds: readonly string[]) {
    this.channelState = new ChannelStateWriter(task.name, task.chain.nodes[0]?.name ?? vertex.name);
    this.task = task;
    this.services = services;
    this.vertex = vertex;
    this.subtaskIndex = subtaskIndex;
    this.taskKey = `${vertex.id}/${subtaskIndex}`;
    this.operatorIds = operatorIds;
    this.finalCheckpoint = new FinalCheckpoint(services.checkpointsAfterTasksFinish);
  }

  // ---- taking a checkpoint -------------------------------------------------------------------

  /** A source task was triggered (through its mailbox). */
  triggerCheckpoint(barrier: CheckpointBarrier): void {
    // Aborted before the trigger got here (timeout, another task declined): nothing to inject.
    if (this.aborted.has(barrier.checkpointId)) return;
    this.checkpointState(barrier);
  }

  /** Snapshots the chain and forwards the barrier; the slow part continues asynchronously. */
  checkpointState(barrier: CheckpointBarrier): void {
    if (this.closed) return;
    this.finalCheckpoint.checkpointStarted(barrier.checkpointId);
    if (barrier.needsChannelState() && !this.channelState.isStarted(barrier.checkpointId)) {
      // Unaligned at a task with inputs: the barrier handler captures input until all barriers arrived.
      this.channelState.start(barrier.checkpointId, barrier.unaligned && this.task.hasInputs);
      if (barrier.unaligned) this.unalignedIds.add(barrier.checkpointId);
    }
    if (this.syncPhase !== null) {
      this.syncPhase = this.syncPhase.then(() => this.checkpointState(barrier));
      return;
    }
    // Flink's prepareSnapshotPreBarrier: operators hand on or complete what they hold (a sink's
    // pending asynchronous invocations, a sink writer's flush and committables), head to tail.
    const waiting: PromiseLike<unknown>[] = [];
    try {
      for (const op of this.task.chain.operators) {
        const result = (op as OperatorHooks).prepareSnapshotPreBarrier?.(barrier.checkpointId);
        if (isThenable(result)) waiting.push(result);
      }
    } catch (e) {
      this.failSyncPhase(barrier, e, 'prepareSnapshotPreBarrier()');
      return;
    }
    this.continueWhenDone(waiting, barrier, 'prepareSnapshotPreBarrier()', () => this.snapshotFunctions(barrier));
  }

  private snapshotFunctions(barrier: CheckpointBarrier): void {
    const id = barrier.checkpointId;
    const waiting: PromiseLike<unknown>[] = [];
    try {
      const ctx = new StateSnapshotContext(id, barrier.timestamp);
      for (const op of this.task.chain.operators) {
        // Operators keeping operator state of their own (source readers' splits, sink writers).
        (op as OperatorHooks).snapshotState?.(id);
        const fn = userFunctionOf(op);
        if (typeof fn?.snapshotState === 'function') {
          const result = fn.snapshotState(ctx);
          if (isThenable(result)) waiting.push(result);
        }
      }
    } catch (e) {
      this.failSyncPhase(barrier, e, 'snapshotState()');
      return;
    }
    this.continueWhenDone(waiting, barrier, 'snapshotState()', () => this.takeSnapshot(barrier));
  }

  /**
   * Runs `next` once `waiting` settled. Meanwhile no input is taken, so that the state and the
   * copy taken next describe the same point of the stream.
   */
  private continueWhenDone(waiting: readonly PromiseLike<unknown>[], barrier: CheckpointBarrier, what: string, next: () => void): void {
    if (waiting.length === 0) {
      next();
      return;
    }
    this.task.setCheckpointSuspended(true);
    this.syncPhase = Promise.all(waiting).then(
      () => {
        this.syncPhase = null;
        this.task.setCheckpointSuspended(false);
        if (!this.closed) next();
      },
      (e: unknown) => {
        this.syncPhase = null;
        this.task.setCheckpointSuspended(false);
        if (!this.closed) this.failSyncPhase(barrier, e, what);
      },
    );
  }

  private failSyncPhase(barrier: CheckpointBarrier, cause: unknown, what: string): void {
    this.channelState.abort(barrier.checkpointId, cause);
    this.decline(barrier.checkpointId, cause, what);
    this.task.broadcastBarrier(barrier);
  }

  private takeSnapshot(barrier: CheckpointBarrier): void {
    const id = barrier.checkpointId;
    const operators = this.task.chain.operators;
    const nodes = this.task.chain.nodes;
    const finishedOperators = this.finalCheckpoint.isEndOfData;
    const snapshots: OperatorSnapshot[] = [];
    try {
      for (let i = 0; i < operators.length; i++) {
        const op = operators[i]!;
        const backend = this.task.keyedStateBackendOf(nodes[i]!.id);
        const incremental = backend === undefined ? null : this.incrementalTarget(backend, id, i);
        snapshots.push({
          operatorId: this.operatorIds[i]!,
          keyed: backend === undefined || incremental !== null ? null : backend.snapshot(id),
          operatorState: hasOperatorStateBackend(op) ? operatorStateBackendOf(op).snapshot(id) : null,
          incremental,
          incrementalRunner: null,
        });
      }
    } catch (e) {
      this.channelState.abort(id, e);
      this.decline(id, e, 'the synchronous part of the snapshot');
      this.task.broadcastBarrier(barrier);
      return;
    }
    // Nothing is processed until the native checkpoints are taken: the barrier can go now.
    this.task.broadcastBarrier(barrier);
    const incremental = snapshots.filter((s) => s.incremental !== null);
    let done: Promise<void>;
    if (incremental.length === 0) {
      done = this.materializeAndAcknowledge(id, snapshots, finishedOperators);
    } else {
      this.incrementalIds.add(id);
      this.task.setCheckpointSuspended(true, true);
      const native = this.takeNativeCheckpoints(id, incremental).finally(() => {
        this.syncPhase = null;
        this.task.setCheckpointSuspended(false);
      });
      this.syncPhase = native.then(
        () => {},
        () => {},
      );
      done = native.then(
        () => this.materializeAndAcknowledge(id, snapshots, finishedOperators),
        (e: unknown) => {
          if (!this.closed && !this.aborted.has(id)) this.decline(id, e, 'the native checkpoint of the incremental snapshot');
        },
      );
    }
    this.inflight.add(done);
    void done.finally(() => this.inflight.delete(done));
  }

  /** Where backend `backend` (operator `index`) writes an incremental snapshot; null: a full one. */
  private incrementalTarget(backend: KeyedStateBackend, id: number, index: number): OperatorSnapshot['incremental'] {
    if (!this.services.incremental || !isIncrementalCapable(backend)) return null;
    const name = `task-${this.vertex.id}-${this.subtaskIndex}-op-${index}`;
    const location = this.services.storage.incrementalSnapshotLocation(id, name);
    if (location === null) return null;
    const changelog = this.services.changelog;
    return { backend, name, target: changelog === undefined ? location : { ...location, changelog } };
  }

  private async takeNativeCheckpoints(id: number, snapshots: readonly OperatorSnapshot[]): Promise<void> {
    const taken = await Promise.allSettled(snapshots.map((s) => s.incremental!.backend.snapshotIncremental(id, s.incremental!.target)));
    taken.forEach((t, i) => {
      if (t.status === 'fulfilled') snapshots[i]!.incrementalRunner = t.value;
    });
    const failed = taken.find((t) => t.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(snapshots.map((s) => s.incrementalRunner?.release()));
      throw failed.reason;
    }
  }

  /** `finishedOperators`: the snapshot was taken after the operators finished (end of input). */
  private async materializeAndAcknowledge(id: number, snapshots: readonly OperatorSnapshot[], finishedOperators: boolean): Promise<void> {
    const written: IncrementalKeyedState[] = [];
    try {
      const operators: OperatorSubtaskState[] = [];
      for (const r of snapshots) {
        const [keyed, keyedIncremental, operatorState] = await Promise.all([
          r.keyed?.materialize(),
          r.incrementalRunner?.materialize().then((handle) => {
            const state = { handle, privateDirectory: r.incremental!.name };
            written.push(state);
            return state;
          }),
          r.operatorState?.materialize(),
        ]);
        if (keyed === undefined && keyedIncremental === undefined && operatorState === undefined) continue;
        operators.push({
          operatorId: r.operatorId,
          ...(keyed === undefined ? {} : { keyed }),
          ...(keyedIncremental === undefined ? {} : { keyedIncremental }),
          ...(operatorState === undefined ? {} : { operatorState }),
        });
      }
      const channelState = await this.writeChannelState(id);
      if (this.closed || this.aborted.has(id)) {
        await this.discardUploads(id, written);
        return;
      }
      const handle = await this.services.storage.writeTaskState(id, { vertexId: this.vertex.id, subtaskIndex: this.subtaskIndex, operators });
      const unaligned = this.unalignedIds.delete(id) || channelState !== null;
      // What the coordinator checks when only some subtasks of the vertex finished (Flink's DefaultCheckpointPlan).
      const unionListState = operators.some((op) => op.operatorState?.states.some((st) => st.mode === OperatorStateModes.UNION) === true);
      const flags = { ...(unaligned ? { unaligned } : {}), ...(finishedOperators ? { finishedOperators } : {}), ...(unionListState ? { unionListState } : {}) };
      if (!this.closed) this.services.acknowledge(id, this.taskKey, { ...withSharedState(handle, written), ...flags, ...(channelState === null ? {} : { channelState }) });
      else await this.discardUploads(id, written);
    } catch (e) {
      await Promise.all(snapshots.map((s) => s.incrementalRunner?.release()));
      await this.discardUploads(id, written);
      this.unalignedIds.delete(id);
      if (!this.closed && !this.aborted.has(id)) this.decline(id, e, 'the asynchronous part of the snapshot');
    }
  }

  /** Waits for the in-flight data of an unaligned checkpoint and writes it; null when it has none. */
  private async writeChannelState(id: number): Promise<{ location: string; persistedData: number } | null> {
    const pending = this.channelState.result(id);
    if (pending === null) return null;
    const data = await pending;
    if (data.inputChannels.length === 0 && data.resultSubpartitions.length === 0) return null;
    const snapshot = { vertexId: this.vertex.id, subtaskIndex: this.subtaskIndex, operatorIds: this.operatorIds, ...data };
    if (this.closed || this.aborted.has(id)) return null;
    const { location } = await this.services.storage.writeChannelState(id, snapshot);
    return { location, persistedData: persistedBytes(snapshot) };
  }

  /** The barrier handler: every input channel delivered the barrier of unaligned checkpoint `id`. */
  finishInputCapture(id: number): void {
    this.channelState.finishInput(id);
  }

  /** The barrier handler abandoned unaligned checkpoint `id` (a newer one started, or it was aborted). */
  abortInputCapture(id: number, reason: string): void {
    this.channelState.abort(id, new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Unaligned checkpoint ${id} of task ${this.task.name} was abandoned: ${reason}`, { context: { checkpointId: id } }));
  }

  /** An incremental snapshot that will not be part of a checkpoint: its uploads and its directory go. */
  private async discardUploads(id: number, written: readonly IncrementalKeyedState[]): Promise<void> {
    for (const { handle, privateDirectory } of written) {
      const location = this.services.storage.incrementalSnapshotLocation(id, privateDirectory);
      if (location === null) continue;
      try {
        await this.services.storage.discardSharedFiles(uploadedFilesOf(handle));
        await rm(location.privateDirectory, { recursive: true, force: true });
        // The checkpoint's directory, if the coordinator removed it before the upload created it again.
        await rmdir(dirname(location.privateDirectory)).catch(() => {});
      } catch (e) {
        log.warn({ task: this.task.name, checkpointId: id, err: e }, 'could not delete the files of an aborted incremental snapshot');
      }
    }
  }

  private decline(id: number, cause: unknown, what: string): void {
    log.info({ task: this.task.name, checkpointId: id, err: cause }, `checkpoint declined: ${what} failed`);
    this.services.decline(id, this.taskKey, cause);
  }

  // ---- notifications -----------------------------------------------------------------------

  notifyCheckpointComplete(checkpointId: number): void {
    for (const id of this.aborted) if (id < checkpointId) this.aborted.delete(id);
    // Savepoints are full: only checkpoints taken incrementally move the base of the next one.
    if (this.incrementalIds.has(checkpointId)) this.notifyBackends((b) => b.notifyCheckpointComplete(checkpointId));
    for (const id of this.incrementalIds) if (id <= checkpointId) this.incrementalIds.delete(id);
    for (const op of this.task.chain.operators) {
      this.call(op as FunctionHooks, 'notifyCheckpointComplete', checkpointId);
      this.call(userFunctionOf(op), 'notifyCheckpointComplete', checkpointId);
    }
  }

  notifyCheckpointAborted(checkpointId: number): void {
    this.aborted.add(checkpointId);
    this.unalignedIds.delete(checkpointId);
    this.channelState.abort(checkpointId, new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Checkpoint ${checkpointId} was aborted`));
    if (this.incrementalIds.delete(checkpointId)) this.notifyBackends((b) => b.notifyCheckpointAborted(checkpointId));
    for (const op of this.task.chain.operators) {
      this.call(op as FunctionHooks, 'notifyCheckpointAborted', checkpointId);
      this.call(userFunctionOf(op), 'notifyCheckpointAborted', checkpointId);
    }
  }

  private notifyBackends(action: (backend: IncrementalCapableBackend) => void): void {
    for (const node of this.task.chain.nodes) {
      const backend = this.task.keyedStateBackendOf(node.id);
      if (backend !== undefined && isIncrementalCapable(backend)) action(backend);
    }
  }

  /** A listener that throws fails the task, as in Flink. */
  private call(target: FunctionHooks | null, method: 'notifyCheckpointComplete' | 'notifyCheckpointAborted', checkpointId: number): void {
    const fn = target?.[method];
    if (typeof fn !== 'function') return;
    try {
      const result = fn.call(target, checkpointId);
      if (isThenable(result)) {
        const done = Promise.resolve(result).catch((e: unknown) => this.task.fail(e));
        this.notifications.add(done);
        void done.finally(() => this.notifications.delete(done));
      }
    } catch (e) {
      this.task.fail(e);
    }
  }

  /** Resolves when every asynchronous notification handler has settled. */
  async whenNotificationsDone(): Promise<void> {
    while (this.notifications.size > 0) await Promise.all([...this.notifications]);
  }

  /** The operators finished and EndOfData went out; true when the task now waits for its final checkpoint. */
  endOfData(): boolean {
    const wait = this.finalCheckpoint.reachEndOfData();
    this.services.endOfData(this.taskKey);
    return wait;
  }

  taskFinished(): void {
    this.services.taskFinished(this.taskKey);
  }

  /** Resolves when the snapshots this subtask started are acknowledged or declined (Flink's waitForPendingCheckpoints). */
  async waitForPendingCheckpoints(): Promise<void> {
    while (this.syncPhase !== null || this.inflight.size > 0) await Promise.allSettled([this.syncPhase, ...this.inflight]);
  }

  /** The task is closing: asynchronous parts still running are awaited (their backends go next). */
  async close(): Promise<void> {
    this.closed = true;
    this.channelState.abortAll(new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Task ${this.task.name} is closing`));
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }
}
