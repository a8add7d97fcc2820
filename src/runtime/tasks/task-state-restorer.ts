/*
 * Restoring the operators of one subtask from a checkpoint or savepoint (Flink's
 * StreamTaskStateInitializer): keyed state goes into the keyed state backends once they exist,
 * operator state into each operator's operator state backend after setup() and before open(), so
 * that initializeState() finds it. A job restored from a savepoint need not take checkpoints
 * itself, so this does not depend on the subtask's checkpointing.
 *
 * Keyed state of incremental checkpoints (RocksDB handles) is restored with restoreIncremental
 * (only the handles whose key groups meet the subtask's). When the handle is the subtask's own,
 * in this job's shared directory, its files become the base of the next incremental checkpoint;
 * from another job's checkpoint (`-s`), the next checkpoint is full: a job never refers to files
 * it does not own (Flink's NO_CLAIM).
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';
import type { ChannelStateSnapshot } from '../checkpoint/channel-state.ts';
import type { StreamNode } from '../../graph/stream-graph.ts';
import { SourceOperator } from '../operators/source-operator.ts';
import type { AbstractStreamOperator } from '../operators/stream-operator.ts';
import { KeyGroupRange } from '../state/key-group-range.ts';
import type { KeyedStateBackend } from '../state/keyed-state-backend.ts';
import type { IncrementalKeyedStateHandle } from '../state/rocksdb/rocksdb-incremental-snapshot.ts';
import type { KeyedStateSnapshot } from '../state/snapshot/keyed-state-snapshot.ts';
import { hasOperatorStateBackend, operatorStateBackendOf } from '../state/operator/function-state.ts';
import type { OperatorStateSnapshot } from '../state/operator/operator-state-snapshot.ts';

/** The state a subtask restores: per operator id, the snapshots of the old subtasks meant for it. */
export interface TaskRestoreState {
  readonly checkpointId: number;
  /** Where the state comes from (a checkpoint or savepoint directory), for error messages. */
  readonly pointer?: string;
  readonly operators: ReadonlyMap<string, OperatorRestoreState>;
  /** The subtask's in-flight data of an unaligned checkpoint, replayed before new input. */
  readonly channelState?: ChannelStateSnapshot;
  /** Every operator of the chain had finished (Flink's FINISHED_ON_RESTORE): the task runs none of them. */
  readonly finishedOnRestore?: boolean;
}

/** An incremental keyed state handle with the directories its files are in. */
export interface IncrementalRestoreHandle {
  readonly handle: IncrementalKeyedStateHandle;
  readonly sharedDirectory: string;
  readonly privateDirectory: string;
}

export interface OperatorRestoreState {
  readonly keyed: readonly KeyedStateSnapshot[];
  /** Keyed state of incremental checkpoints, one handle per old subtask. */
  readonly keyedIncremental?: readonly IncrementalRestoreHandle[];
  readonly operatorState: readonly OperatorStateSnapshot[];
}

interface IncrementalRestoringBackend extends KeyedStateBackend {
  restoreIncremental(handles: readonly IncrementalRestoreHandle[], adoptBase?: boolean): Promise<void>;
}

/** What the restorer needs of its task. */
export interface RestoringTask {
  readonly name: string;
  readonly chain: { readonly operators: readonly AbstractStreamOperator<unknown>[]; readonly nodes: readonly StreamNode[] };
  keyedStateBackendOf(nodeId: number): KeyedStateBackend | undefined;
}

/**
 * Loads the keyed state of the chain's keyed operators (after their backends exist).
 * `sharedDirectory`: where this job's incremental checkpoints put shared files (null: none).
 */
export async function restoreKeyedState(task: RestoringTask, operatorIds: readonly string[], restore: TaskRestoreState, sharedDirectory: string | null = null): Promise<void> {
  const nodes = task.chain.nodes;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    const state = restore.operators.get(operatorIds[i]!);
    const snapshots = state?.keyed ?? [];
    const incremental = state?.keyedIncremental ?? [];
    const backend = task.keyedStateBackendOf(node.id);
    if (snapshots.length === 0 && incremental.length === 0) continue;
    if (backend === undefined) {
      throw new FlinkError(
        ErrorCodes.FLINK_TS_ILLEGAL_STATE,
        `Cannot restore operator '${node.name}' of task ${task.name} from ${describe(restore)}: it holds keyed state, but the operator is not keyed in this job`,
        { context: { operator: node.name, checkpointId: restore.checkpointId, ...(restore.pointer === undefined ? {} : { file: restore.pointer }) } },
      );
    }
    const other = [...snapshots, ...incremental.map((h) => h.handle)].find((s) => s.maxParallelism !== node.maxParallelism);
    if (other !== undefined) {
      // Key groups are the unit of keyed state: their number cannot change across a restore.
      throw new FlinkError(
        ErrorCodes.FLINK_TS_ILLEGAL_STATE,
        `Cannot restore operator '${node.name}' from ${describe(restore)}: its state has max parallelism ${other.maxParallelism}, ` +
          `the job has ${node.maxParallelism}; set 'pipeline.max-parallelism' (or setMaxParallelism) to ${other.maxParallelism}`,
        { context: { operator: node.name, checkpointId: restore.checkpointId, ...(restore.pointer === undefined ? {} : { file: restore.pointer }) } },
      );
    }
    if (incremental.length > 0) await restoreIncrementalState(task, node, backend, incremental, restore, sharedDirectory);
    if (snapshots.length > 0) await backend.restore(snapshots);
  }
}

async function restoreIncrementalState(
  task: RestoringTask,
  node: StreamNode,
  backend: KeyedStateBackend,
  handles: readonly IncrementalRestoreHandle[],
  restore: TaskRestoreState,
  sharedDirectory: string | null,
): Promise<void> {
  if (typeof (backend as Partial<IncrementalRestoringBackend>).restoreIncremental !== 'function') {
    // Flink cannot switch backends from an incremental (native) checkpoint either; savepoints are portable.
    throw new FlinkError(
      ErrorCodes.FLINK_TS_ILLEGAL_STATE,
      `Cannot restore operator '${node.name}' of task ${task.name} from ${describe(restore)}: it is an incremental RocksDB checkpoint, and the job uses the '${backend.type}' state backend; ` +
        `use the RocksDB state backend ('state.backend.type: rocksdb'), or restore from a savepoint, which any backend reads`,
      { context: { operator: node.name, checkpointId: restore.checkpointId, ...(restore.pointer === undefined ? {} : { file: restore.pointer }) } },
    );
  }
  const range = backend.keyGroupRange;
  const mine = handles.filter((h) => new KeyGroupRange(h.handle.keyGroupRange.startKeyGroup, h.handle.keyGroupRange.endKeyGroup).getIntersection(range).numberOfKeyGroups > 0);
  if (mine.length === 0) return;
  const adoptBase = sharedDirectory !== null && mine.every((h) => h.sharedDirectory === sharedDirectory);
  await (backend as IncrementalRestoringBackend).restoreIncremental(mine, adoptBase);
}

/** Loads operator state (after setup, before open: initializeState() finds it). */
export function restoreOperatorState(task: RestoringTask, operatorIds: readonly string[], restore: TaskRestoreState): void {
  const operators = task.chain.operators;
  for (let i = 0; i < operators.length; i++) {
    const op = operators[i]!;
    const parts = restore.operators.get(operatorIds[i]!)?.operatorState ?? [];
    const fn = (op as { userFunction?: { initializeState?: unknown } }).userFunction;
    // Every operator that may ask for operator state learns it was restored (isRestored()).
    if (parts.length > 0 || op instanceof SourceOperator || typeof fn?.initializeState === 'function' || hasOperatorStateBackend(op) || isStatefulOperator(op)) {
      operatorStateBackendOf(op).restore(parts);
    }
  }
}

/** Operators that keep operator state of their own (sink writers and committers) say so. */
function isStatefulOperator(op: object): boolean {
  return (op as { usesOperatorState?: boolean }).usesOperatorState === true;
}

function describe(restore: TaskRestoreState): string {
  return restore.pointer === undefined ? `checkpoint ${restore.checkpointId}` : `'${restore.pointer}'`;
}
