/*
 * What a checkpoint holds and how it is written (MessagePack). Each subtask writes one task state
 * file: per operator of its chain, the keyed state snapshot (the backends' portable format,
 * keyed-state-snapshot.ts) or, for incremental RocksDB checkpoints, the handle of its files, and
 * the operator state snapshot (operator-state-snapshot.ts). The coordinator writes `_metadata`
 * last: the checkpoint's id and time, the handles of all task state files (with the shared files
 * they refer to, and the channel state files of unaligned checkpoints, channel-state.ts), the
 * states of the operator coordinators (split enumerators), and the operators every subtask of
 * which had finished (Flink's FullyFinishedOperatorState: they hold no state and do not run again
 * after a restore). A checkpoint is complete when, and only when, its `_metadata` exists.
 */
import { Packr } from 'msgpackr';
import { ErrorCodes, FlinkError } from '../../errors.ts';
import type { IncrementalKeyedStateHandle } from '../state/rocksdb/rocksdb-incremental-snapshot.ts';
import type { KeyedStateSnapshot } from '../state/snapshot/keyed-state-snapshot.ts';
import type { OperatorStateSnapshot } from '../state/operator/operator-state-snapshot.ts';

export const CHECKPOINT_METADATA_VERSION = 1;
export const TASK_STATE_VERSION = 1;

/**
 * Keyed state checkpointed incrementally (RocksDB): the handle names SST files in the job's
 * `shared/` directory and the other files in `privateDirectory`, a directory of the checkpoint
 * (its name, relative to the checkpoint directory, so a job directory can be moved whole).
 */
export interface IncrementalKeyedState {
  readonly handle: IncrementalKeyedStateHandle;
  readonly privateDirectory: string;
}

/** The state of one operator in one subtask. */
export interface OperatorSubtaskState {
  /** The operator's uid, or an id derived from its place in the job graph. */
  readonly operatorId: string;
  readonly keyed?: KeyedStateSnapshot;
  readonly keyedIncremental?: IncrementalKeyedState;
  readonly operatorState?: OperatorStateSnapshot;
}

/** Everything one subtask contributes to a checkpoint. */
export interface TaskStateSnapshot {
  readonly vertexId: number;
  readonly subtaskIndex: number;
  readonly operators: readonly OperatorSubtaskState[];
}

/** Where a subtask's state was written, as the metadata records it. */
export interface TaskStateHandle {
  readonly vertexId: number;
  readonly subtaskIndex: number;
  /** File name inside the checkpoint directory (or the key of in-memory storage). */
  readonly location: string;
  /** Bytes this checkpoint wrote for the subtask (its file, and new shared files when incremental). */
  readonly stateSize: number;
  /** Bytes of the whole state the subtask's part describes, shared files included; stateSize when absent. */
  readonly fullStateSize?: number;
  /** Names of the files in the job's `shared/` directory this part refers to (incremental checkpoints). */
  readonly sharedFiles?: readonly string[];
  /** The subtask took the checkpoint unaligned (from the start, or after its aligned timeout). */
  readonly unaligned?: boolean;
  /** Its in-flight data (unaligned checkpoints): the channel state file and the bytes of data it holds. */
  readonly channelState?: { readonly location: string; readonly persistedData: number };
  /** The subtask took the checkpoint after its operators finished (end of input, Flink's isTaskFinished). */
  readonly finishedOperators?: boolean;
  /** An operator of the subtask keeps union list state (checked when only some subtasks finished). */
  readonly unionListState?: boolean;
}

/** The checkpointed state of an operator coordinator (a split enumerator), serialized by its source. */
export interface CoordinatorState {
  readonly operatorId: string;
  readonly serializerVersion: number;
  readonly state: Uint8Array;
}

export interface CheckpointMetadata {
  readonly version: number;
  readonly jobId: string;
  readonly checkpointId: number;
  /** When the checkpoint was triggered, epoch ms. */
  readonly timestamp: number;
  readonly completionTimestamp: number;
  readonly tasks: readonly TaskStateHandle[];
  readonly coordinators: readonly CoordinatorState[];
  /**
   * Ids of the operators all of whose subtasks had finished when the checkpoint was triggered
   * (Flink's fully finished operators); absent when none. They have no task state: a restore
   * deploys their tasks as finished, so a bounded source that ended does not emit again.
   */
  readonly fullyFinishedOperators?: readonly string[];
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false } as ConstructorParameters<typeof Packr>[0]);

function corrupt(what: string, where: string, cause?: unknown): FlinkError {
  return new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Cannot read ${where}: ${what}`, { ...(cause === undefined ? {} : { cause }), context: { file: where } });
}

function unpack(bytes: Uint8Array, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (e) {
    throw corrupt(`it is not a valid checkpoint file (${e instanceof Error ? e.message : String(e)})`, where, e);
  }
  if (typeof value !== 'object' || value === null) throw corrupt('it is not a checkpoint file', where);
  return value as Record<string, unknown>;
}

export function encodeTaskState(snapshot: TaskStateSnapshot): Uint8Array {
  return packr.pack({
    version: TASK_STATE_VERSION,
    vertexId: snapshot.vertexId,
    subtaskIndex: snapshot.subtaskIndex,
    operators: snapshot.operators.map((op) => ({
      operatorId: op.operatorId,
      ...(op.keyed === undefined ? {} : { keyed: { ...op.keyed, keyGroups: [...op.keyed.keyGroups] } }),
      ...(op.operatorState === undefined ? {} : { operatorState: op.operatorState }),
      ...(op.keyedIncremental === undefined ? {} : { keyedIncremental: op.keyedIncremental }),
    })),
  });
}

export function decodeTaskState(bytes: Uint8Array, where: string): TaskStateSnapshot {
  const raw = unpack(bytes, where);
  if (raw['version'] !== TASK_STATE_VERSION) throw corrupt(`it has task state format version ${String(raw['version'])}, this version reads ${TASK_STATE_VERSION}`, where);
  if (!Array.isArray(raw['operators'])) throw corrupt('it has no operator states', where);
  const operators = (raw['operators'] as Record<string, any>[]).map((op): OperatorSubtaskState => {
    const keyed = op['keyed'] as (Omit<KeyedStateSnapshot, 'keyGroups'> & { keyGroups: [number, Uint8Array][] }) | undefined;
    return {
      operatorId: String(op['operatorId']),
      ...(keyed === undefined ? {} : { keyed: { ...keyed, keyGroups: new Map(keyed.keyGroups) } }),
      ...(op['operatorState'] === undefined ? {} : { operatorState: op['operatorState'] as OperatorStateSnapshot }),
      ...(op['keyedIncremental'] === undefined ? {} : { keyedIncremental: op['keyedIncremental'] as IncrementalKeyedState }),
    };
  });
  return { vertexId: Number(raw['vertexId']), subtaskIndex: Number(raw['subtaskIndex']), operators };
}

export function encodeMetadata(metadata: CheckpointMetadata): Uint8Array {
  return packr.pack(metadata);
}

export function decodeMetadata(bytes: Uint8Array, where: string): CheckpointMetadata {
  const raw = unpack(bytes, where);
  if (raw['version'] !== CHECKPOINT_METADATA_VERSION) throw corrupt(`it has metadata format version ${String(raw['version'])}, this version reads ${CHECKPOINT_METADATA_VERSION}`, where);
  if (typeof raw['checkpointId'] !== 'number' || !Array.isArray(raw['tasks']) || !Array.isArray(raw['coordinators'])) throw corrupt('the checkpoint metadata is incomplete', where);
  const finished = raw['fullyFinishedOperators'];
  if (finished !== undefined && !(Array.isArray(finished) && finished.every((id) => typeof id === 'string'))) throw corrupt('its list of finished operators is not a list of operator ids', where);
  return raw as unknown as CheckpointMetadata;
}

/** The task state handle with what its incremental snapshots wrote and refer to. */
export function withSharedState(handle: TaskStateHandle, written: readonly IncrementalKeyedState[]): TaskStateHandle {
  if (written.length === 0) return handle;
  let incremental = 0;
  let full = 0;
  const sharedFiles: string[] = [];
  for (const { handle: h } of written) {
    incremental += h.incrementalSize;
    full += h.fullSize;
    for (const f of h.sharedFiles) sharedFiles.push(f.stored);
    for (const f of h.changelog ?? []) sharedFiles.push(f.stored);
  }
  return { ...handle, stateSize: handle.stateSize + incremental, fullStateSize: handle.stateSize + full, sharedFiles };
}
