/*
 * Restoring a job from a completed checkpoint (Flink's StateAssignmentOperation): the task state
 * files named in `_metadata` are read, and the state of each operator is assigned to the subtasks
 * of the job about to run. Keyed state goes by key group (each new subtask's backend takes the key
 * groups of its range from all old snapshots), operator state is redistributed round-robin (list),
 * to all (union, broadcast), and coordinator (enumerator) state goes to the source coordinators.
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';
import type { JobGraph } from '../../graph/job-graph.ts';
import { OperatorStateBackend } from '../state/operator/operator-state-backend.ts';
import type { OperatorStateSnapshot } from '../state/operator/operator-state-snapshot.ts';
import type { KeyedStateSnapshot } from '../state/snapshot/keyed-state-snapshot.ts';
import { operatorIdOf, type TaskRestoreState } from '../tasks/subtask-checkpoint-coordinator.ts';
import type { CheckpointMetadata, CoordinatorState } from './checkpoint-metadata.ts';
import type { CheckpointStorage } from './checkpoint-storage.ts';

export interface JobRestoreState {
  readonly checkpointId: number;
  /** Per task key (`<vertexId>/<subtaskIndex>`). */
  readonly tasks: ReadonlyMap<string, TaskRestoreState>;
  /** Per operator id of a split-based source. */
  readonly coordinators: ReadonlyMap<string, CoordinatorState>;
}

export async function loadRestoreState(storage: CheckpointStorage, pointer: string, metadata: CheckpointMetadata, jobGraph: JobGraph): Promise<JobRestoreState> {
  const keyed = new Map<string, KeyedStateSnapshot[]>();
  const operatorState = new Map<string, (OperatorStateSnapshot | undefined)[]>();
  for (const handle of metadata.tasks) {
    const task = await storage.readTaskState(pointer, handle);
    for (const op of task.operators) {
      if (op.keyed !== undefined) {
        const list = keyed.get(op.operatorId) ?? [];
        list.push(op.keyed);
        keyed.set(op.operatorId, list);
      }
      if (op.operatorState !== undefined) {
        const bySubtask = operatorState.get(op.operatorId) ?? [];
        bySubtask[task.subtaskIndex] = op.operatorState;
        operatorState.set(op.operatorId, bySubtask);
      }
    }
  }
  const known = new Set<string>();
  const tasks = new Map<string, TaskRestoreState>();
  for (const vertex of jobGraph.vertices) {
    const perSubtask = Array.from({ length: vertex.parallelism }, () => new Map<string, { keyed: KeyedStateSnapshot[]; operatorState: OperatorStateSnapshot[] }>());
    for (const node of vertex.chainedNodes) {
      const id = operatorIdOf(vertex, node);
      known.add(id);
      const old = operatorState.get(id);
      const parts = old === undefined ? null : OperatorStateBackend.redistribute(Array.from({ length: old.length }, (_, i) => old[i]), vertex.parallelism);
      for (let subtask = 0; subtask < vertex.parallelism; subtask++) {
        perSubtask[subtask]!.set(id, { keyed: keyed.get(id) ?? [], operatorState: parts?.[subtask] ?? [] });
      }
    }
    perSubtask.forEach((operators, subtask) => tasks.set(`${vertex.id}/${subtask}`, { checkpointId: metadata.checkpointId, operators }));
  }
  const unknown = [...new Set([...keyed.keys(), ...operatorState.keys(), ...metadata.coordinators.map((c) => c.operatorId)])].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new FlinkError(
      ErrorCodes.FLINK_TS_ILLEGAL_STATE,
      `Cannot restore checkpoint ${metadata.checkpointId} from '${pointer}': it holds state of operators that are not part of the job (${unknown.join(', ')})`,
      { context: { checkpointId: metadata.checkpointId, file: pointer } },
    );
  }
  return { checkpointId: metadata.checkpointId, tasks, coordinators: new Map(metadata.coordinators.map((c) => [c.operatorId, c])) };
}
