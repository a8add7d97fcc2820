/*
 * Who takes part in a checkpoint, and what a checkpoint of a partly finished job must not hold
 * (Flink's CheckpointPlan, DefaultCheckpointPlanCalculator and DefaultCheckpointPlan, FLIP-147).
 * The execution attempt plans each checkpoint: subtasks that ended are not waited for, sources and
 * tasks everything upstream of which ended are triggered, and the operators of job vertices all of
 * whose subtasks ended are recorded as fully finished.
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';
import type { CheckpointBarrier } from '../io/stream-events.ts';
import type { CoordinatorState, TaskStateHandle } from './checkpoint-metadata.ts';

/** Who takes part in a checkpoint (Flink's CheckpointPlan). */
export interface CheckpointPlan {
  /** Keys of the subtasks that must acknowledge: all that have not ended. */
  readonly tasksToWaitFor: readonly string[];
  /** Operator ids of the job vertices all of whose subtasks ended (Flink's fully finished operators). */
  readonly fullyFinishedOperators: readonly string[];
  /** Job vertices some, not all, of whose subtasks ended: their names by vertex id. */
  readonly partlyFinishedVertices: ReadonlyMap<number, string>;
  /** The names of all job vertices by id, for errors. */
  readonly vertexNames: ReadonlyMap<number, string>;
}

export interface TriggerOptions {
  /** Stop-with-savepoint: the sources emit nothing after the barrier. */
  readonly stopSources?: boolean;
  /** Stop-with-savepoint with drain: the sources' input ends before the barrier. */
  readonly drain?: boolean;
}

/** What one execution attempt offers the coordinator. */
export interface CheckpointParticipants {
  /** Who takes part in a checkpoint now; null while some subtask that has not ended is not running. */
  checkpointPlan(): CheckpointPlan | null;
  /**
   * Snapshots the operator coordinators, then has every source task that has not ended inject
   * `barrier`, and so does every task all of whose upstream tasks ended; split assignments made
   * meanwhile reach the readers only after the barrier.
   */
  triggerCheckpoint(barrier: CheckpointBarrier, options?: TriggerOptions): Promise<CoordinatorState[]>;
  notifyCheckpointComplete(checkpointId: number): void;
  notifyCheckpointAborted(checkpointId: number): void;
  /** Every subtask finished its input (or ended): a checkpoint now is the final one of all. */
  allTasksEndedInput(): boolean;
}

/**
 * Flink's DefaultCheckpointPlan checks: union list state is the union of every subtask's list,
 * so it would be incomplete after a restore if some subtasks of its vertex had ended (or
 * finished their operators, which ends them after the next checkpoint) while others run on.
 */
export function checkPartlyFinishedVertices(checkpointId: number, jobId: string, plan: CheckpointPlan, handles: readonly TaskStateHandle[]): FlinkError | null {
  const byVertex = new Map<number, { finished: number; total: number; union: boolean }>();
  for (const h of handles) {
    const v = byVertex.get(h.vertexId) ?? { finished: 0, total: 0, union: false };
    v.total++;
    if (h.finishedOperators === true) v.finished++;
    if (h.unionListState === true) v.union = true;
    byVertex.set(h.vertexId, v);
  }
  for (const [vertexId, v] of byVertex) {
    const partlyEnded = plan.partlyFinishedVertices.has(vertexId);
    if (!v.union || (!partlyEnded && (v.finished === 0 || v.finished === v.total))) continue;
    const name = plan.vertexNames.get(vertexId) ?? `vertex ${vertexId}`;
    return new FlinkError(
      ErrorCodes.FLINK_TS_UNSUPPORTED,
      `Checkpoint ${checkpointId} of job ${jobId} is refused: '${name}' uses union list state (getUnionListState), and ${partlyEnded ? 'some of its subtasks have ended' : 'some of its subtasks have finished their operators'} ` +
        `while others still run, so the union would miss their part after a restore (as Flink, PartialFinishingNotSupportedByStateException). Keep such an operator's subtasks ending together, or use list state`,
      { context: { checkpointId, operator: name } },
    );
  }
  return null;
}
