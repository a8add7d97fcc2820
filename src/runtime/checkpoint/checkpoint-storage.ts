/*
 * Where checkpoints are written (Flink's CheckpointStorageAccess).
 *
 * FileSystemCheckpointStorage lays a job's checkpoints out as Flink does:
 *   <state.checkpoints.dir>/<jobId>/chk-<n>/   one file per subtask (and, for unaligned
 *                                               checkpoints, a channel state file per subtask
 *                                               with in-flight data), then `_metadata`
 *   <state.checkpoints.dir>/<jobId>/shared/    files shared between checkpoints (incremental)
 *                                               which the coordinator's SharedStateRegistry deletes
 *                                               once no retained checkpoint refers to them
 *   <state.checkpoints.dir>/<jobId>/taskowned/ files owned by the tasks
 * `_metadata` is written to a temporary name and renamed, so it appears whole and last: a
 * chk-<n> folder without it is not a completed checkpoint.
 *
 * Directories and the small `_metadata` file are written synchronously: each asynchronous file
 * operation costs a turn of the event loop, which the tasks share, and these are tiny; the task
 * state files, which hold the state, are written asynchronously. Every write goes through the
 * CheckpointFileWriter of the directory's URI scheme (checkpoint-file-writer.ts; node:fs for paths
 * and file:// URIs). A write that fails names the checkpoint, the subtask, its operators and the
 * file; the subtask then declines the checkpoint, and a file written part-way is deleted with the
 * checkpoint's directory (a chk-<n> without `_metadata` is never a completed checkpoint).
 *
 * JobManagerCheckpointStorage (no 'state.checkpoints.dir') keeps the same bytes in memory, for
 * recovery within this process only.
 *
 * Savepoints are written by either storage to a directory of their own,
 * `<target>/savepoint-<first 6 characters of the job id>-<random>/`, laid out as a checkpoint
 * (task state files, then `_metadata`), with file names relative to it: the directory is
 * self-contained and can be moved or copied elsewhere before a job is restored from it.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { readFile, readdir, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ErrorCodes, FlinkError } from '../../errors.ts';
import { resolveCheckpointDirectory, type CheckpointFileWriter } from './checkpoint-file-writer.ts';
import { decodeChannelState, encodeChannelState, type ChannelStateSnapshot } from './channel-state.ts';
import { decodeMetadata, decodeTaskState, encodeMetadata, encodeTaskState, type CheckpointMetadata, type TaskStateHandle, type TaskStateSnapshot } from './checkpoint-metadata.ts';

export const METADATA_FILE_NAME = '_metadata';
export const CHECKPOINT_DIR_PREFIX = 'chk-';
export const SAVEPOINT_DIR_PREFIX = 'savepoint-';
export const SHARED_STATE_DIR = 'shared';

/** Where an incremental keyed snapshot writes: the job's shared directory and a directory of the checkpoint. */
export interface IncrementalSnapshotLocation {
  readonly sharedDirectory: string;
  readonly privateDirectory: string;
  /** How its files are written (the storage's writer). */
  readonly writer: CheckpointFileWriter;
}

/** The shared directory that checkpoint `pointer` (a chk-<n> directory) refers to: `../shared`. */
export function sharedDirectoryOf(pointer: string): string {
  return join(dirname(pointer), SHARED_STATE_DIR);
}

/** Reads completed checkpoints by their pointer. */
export interface CheckpointReader {
  readMetadata(pointer: string): Promise<CheckpointMetadata>;
  readTaskState(pointer: string, handle: TaskStateHandle): Promise<TaskStateSnapshot>;
  /** The in-flight data of an unaligned checkpoint's subtask (its handle has `channelState`). */
  readChannelState(pointer: string, location: string): Promise<ChannelStateSnapshot>;
}

export interface CheckpointStorage extends CheckpointReader {
  /** 'filesystem' or 'jobmanager', as Flink names them. */
  readonly type: string;
  /** Prepares the location of a checkpoint before its barriers are injected. */
  initializeCheckpoint(checkpointId: number): Promise<void>;
  /**
   * Prepares a savepoint: the checkpoint `checkpointId` is written to a new directory under
   * `targetDirectory` instead of the checkpoint directory. Returns that directory.
   */
  initializeSavepoint(checkpointId: number, targetDirectory: string, jobId: string): Promise<string>;
  /**
   * Where an incremental snapshot of checkpoint `checkpointId` writes (`name`: a directory of the
   * checkpoint). Null when the checkpoint cannot be incremental: a savepoint (always full and
   * self-contained, as in Flink) or a storage that keeps no files.
   */
  incrementalSnapshotLocation(checkpointId: number, name: string): IncrementalSnapshotLocation | null;
  /** Deletes files of the shared directory (by name) that no retained checkpoint refers to. */
  discardSharedFiles(names: readonly string[]): Promise<void>;
  /** Writes a subtask's in-flight data of an unaligned checkpoint; returns the file's name. */
  writeChannelState(checkpointId: number, snapshot: ChannelStateSnapshot): Promise<{ location: string; size: number }>;
  /** Called by a subtask at the end of the asynchronous part of its snapshot. */
  writeTaskState(checkpointId: number, snapshot: TaskStateSnapshot): Promise<TaskStateHandle>;
  /** Writes the metadata, last; returns the checkpoint's external pointer (its directory). */
  finalizeCheckpoint(metadata: CheckpointMetadata): Promise<string>;
  /** Deletes a checkpoint (or an incomplete savepoint), complete or not. */
  discardCheckpoint(checkpointId: number): Promise<void>;
  /** Called when the job ends and no checkpoint is retained. */
  discardJob(): Promise<void>;
}

function taskFileName(vertexId: number, subtaskIndex: number): string {
  return `task-${vertexId}-${subtaskIndex}`;
}

function channelStateFileName(vertexId: number, subtaskIndex: number): string {
  return `channel-state-${vertexId}-${subtaskIndex}`;
}

/** A checkpoint's or savepoint's directory and how it is written. */
interface SnapshotDirectory {
  readonly path: string;
  readonly writer: CheckpointFileWriter;
}

async function writeChannelStateFile(dir: SnapshotDirectory, checkpointId: number, snapshot: ChannelStateSnapshot): Promise<{ location: string; size: number }> {
  const location = channelStateFileName(snapshot.vertexId, snapshot.subtaskIndex);
  const path = join(dir.path, location);
  const bytes = encodeChannelState(snapshot);
  try {
    await dir.writer.writeFile(path, bytes);
  } catch (e) {
    throw subtaskWriteError(checkpointId, snapshot, 'the in-flight data', path, e);
  }
  return { location, size: bytes.length };
}

function ioError(what: string, path: string, cause: unknown): FlinkError {
  return new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `${what} '${path}': ${cause instanceof Error ? cause.message : String(cause)}`, { cause, context: { file: path } });
}

/** A subtask's file of checkpoint `checkpointId` could not be written: says which, and why. */
function subtaskWriteError(
  checkpointId: number,
  subtask: { readonly vertexId: number; readonly subtaskIndex: number; readonly operatorIds: readonly string[] },
  what: string,
  path: string,
  cause: unknown,
): FlinkError {
  const operators = subtask.operatorIds.length === 0 ? '' : ` (operators ${subtask.operatorIds.map((id) => `'${id}'`).join(', ')})`;
  return new FlinkError(
    ErrorCodes.FLINK_TS_ILLEGAL_STATE,
    `Checkpoint ${checkpointId}: cannot write ${what} of subtask ${subtask.subtaskIndex} of job vertex ${subtask.vertexId}${operators} to '${path}': ${cause instanceof Error ? cause.message : String(cause)}`,
    { cause, context: { checkpointId, subtask: subtask.subtaskIndex, file: path, ...(subtask.operatorIds.length === 0 ? {} : { operator: subtask.operatorIds.join(', ') }) } },
  );
}

/** A directory path, a file:// URI, or the URI of a registered CheckpointFileWriter's scheme. */
export function checkpointDirectoryPath(directory: string): string {
  return resolveCheckpointDirectory(directory).path;
}

/** Creates `<target>/savepoint-<jobId prefix>-<random>` (Flink's savepoint directory name). */
function createSavepointDirectory(targetDirectory: string, jobId: string): SnapshotDirectory {
  const target = resolveCheckpointDirectory(targetDirectory);
  const dir = join(target.path, `${SAVEPOINT_DIR_PREFIX}${jobId.slice(0, 6)}-${randomBytes(6).toString('hex')}`);
  try {
    target.writer.mkdirsSync(dir);
  } catch (e) {
    throw ioError('Cannot create the savepoint directory', dir, e);
  }
  return { path: dir, writer: target.writer };
}

async function writeTaskStateFile(dir: SnapshotDirectory, checkpointId: number, snapshot: TaskStateSnapshot): Promise<TaskStateHandle> {
  const location = taskFileName(snapshot.vertexId, snapshot.subtaskIndex);
  const path = join(dir.path, location);
  const bytes = encodeTaskState(snapshot);
  // No mkdir here: a checkpoint discarded meanwhile must not come back as an empty folder.
  try {
    await dir.writer.writeFile(path, bytes);
  } catch (e) {
    throw subtaskWriteError(checkpointId, { ...snapshot, operatorIds: snapshot.operators.map((op) => op.operatorId) }, 'the state', path, e);
  }
  return { vertexId: snapshot.vertexId, subtaskIndex: snapshot.subtaskIndex, location, stateSize: bytes.length };
}

function writeMetadataFile(dir: SnapshotDirectory, metadata: CheckpointMetadata): void {
  const temporary = join(dir.path, `${METADATA_FILE_NAME}.inprogress`);
  try {
    dir.writer.writeFileSync(temporary, encodeMetadata(metadata));
    dir.writer.renameSync(temporary, join(dir.path, METADATA_FILE_NAME));
  } catch (e) {
    // What was written part-way goes; the directory stays without `_metadata`, so it is no checkpoint.
    rmSync(temporary, { force: true });
    throw new FlinkError(
      ErrorCodes.FLINK_TS_ILLEGAL_STATE,
      `Checkpoint ${metadata.checkpointId}: cannot write the metadata '${join(dir.path, METADATA_FILE_NAME)}': ${e instanceof Error ? e.message : String(e)}`,
      { cause: e, context: { checkpointId: metadata.checkpointId, file: join(dir.path, METADATA_FILE_NAME) } },
    );
  }
}

/** Reads checkpoints and savepoints from directories (any storage wrote them). */
export const FILE_CHECKPOINT_READER: CheckpointReader = {
  async readMetadata(pointer: string): Promise<CheckpointMetadata> {
    const path = join(pointer, METADATA_FILE_NAME);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw ioError('Cannot read the checkpoint metadata', path, e);
    }
    return decodeMetadata(bytes, path);
  },
  async readTaskState(pointer: string, handle: TaskStateHandle): Promise<TaskStateSnapshot> {
    const path = join(pointer, handle.location);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw ioError('Cannot read the task state file', path, e);
    }
    return decodeTaskState(bytes, path);
  },
  async readChannelState(pointer: string, location: string): Promise<ChannelStateSnapshot> {
    const path = join(pointer, location);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw ioError('Cannot read the channel state file', path, e);
    }
    return decodeChannelState(bytes, path);
  },
};

export class FileSystemCheckpointStorage implements CheckpointStorage {
  readonly type = 'filesystem';
  /** <state.checkpoints.dir>/<jobId> */
  readonly jobDirectory: string;
  private readonly writer: CheckpointFileWriter;

  constructor(baseDirectory: string, jobId: string) {
    const base = resolveCheckpointDirectory(baseDirectory);
    this.jobDirectory = join(base.path, jobId);
    this.writer = base.writer;
  }

  private readonly savepoints = new Map<number, SnapshotDirectory>();

  checkpointDirectory(checkpointId: number): string {
    return this.directoryOf(checkpointId).path;
  }

  private directoryOf(checkpointId: number): SnapshotDirectory {
    return this.savepoints.get(checkpointId) ?? { path: join(this.jobDirectory, `${CHECKPOINT_DIR_PREFIX}${checkpointId}`), writer: this.writer };
  }

  async initializeSavepoint(checkpointId: number, targetDirectory: string, jobId: string): Promise<string> {
    const dir = createSavepointDirectory(targetDirectory, jobId);
    this.savepoints.set(checkpointId, dir);
    return dir.path;
  }

  get sharedDirectory(): string {
    return join(this.jobDirectory, SHARED_STATE_DIR);
  }

  incrementalSnapshotLocation(checkpointId: number, name: string): IncrementalSnapshotLocation | null {
    if (this.savepoints.has(checkpointId)) return null;
    return { sharedDirectory: this.sharedDirectory, privateDirectory: join(this.checkpointDirectory(checkpointId), name), writer: this.writer };
  }

  async discardSharedFiles(names: readonly string[]): Promise<void> {
    for (const name of names) await rm(join(this.sharedDirectory, name), { force: true });
  }

  async initializeCheckpoint(checkpointId: number): Promise<void> {
    const dir = this.checkpointDirectory(checkpointId);
    try {
      this.writer.mkdirsSync(this.sharedDirectory);
      this.writer.mkdirsSync(join(this.jobDirectory, 'taskowned'));
      this.writer.mkdirsSync(dir);
    } catch (e) {
      throw ioError('Cannot create the checkpoint directory', dir, e);
    }
  }

  async writeTaskState(checkpointId: number, snapshot: TaskStateSnapshot): Promise<TaskStateHandle> {
    return writeTaskStateFile(this.directoryOf(checkpointId), checkpointId, snapshot);
  }

  writeChannelState(checkpointId: number, snapshot: ChannelStateSnapshot): Promise<{ location: string; size: number }> {
    return writeChannelStateFile(this.directoryOf(checkpointId), checkpointId, snapshot);
  }

  readChannelState(pointer: string, location: string): Promise<ChannelStateSnapshot> {
    return FILE_CHECKPOINT_READER.readChannelState(pointer, location);
  }

  async finalizeCheckpoint(metadata: CheckpointMetadata): Promise<string> {
    const dir = this.directoryOf(metadata.checkpointId);
    writeMetadataFile(dir, metadata);
    return dir.path;
  }

  readMetadata(pointer: string): Promise<CheckpointMetadata> {
    return FILE_CHECKPOINT_READER.readMetadata(pointer);
  }

  readTaskState(pointer: string, handle: TaskStateHandle): Promise<TaskStateSnapshot> {
    return FILE_CHECKPOINT_READER.readTaskState(pointer, handle);
  }

  async discardCheckpoint(checkpointId: number): Promise<void> {
    const dir = this.checkpointDirectory(checkpointId);
    this.savepoints.delete(checkpointId);
    // A task may still be writing an aborted incremental snapshot into it: retry, it deletes its own.
    await rm(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 20 });
  }

  async discardJob(): Promise<void> {
    let entries: string[];
    try {
      entries = await readdir(this.jobDirectory);
    } catch {
      return;
    }
    // Only what this storage created goes; anything else in the folder is left alone.
    for (const entry of entries) {
      if (entry.startsWith(CHECKPOINT_DIR_PREFIX) || entry === SHARED_STATE_DIR || entry === 'taskowned') await rm(join(this.jobDirectory, entry), { recursive: true, force: true });
    }
    // Removed only when empty.
    await rmdir(this.jobDirectory).catch(() => {});
  }
}

/** Checkpoints kept in this process, encoded as they would be written. */
export class JobManagerCheckpointStorage implements CheckpointStorage {
  readonly type = 'jobmanager';
  private readonly checkpoints = new Map<number, { tasks: Map<string, Uint8Array>; metadata: Uint8Array | null }>();
  /** Savepoints go to directories even when checkpoints stay in memory. */
  private readonly savepoints = new Map<number, SnapshotDirectory>();

  private pointer(checkpointId: number): string {
    return `jobmanager://${CHECKPOINT_DIR_PREFIX}${checkpointId}`;
  }

  private idOf(pointer: string): number {
    const id = Number(pointer.slice(pointer.lastIndexOf(CHECKPOINT_DIR_PREFIX) + CHECKPOINT_DIR_PREFIX.length));
    if (!this.checkpoints.has(id)) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Checkpoint '${pointer}' is not held in memory`);
    return id;
  }

  /** Incremental snapshots need files: checkpoints kept in memory are full. */
  incrementalSnapshotLocation(): IncrementalSnapshotLocation | null {
    return null;
  }

  async discardSharedFiles(): Promise<void> {}

  async initializeCheckpoint(checkpointId: number): Promise<void> {
    this.checkpoints.set(checkpointId, { tasks: new Map(), metadata: null });
  }

  async initializeSavepoint(checkpointId: number, targetDirectory: string, jobId: string): Promise<string> {
    const dir = createSavepointDirectory(targetDirectory, jobId);
    this.savepoints.set(checkpointId, dir);
    return dir.path;
  }

  async writeTaskState(checkpointId: number, snapshot: TaskStateSnapshot): Promise<TaskStateHandle> {
    const savepoint = this.savepoints.get(checkpointId);
    if (savepoint !== undefined) return writeTaskStateFile(savepoint, checkpointId, snapshot);
    const location = taskFileName(snapshot.vertexId, snapshot.subtaskIndex);
    const checkpoint = this.checkpoints.get(checkpointId);
    if (checkpoint === undefined) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Checkpoint ${checkpointId} was discarded`);
    const bytes = encodeTaskState(snapshot);
    checkpoint.tasks.set(location, bytes);
    return { vertexId: snapshot.vertexId, subtaskIndex: snapshot.subtaskIndex, location, stateSize: bytes.length };
  }

  async writeChannelState(checkpointId: number, snapshot: ChannelStateSnapshot): Promise<{ location: string; size: number }> {
    const savepoint = this.savepoints.get(checkpointId);
    if (savepoint !== undefined) return writeChannelStateFile(savepoint, checkpointId, snapshot);
    const checkpoint = this.checkpoints.get(checkpointId);
    if (checkpoint === undefined) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Checkpoint ${checkpointId} was discarded`);
    const location = channelStateFileName(snapshot.vertexId, snapshot.subtaskIndex);
    const bytes = encodeChannelState(snapshot);
    checkpoint.tasks.set(location, bytes);
    return { location, size: bytes.length };
  }

  async readChannelState(pointer: string, location: string): Promise<ChannelStateSnapshot> {
    if (!pointer.startsWith('jobmanager://')) return FILE_CHECKPOINT_READER.readChannelState(pointer, location);
    const bytes = this.checkpoints.get(this.idOf(pointer))!.tasks.get(location);
    if (bytes === undefined) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Checkpoint '${pointer}' has no channel state '${location}'`);
    return decodeChannelState(bytes, `${pointer}/${location}`);
  }

  async finalizeCheckpoint(metadata: CheckpointMetadata): Promise<string> {
    const savepoint = this.savepoints.get(metadata.checkpointId);
    if (savepoint !== undefined) {
      writeMetadataFile(savepoint, metadata);
      return savepoint.path;
    }
    const checkpoint = this.checkpoints.get(metadata.checkpointId);
    if (checkpoint === undefined) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Checkpoint ${metadata.checkpointId} was discarded`);
    checkpoint.metadata = encodeMetadata(metadata);
    return this.pointer(metadata.checkpointId);
  }

  async readMetadata(pointer: string): Promise<CheckpointMetadata> {
    if (!pointer.startsWith('jobmanager://')) return FILE_CHECKPOINT_READER.readMetadata(pointer);
    const metadata = this.checkpoints.get(this.idOf(pointer))!.metadata;
    if (metadata === null) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Checkpoint '${pointer}' is not complete`);
    return decodeMetadata(metadata, pointer);
  }

  async readTaskState(pointer: string, handle: TaskStateHandle): Promise<TaskStateSnapshot> {
    if (!pointer.startsWith('jobmanager://')) return FILE_CHECKPOINT_READER.readTaskState(pointer, handle);
    const bytes = this.checkpoints.get(this.idOf(pointer))!.tasks.get(handle.location);
    if (bytes === undefined) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Checkpoint '${pointer}' has no state '${handle.location}'`);
    return decodeTaskState(bytes, `${pointer}/${handle.location}`);
  }

  async discardCheckpoint(checkpointId: number): Promise<void> {
    this.checkpoints.delete(checkpointId);
    const savepoint = this.savepoints.get(checkpointId);
    this.savepoints.delete(checkpointId);
    if (savepoint !== undefined) await rm(savepoint.path, { recursive: true, force: true });
  }

  async discardJob(): Promise<void> {
    this.checkpoints.clear();
  }
}
