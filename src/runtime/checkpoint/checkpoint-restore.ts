/*
 * Restoring a job from a completed checkpoint or a savepoint (Flink's StateAssignmentOperation):
 * the task state files named in `_metadata` are read, and the state of each operator — found by
 * its operator id (operator-id.ts) — is assigned to the subtasks of the job about to run, at
 * whatever parallelism it now has. Keyed state goes by key group (each new subtask's backend
 * takes the key groups of its range from all old snapshots, or from the incremental RocksDB
 * handles whose key groups meet its range, their SST files in the `shared/` directory next to
 * the checkpoint's), operator list state is split
 * round-robin, union and broadcast state go to all, and coordinator (enumerator) state goes to
 * the source coordinators. State of operators that are no longer in the job is an error unless
 * the job allows non-restored state ('execution.savepoint.ignore-unclaimed-state').
 *
 * Operators that had finished on every subtask (Flink's fully finished operators, recorded in
 * `_metadata`) hold no state: the tasks chaining them are deployed as finished and run nothing
 * (a bounded source that had ended does not emit again). A task chaining finished with unfinished
 * operators, or a finished task after one that had not finished, is refused, as Flink does.
 *
 * The in-flight data of an unaligned checkpoint goes back to the same subtask of the same vertex
 * (its channels are numbered by producer and consumer subtask) when every vertex keeps its
 * parallelism; when some vertex runs at another parallelism, the data of each job edge is
 * redistributed over the new consumer subtasks (channel-state-rescaling.ts). Either way the job
 * must keep its shape: the same tasks chaining the same operators.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ErrorCodes, FlinkError } from '../../errors.ts';
import type { JobGraph, JobVertex } from '../../graph/job-graph.ts';
import { getLogger } from '../../utils/logger.ts';
import { OperatorStateBackend } from '../state/operator/operator-state-backend.ts';
import type { OperatorStateSnapshot } from '../state/operator/operator-state-snapshot.ts';
import type { KeyedStateSnapshot } from '../state/snapshot/keyed-state-snapshot.ts';
import type { IncrementalRestoreHandle, OperatorRestoreState, TaskRestoreState } from '../tasks/task-state-restorer.ts';
import type { ChannelStateSnapshot } from './channel-state.ts';
import { needsRescaling, rescaleChannelState } from './channel-state-rescaling.ts';
import type { CheckpointMetadata, CoordinatorState } from './checkpoint-metadata.ts';
import { checkpointDirectoryPath, METADATA_FILE_NAME, sharedDirectoryOf, type CheckpointReader } from './checkpoint-storage.ts';
import { operatorIdsOf } from './operator-id.ts';

const log = getLogger('CheckpointRestore');

export interface JobRestoreState {
  readonly checkpointId: number;
  /** The checkpoint or savepoint directory (or in-memory pointer) restored. */
  readonly pointer: string;
  /** Per task key (`<vertexId>/<subtaskIndex>`). */
  readonly tasks: ReadonlyMap<string, TaskRestoreState>;
  /** Per operator id of a split-based source. */
  readonly coordinators: ReadonlyMap<string, CoordinatorState>;
}

function restoreError(path: string, what: string, cause?: unknown): FlinkError {
  return new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Cannot restore the job from '${path}': ${what}`, { ...(cause === undefined ? {} : { cause }), context: { file: path } });
}

/**
 * The directory of a savepoint or retained checkpoint given by the user ('execution.savepoint.path',
 * `flink-ts run -s`): the directory itself or its `_metadata` file, as a path or file:// URI.
 */
export function resolveRestorePath(path: string): string {
  const local = checkpointDirectoryPath(path);
  if (!existsSync(local)) throw restoreError(path, 'the path does not exist');
  const dir = statSync(local).isDirectory() ? local : basename(local) === METADATA_FILE_NAME ? dirname(local) : null;
  if (dir === null) throw restoreError(path, `it is neither a checkpoint or savepoint directory nor its '${METADATA_FILE_NAME}' file`);
  if (!existsSync(join(dir, METADATA_FILE_NAME))) {
    throw restoreError(path, `it has no '${METADATA_FILE_NAME}' file, so it is not a completed checkpoint or savepoint (a chk-<n> directory gets '${METADATA_FILE_NAME}' last, when the checkpoint completes)`);
  }
  return dir;
}

/** Reads the metadata and every task state file of a checkpoint; errors name the path. */
export async function readCheckpoint(reader: CheckpointReader, pointer: string): Promise<{ metadata: CheckpointMetadata; tasks: Awaited<ReturnType<CheckpointReader['readTaskState']>>[] }> {
  try {
    const metadata = await reader.readMetadata(pointer);
    const tasks = [];
    for (const handle of metadata.tasks) tasks.push(await reader.readTaskState(pointer, handle));
    return { metadata, tasks };
  } catch (e) {
    throw restoreError(pointer, e instanceof Error ? e.message : String(e), e);
  }
}

/**
 * Reads the channel state files of an unaligned checkpoint, by task key; refuses a job whose
 * vertices or chains differ from the checkpoint's. At another parallelism the in-flight data is
 * redistributed and keyed by the new task keys.
 */
async function loadChannelState(reader: CheckpointReader, pointer: string, metadata: CheckpointMetadata, jobGraph: JobGraph): Promise<Map<string, ChannelStateSnapshot>> {
  const withData = metadata.tasks.filter((h) => h.channelState !== undefined);
  const states = new Map<string, ChannelStateSnapshot>();
  if (withData.length === 0) return states;
  const oldParallelism = new Map<number, number>();
  for (const h of metadata.tasks) oldParallelism.set(h.vertexId, (oldParallelism.get(h.vertexId) ?? 0) + 1);
  const refuse = (what: string): FlinkError =>
    new FlinkError(
      ErrorCodes.FLINK_TS_UNSUPPORTED,
      `Cannot restore the job from '${pointer}' (checkpoint ${metadata.checkpointId}): it is an unaligned checkpoint holding in-flight data, which is restored only ` +
        `with the same job shape (the parallelism may change), and ${what}. Restore from a savepoint (always aligned) or an aligned checkpoint`,
      { context: { checkpointId: metadata.checkpointId, file: pointer } },
    );
  const ids = operatorIdsOf(jobGraph);
  const chainIds = (vertex: JobVertex): string[] => vertex.chainedNodes.map((n) => ids.get(n.id)!);
  if (jobGraph.vertices.length !== oldParallelism.size) throw refuse(`the job has ${jobGraph.vertices.length} tasks instead of ${oldParallelism.size}`);
  for (const vertex of jobGraph.vertices) {
    if (!oldParallelism.has(vertex.id)) throw refuse(`task '${vertex.name}' (${vertex.id}) is not in the checkpoint`);
  }
  for (const h of withData) {
    let snapshot: ChannelStateSnapshot;
    try {
      snapshot = await reader.readChannelState(pointer, h.channelState!.location);
    } catch (e) {
      throw restoreError(pointer, e instanceof Error ? e.message : String(e), e);
    }
    const vertex = jobGraph.vertices.find((v) => v.id === h.vertexId);
    if (vertex === undefined || chainIds(vertex).join('\u0000') !== snapshot.operatorIds.join('\u0000')) {
      throw refuse(`task ${h.vertexId}${vertex === undefined ? '' : ` ('${vertex.name}')`} no longer chains the operators ${snapshot.operatorIds.join(', ')}`);
    }
    states.set(`${h.vertexId}/${h.subtaskIndex}`, snapshot);
  }
  if (!needsRescaling(jobGraph, oldParallelism)) return states;
  const rescaled = rescaleChannelState(states, { jobGraph, oldParallelism, refuse, where: `the channel state of '${pointer}'`, chainIds });
  log.info({ checkpointId: metadata.checkpointId, path: pointer, subtasks: rescaled.size }, 'in-flight data of the unaligned checkpoint redistributed to the new parallelism');
  return rescaled;
}

/** The vertices of the job all of whose operators had finished in the checkpoint; refuses what Flink refuses. */
function finishedVertices(jobGraph: JobGraph, ids: ReadonlyMap<number, string>, metadata: CheckpointMetadata, pointer: string): Set<JobVertex> {
  const finished = new Set(metadata.fullyFinishedOperators ?? []);
  const vertices = new Set<JobVertex>();
  if (finished.size === 0) return vertices;
  const refuse = (what: string): FlinkError =>
    new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Cannot restore the job from '${pointer}' (checkpoint ${metadata.checkpointId}): ${what}`, {
      context: { checkpointId: metadata.checkpointId, file: pointer },
    });
  for (const vertex of jobGraph.vertices) {
    const chain = vertex.chainedNodes;
    const done = chain.filter((n) => finished.has(ids.get(n.id)!));
    if (done.length === 0) continue;
    if (done.length < chain.length) {
      const running = chain.filter((n) => !done.includes(n));
      throw refuse(
        `task '${vertex.name}' chains operators that had finished (${done.map((n) => n.name).join(', ')}) with operators that had not (${running.map((n) => n.name).join(', ')}); ` +
          `a task runs all of its operators or none. Keep the chain as it was, or restore from a checkpoint taken before the operators finished`,
      );
    }
    vertices.add(vertex);
  }
  for (const vertex of vertices) {
    const upstream = vertex.inputs.map((e) => e.source).find((v) => !vertices.has(v));
    if (upstream !== undefined) {
      throw refuse(`'${vertex.name}' had finished, but '${upstream.name}', which feeds it, had not: a finished task cannot follow one that still runs (the job graph changed)`);
    }
  }
  return vertices;
}

export async function loadRestoreState(reader: CheckpointReader, pointer: string, jobGraph: JobGraph, allowNonRestoredState: boolean): Promise<JobRestoreState> {
  const { metadata, tasks: taskStates } = await readCheckpoint(reader, pointer);
  const channelStates = await loadChannelState(reader, pointer, metadata, jobGraph);
  const keyed = new Map<string, KeyedStateSnapshot[]>();
  const keyedIncremental = new Map<string, IncrementalRestoreHandle[]>();
  const operatorState = new Map<string, (OperatorStateSnapshot | undefined)[]>();
  for (const task of taskStates) {
    for (const op of task.operators) {
      if (op.keyed !== undefined) {
        const list = keyed.get(op.operatorId) ?? [];
        list.push(op.keyed);
        keyed.set(op.operatorId, list);
      }
      if (op.keyedIncremental !== undefined) {
        const list = keyedIncremental.get(op.operatorId) ?? [];
        list.push({ handle: op.keyedIncremental.handle, sharedDirectory: sharedDirectoryOf(pointer), privateDirectory: join(pointer, op.keyedIncremental.privateDirectory) });
        keyedIncremental.set(op.operatorId, list);
      }
      if (op.operatorState !== undefined) {
        const bySubtask = operatorState.get(op.operatorId) ?? [];
        bySubtask[task.subtaskIndex] = op.operatorState;
        operatorState.set(op.operatorId, bySubtask);
      }
    }
  }
  const ids = operatorIdsOf(jobGraph);
  const known = new Set<string>();
  const tasks = new Map<string, TaskRestoreState>();
  const finished = finishedVertices(jobGraph, ids, metadata, pointer);
  for (const vertex of jobGraph.vertices) {
    if (finished.has(vertex)) {
      for (const node of vertex.chainedNodes) known.add(ids.get(node.id)!);
      for (let subtask = 0; subtask < vertex.parallelism; subtask++) {
        tasks.set(`${vertex.id}/${subtask}`, { checkpointId: metadata.checkpointId, pointer, operators: new Map(), finishedOnRestore: true });
      }
      continue;
    }
    const perSubtask = Array.from({ length: vertex.parallelism }, () => new Map<string, OperatorRestoreState>());
    for (const node of vertex.chainedNodes) {
      const id = ids.get(node.id)!;
      known.add(id);
      const old = operatorState.get(id);
      const parts = old === undefined ? null : OperatorStateBackend.redistribute(Array.from({ length: old.length }, (_, i) => old[i]), vertex.parallelism);
      for (let subtask = 0; subtask < vertex.parallelism; subtask++) {
        perSubtask[subtask]!.set(id, { keyed: keyed.get(id) ?? [], keyedIncremental: keyedIncremental.get(id) ?? [], operatorState: parts?.[subtask] ?? [] });
      }
    }
    perSubtask.forEach((operators, subtask) => {
      const channelState = channelStates.get(`${vertex.id}/${subtask}`);
      tasks.set(`${vertex.id}/${subtask}`, { checkpointId: metadata.checkpointId, pointer, operators, ...(channelState === undefined ? {} : { channelState }) });
    });
  }
  const unknown = [...new Set([...keyed.keys(), ...keyedIncremental.keys(), ...operatorState.keys(), ...metadata.coordinators.map((c) => c.operatorId)])].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    if (!allowNonRestoredState) {
      throw new FlinkError(
        ErrorCodes.FLINK_TS_ILLEGAL_STATE,
        `Cannot restore the job from '${pointer}' (checkpoint ${metadata.checkpointId}): it holds state of operators that are not part of the job (${unknown.join(', ')}). ` +
          `Give stateful operators the same uid() as before, or allow non-restored state with 'execution.savepoint.ignore-unclaimed-state: true' (flink-ts run --allowNonRestoredState)`,
        { context: { checkpointId: metadata.checkpointId, file: pointer } },
      );
    }
    log.info({ checkpointId: metadata.checkpointId, path: pointer, operators: unknown }, 'state of operators that are not part of the job is not restored');
  }
  const coordinators = new Map(metadata.coordinators.filter((c) => known.has(c.operatorId)).map((c) => [c.operatorId, c]));
  return { checkpointId: metadata.checkpointId, pointer, tasks, coordinators };
}
