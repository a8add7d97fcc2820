/*
 * Where checkpoints are written (Flink's CheckpointStorageAccess).
 *
 * FileSystemCheckpointStorage lays a job's checkpoints out as Flink does:
 *   <state.checkpoints.dir>/<jobId>/chk-<n>/   one file per subtask, then `_metadata`
 *   <state.checkpoints.dir>/<jobId>/shared/    files shared between checkpoints (incremental)
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
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, FlinkError } from '../../errors.ts';
import { decodeMetadata, decodeTaskState, encodeMetadata, encodeTaskState, type CheckpointMetadata, type TaskStateHandle, type TaskStateSnapshot } from './checkpoint-metadata.ts';

export const METADATA_FILE_NAME = '_metadata';
export const CHECKPOINT_DIR_PREFIX = 'chk-';

export interface CheckpointStorage {
  /** 'filesystem' or 'jobmanager', as Flink names them. */
  readonly type: string;
  /** Prepares the location of a checkpoint before its barriers are injected. */
  initializeCheckpoint(checkpointId: number): Promise<void>;
  /** Called by a subtask at the end of the asynchronous part of its snapshot. */
  writeTaskState(checkpointId: number, snapshot: TaskStateSnapshot): Promise<TaskStateHandle>;
  /** Writes the metadata, last; returns the checkpoint's external pointer (its directory). */
  finalizeCheckpoint(metadata: CheckpointMetadata): Promise<string>;
  readMetadata(pointer: string): Promise<CheckpointMetadata>;
  readTaskState(pointer: string, handle: TaskStateHandle): Promise<TaskStateSnapshot>;
  /** Deletes a checkpoint, complete or not. */
  discardCheckpoint(checkpointId: number): Promise<void>;
  /** Called when the job ends and no checkpoint is retained. */
  discardJob(): Promise<void>;
}

function taskFileName(vertexId: number, subtaskIndex: number): string {
  return `task-${vertexId}-${subtaskIndex}`;
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

export class FileSystemCheckpointStorage implements CheckpointStorage {
  readonly type = 'filesystem';
  /** <state.checkpoints.dir>/<jobId> */
  readonly jobDirectory: string;

  constructor(baseDirectory: string, jobId: string) {
    this.jobDirectory = join(checkpointDirectoryPath(baseDirectory), jobId);
  }

  checkpointDirectory(checkpointId: number): string {
    return join(this.jobDirectory, `${CHECKPOINT_DIR_PREFIX}${checkpointId}`);
  }

  async initializeCheckpoint(checkpointId: number): Promise<void> {
    const dir = this.checkpointDirectory(checkpointId);
    try {
      mkdirSync(join(this.jobDirectory, 'shared'), { recursive: true });
      mkdirSync(join(this.jobDirectory, 'taskowned'), { recursive: true });
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw ioError('Cannot create the checkpoint directory', dir, e);
    }
  }

  async writeTaskState(checkpointId: number, snapshot: TaskStateSnapshot): Promise<TaskStateHandle> {
    const location = taskFileName(snapshot.vertexId, snapshot.subtaskIndex);
    const path = join(this.checkpointDirectory(checkpointId), location);
    const bytes = encodeTaskState(snapshot);
    // No mkdir here: a checkpoint discarded meanwhile must not come back as an empty folder.
    try {
      await writeFile(path, bytes);
    } catch (e) {
      throw ioError('Cannot write the task state file', path, e);
    }
    return { vertexId: snapshot.vertexId, subtaskIndex: snapshot.subtaskIndex, location, stateSize: bytes.length };
  }

  async finalizeCheckpoint(metadata: CheckpointMetadata): Promise<string> {
    const dir = this.checkpointDirectory(metadata.checkpointId);
    const temporary = join(dir, `${METADATA_FILE_NAME}.inprogress`);
    try {
      writeFileSync(temporary, encodeMetadata(metadata));
      renameSync(temporary, join(dir, METADATA_FILE_NAME));
    } catch (e) {
      throw ioError('Cannot write the checkpoint metadata', join(dir, METADATA_FILE_NAME), e);
    }
    return dir;
  }

  async readMetadata(pointer: string): Promise<CheckpointMetadata> {
    const path = join(pointer, METADATA_FILE_NAME);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw ioError('Cannot read the checkpoint metadata', path, e);
    }
    return decodeMetadata(bytes, path);
  }

  async readTaskState(pointer: string, handle: TaskStateHandle): Promise<TaskStateSnapshot> {
    const path = join(pointer, handle.location);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw ioError('Cannot read the task state file', path, e);
    }
    return decodeTaskState(bytes, path);
  }

  async discardCheckpoint(checkpointId: number): Promise<void> {
    await rm(this.checkpointDirectory(checkpointId), { recursive: true, force: true });
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
      if (entry.startsWith(CHECKPOINT_DIR_PREFIX) || entry === 'shared' || entry === 'taskowned') await rm(join(this.jobDirectory, entry), { recursive: true, force: true });
    }
    // Removed only when empty.
    await rmdir(this.jobDirectory).catch(() => {});
  }
}

/** Checkpoints kept in this process, encoded as they would be written. */
export class JobManagerCheckpointStorage implements CheckpointStorage {
  readonly type = 'jobmanager';
  private readonly checkpoints = new Map<number, { tasks: Map<string, Uint8Array>; metadata: Uint8Array | null }>();

  private pointer(checkpointId: number): string {
    return `jobmanager://${CHECKPOINT_DIR_PREFIX}${checkpointId}`;
  }

  private idOf(pointer: string): number {
    const id = Number(pointer.slice(pointer.lastIndexOf(CHECKPOINT_DIR_PREFIX) + CHECKPOINT_DIR_PREFIX.length));
    if (!this.checkpoints.has(id)) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Checkpoint '${pointer}' is not held in memory`);
    return id;
  }

  async initializeCheckpoint(checkpointId: number): Promise<void> {
    this.checkpoints.set(checkpointId, { tasks: new Map(), metadata: null });
  }

  async writeTaskState(checkpointId: number, snapshot: TaskStateSnapshot): Promise<TaskStateHandle> {
    const location = taskFileName(snapshot.vertexId, snapshot.subtaskIndex);
    const checkpoint = this.checkpoints.get(checkpointId);
    if (checkpoint === undefined) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Checkpoint ${checkpointId} was discarded`);
    const bytes = encodeTaskState(snapshot);
    checkpoint.tasks.set(location, bytes);
    return { vertexId: snapshot.vertexId, subtaskIndex: snapshot.subtaskIndex, location, stateSize: bytes.length };
  }

  async finalizeCheckpoint(metadata: CheckpointMetadata): Promise<string> {
    const checkpoint = this.checkpoints.get(metadata.checkpointId);
    if (checkpoint === undefined) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Checkpoint ${metadata.checkpointId} was discarded`);
    checkpoint.metadata = encodeMetadata(metadata);
    return this.pointer(metadata.checkpointId);
  }

  async readMetadata(pointer: string): Promise<CheckpointMetadata> {
    const metadata = this.checkpoints.get(this.idOf(pointer))!.metadata;
    if (metadata === null) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Checkpoint '${pointer}' is not complete`);
    return decodeMetadata(metadata, pointer);
  }

  async readTaskState(pointer: string, handle: TaskStateHandle): Promise<TaskStateSnapshot> {
    const bytes = this.checkpoints.get(this.idOf(pointer))!.tasks.get(handle.location);
    if (bytes === undefined) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Checkpoint '${pointer}' has no state '${handle.location}'`);
    return decodeTaskState(bytes, `${pointer}/${handle.location}`);
  }

  async discardCheckpoint(checkpointId: number): Promise<void> {
    this.checkpoints.delete(checkpointId);
  }

  async discardJob(): Promise<void> {
    this.checkpoints.clear();
  }
}
