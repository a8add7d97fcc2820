/*
 * The checkpointing side of one subtask (Flink's SubtaskCheckpointCoordinatorImpl). When a
 * source task is triggered, or the barriers of a checkpoint are aligned on a task's inputs, it
 * takes the snapshot of every operator of the chain:
 *   1. synchronous part, between two records: functions' snapshotState(), source readers' splits,
 *      a copy of each operator state backend, backend.snapshot(id) of each keyed state backend;
 *   2. the barrier is forwarded on every output (after the records emitted before it);
 *   3. asynchronous part, while the task goes on processing: the snapshots are materialized and
 *      written to the checkpoint storage, then the coordinator is acknowledged (or declined).
 * It also delivers notifyCheckpointComplete/Aborted to operators and functions (Flink's
 * CheckpointListener); restoring a chain is task-state-restorer.ts.
 */
import type { JobVertex } from '../../graph/job-graph.ts';
import type { StreamNode } from '../../graph/stream-graph.ts';
import { getLogger } from '../../utils/logger.ts';
import type { TaskStateHandle, OperatorSubtaskState } from '../checkpoint/checkpoint-metadata.ts';
import type { CheckpointStorage } from '../checkpoint/checkpoint-storage.ts';
import { CheckpointBarrier } from '../io/stream-events.ts';
import type { AbstractStreamOperator } from '../operators/stream-operator.ts';
import type { KeyedStateBackend, SnapshotRunner } from '../state/keyed-state-backend.ts';
import { hasOperatorStateBackend, operatorStateBackendOf, StateSnapshotContext } from '../state/operator/function-state.ts';
import type { OperatorStateSnapshotRunner } from '../state/operator/operator-state-backend.ts';

const log = getLogger('SubtaskCheckpointCoordinator');

/** What the job offers a task for checkpoints. */
export interface TaskCheckpointServices {
  readonly storage: CheckpointStorage;
  /** EXACTLY_ONCE aligns barriers; AT_LEAST_ONCE only counts them. */
  readonly exactlyOnce: boolean;
  acknowledge(checkpointId: number, taskKey: string, handle: TaskStateHandle): void;
  decline(checkpointId: number, taskKey: string, cause: unknown): void;
  /** The task reached the end of its input and takes no further checkpoints. */
  taskFinished(taskKey: string): void;
}

/** What the coordinator needs of its task. */
export interface CheckpointingTask {
  readonly name: string;
  readonly chain: { readonly operators: readonly AbstractStreamOperator<unknown>[]; readonly nodes: readonly StreamNode[] };
  keyedStateBackendOf(nodeId: number): KeyedStateBackend | undefined;
  /** Forwards the barrier on every output, after the records emitted before. */
  broadcastBarrier(barrier: CheckpointBarrier): void;
  /** While suspended the task takes no input (a function's snapshotState() is still running). */
  setCheckpointSuspended(suspended: boolean): void;
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

  constructor(task: CheckpointingTask, services: TaskCheckpointServices, vertex: JobVertex, subtaskIndex: number, operatorIds: readonly string[]) {
    this.task = task;
    this.services = services;
    this.vertex = vertex;
    this.subtaskIndex = subtaskIndex;
    this.taskKey = `${vertex.id}/${subtaskIndex}`;
    this.operatorIds = operatorIds;
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
    this.decline(barrier.checkpointId, cause, what);
    this.task.broadcastBarrier(barrier);
  }

  private takeSnapshot(barrier: CheckpointBarrier): void {
    const id = barrier.checkpointId;
    const operators = this.task.chain.operators;
    const nodes = this.task.chain.nodes;
    const runners: { operatorId: string; keyed: SnapshotRunner | null; operatorState: OperatorStateSnapshotRunner | null }[] = [];
    try {
      for (let i = 0; i < operators.length; i++) {
        const op = operators[i]!;
        const backend = this.task.keyedStateBackendOf(nodes[i]!.id);
        runners.push({
          operatorId: this.operatorIds[i]!,
          keyed: backend === undefined ? null : backend.snapshot(id),
          operatorState: hasOperatorStateBackend(op) ? operatorStateBackendOf(op).snapshot(id) : null,
        });
      }
    } catch (e) {
      this.decline(id, e, 'the synchronous part of the snapshot');
      this.task.broadcastBarrier(barrier);
      return;
    }
    this.task.broadcastBarrier(barrier);
    const done = this.materializeAndAcknowledge(id, runners);
    this.inflight.add(done);
    void done.finally(() => this.inflight.delete(done));
  }

  private async materializeAndAcknowledge(
    id: number,
    runners: readonly { operatorId: string; keyed: SnapshotRunner | null; operatorState: OperatorStateSnapshotRunner | null }[],
  ): Promise<void> {
    try {
      const operators: OperatorSubtaskState[] = [];
      for (const r of runners) {
        const [keyed, operatorState] = await Promise.all([r.keyed?.materialize(), r.operatorState?.materialize()]);
        if (keyed === undefined && operatorState === undefined) continue;
        operators.push({ operatorId: r.operatorId, ...(keyed === undefined ? {} : { keyed }), ...(operatorState === undefined ? {} : { operatorState }) });
      }
      if (this.closed || this.aborted.has(id)) return;
      const handle = await this.services.storage.writeTaskState(id, { vertexId: this.vertex.id, subtaskIndex: this.subtaskIndex, operators });
      if (!this.closed) this.services.acknowledge(id, this.taskKey, handle);
    } catch (e) {
      if (!this.closed && !this.aborted.has(id)) this.decline(id, e, 'the asynchronous part of the snapshot');
    }
  }

  private decline(id: number, cause: unknown, what: string): void {
    log.info({ task: this.task.name, checkpointId: id, err: cause }, `checkpoint declined: ${what} failed`);
    this.services.decline(id, this.taskKey, cause);
  }

  // ---- notifications -----------------------------------------------------------------------

  notifyCheckpointComplete(checkpointId: number): void {
    for (const id of this.aborted) if (id < checkpointId) this.aborted.delete(id);
    for (const op of this.task.chain.operators) {
      this.call(op as FunctionHooks, 'notifyCheckpointComplete', checkpointId);
      this.call(userFunctionOf(op), 'notifyCheckpointComplete', checkpointId);
    }
  }

  notifyCheckpointAborted(checkpointId: number): void {
    this.aborted.add(checkpointId);
    for (const op of this.task.chain.operators) {
      this.call(op as FunctionHooks, 'notifyCheckpointAborted', checkpointId);
      this.call(userFunctionOf(op), 'notifyCheckpointAborted', checkpointId);
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

  taskFinished(): void {
    this.services.taskFinished(this.taskKey);
  }

  /** The task is closing: asynchronous parts still running are awaited (their backends go next). */
  async close(): Promise<void> {
    this.closed = true;
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }
}
