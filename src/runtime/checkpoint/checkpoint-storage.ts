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
 * state files, which hold the state, are written asynchronously.
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
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, FlinkError } from '../../errors.ts';
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

async function writeChannelStateFile(dir: string, snapshot: ChannelStateSnapshot): Promise<{ location: string; size: number }> {
  const location = channelStateFileName(snapshot.vertexId, snapshot.subtaskIndex);
  const path = join(dir, location);
  const bytes = encodeChannelState(snapshot);
  try {
    await writeFile(path, bytes);
  } catch (e) {
    throw ioError('Cannot write the channel state file', path, e);
  }
  return { location, size: bytes.length };
}

function ioError(what: string, path: string, cause: unknown): FlinkError {
  return new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `${what} '${path}': ${cause instanceof Error ? cause.message : String(cause)}`, { cause, context: { file: path } });
}

/** A directory path or a file:// URI. */
export function checkpointDirectoryPath(directory: string): string {
  if (directory.startsWith('file://')) return fileURLToPath(directory);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(directory)) {
    throw new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, `Checkpoint storage '${directory}': only local paths and file:// URIs are supported`);
  }
  return directory;
}

/** Creates `<target>/savepoint-<jobId prefix>-<random>` (Flink's savepoint directory name). */
function createSavepointDirectory(targetDirectory: string, jobId: string): string {
  const dir = join(checkpointDirectoryPath(targetDirectory), `${SAVEPOINT_DIR_PREFIX}${jobId.slice(0, 6)}-${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw ioError('Cannot create the savepoint directory', dir, e);
  }
  return dir;
}

async function writeTaskStateFile(dir: string, snapshot: TaskStateSnapshot): Promise<TaskStateHandle> {
  const location = taskFileName(snapshot.vertexId, snapshot.subtaskIndex);
  const path = join(dir, location);
  const bytes = encodeTaskState(snapshot);
  // No mkdir here: a checkpoint discarded meanwhile must not come back as an empty folder.
  try {
    await writeFile(path, bytes);
  } catch (e) {
    throw ioError('Cannot write the task state file', path, e);
  }
  return { vertexId: snapshot.vertexId, subtaskIndex: snapshot.subtaskIndex, location, stateSize: bytes.length };
}

function writeMetadataFile(dir: string, metadata: CheckpointMetadata): void {
  const temporary = join(dir, `${METADATA_FILE_NAME}.inprogress`);
  try {
    writeFileSync(temporary, encodeMetadata(metadata));
    renameSync(temporary, join(dir, METADATA_FILE_NAME));
  } catch (e) {
    throw ioError('Cannot write the checkpoint metadata', join(dir, METADATA_FILE_NAME), e);
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

  constructor(baseDirectory: string, jobId: string) {
    this.jobDirectory = join(checkpointDirectoryPath(baseDirectory), jobId);
  }

  private readonly savepoints = new Map<number, string>();

  checkpointDirectory(checkpointId: number): string {
    return this.savepoints.get(checkpointId) ?? join(this.jobDirectory, `${CHECKPOINT_DIR_PREFIX}${checkpointId}`);
  }

  async initializeSavepoint(checkpointId: number, targetDirectory: string, jobId: string): Promise<string> {
    const dir = createSavepointDirectory(targetDirectory, jobId);
    this.savepoints.set(checkpointId, dir);
    return dir;
  }

  get sharedDirectory(): string {
    return join(this.jobDirectory, SHARED_STATE_DIR);
  }

  incrementalSnapshotLocation(checkpointId: number, name: string): IncrementalSnapshotLocation | null {
    if (this.savepoints.has(checkpointId)) return null;
    return { sharedDirectory: this.sharedDirectory, privateDirectory: join(this.checkpointDirectory(checkpointId), name) };
  }

  async discardSharedFiles(names: readonly string[]): Promise<void> {
    for (const name of names) await rm(join(this.sharedDirectory, name), { force: true });
  }

  async initializeCheckpoint(checkpointId: number): Promise<void> {
    const dir = this.checkpointDirectory(checkpointId);
    try {
      mkdirSync(this.sharedDirectory, { recursive: true });
      mkdirSync(join(this.jobDirectory, 'taskowned'), { recursive: true });
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw ioError('Cannot create the checkpoint directory', dir, e);
    }
  }

  async writeTaskState(checkpointId: number, snapshot: TaskStateSnapshot): Promise<TaskStateHandle> {
    return writeTaskStateFile(this.checkpointDirectory(checkpointId), snapshot);
  }

  writeChannelState(checkpointId: number, snapshot: ChannelStateSnapshot): Promise<{ location: string; size: number }> {
    return writeChannelStateFile(this.checkpointDirectory(checkpointId), snapshot);
  }

  readChannelState(pointer: string, location: string): Promise<ChannelStateSnapshot> {
    return FILE_CHECKPOINT_READER.readChannelState(pointer, location);
  }

  async finalizeCheckpoint(metadata: CheckpointMetadata): Promise<string> {
    const dir = this.checkpointDirectory(metadata.checkpointId);
    writeMetadataFile(dir, metadata);
    return dir;
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
  private readonly savepoints = new Map<number, string>();

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
    return dir;
  }

  async writeTaskState(checkpointId: number, snapshot: TaskStateSnapshot): Promise<TaskStateHandle> {
    const savepoint = this.savepoints.get(checkpointId);
    if (savepoint !== undefined) return writeTaskStateFile(savepoint, snapshot);
    const location = taskFileName(snapshot.vertexId, snapshot.subtaskIndex);
    const checkpoint = this.checkpoints.get(checkpointId);
    if (checkpoint === undefined) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Checkpoint ${checkpointId} was discarded`);
    const bytes = encodeTaskState(snapshot);
    checkpoint.tasks.set(location, bytes);
    return { vertexId: snapshot.vertexId, subtaskIndex: snapshot.subtaskIndex, location, stateSize: bytes.length };
  }

  async writeChannelState(checkpointId: number, snapshot: ChannelStateSnapshot): Promise<{ location: string; size: number }> {
    const savepoint = this.savepoints.get(checkpointId);
    if (savepoint !== undefined) return writeChannelStateFile(savepoint, snapshot);
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
      return savepoint;
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
    if (savepoint !== undefined) await rm(savepoint, { recursive: true, force: true });
  }

  async discardJob(): Promise<void> {
    this.checkpoints.clear();
  }
}
