/*
 * Incremental checkpoints of the RocksDB backend (Flink's RocksIncrementalSnapshotStrategy). The
 * synchronous part takes a native RocksDB checkpoint into a local directory (a flush, then hard
 * links to the immutable SST files; the task's input is paused meanwhile, so it is exactly the
 * state at the barrier). The asynchronous part copies to checkpoint storage only the SST files
 * that the last confirmed checkpoint did not already hold: those go to the shared directory under
 * unique names, and the handle refers to earlier ones by those names; the small files (MANIFEST,
 * CURRENT, OPTIONS) are copied into the checkpoint's own directory. The base of the next
 * checkpoint moves forward only when a checkpoint is confirmed (notifyCheckpointComplete), so a
 * handle never refers to files of a checkpoint that was aborted. Deleting shared files that no
 * retained checkpoint refers to is the checkpoint storage's job (sharedFilesOf names them).
 *
 * A restore assembles each handle's files into a local directory (hard links where possible) and
 * restores it as a native checkpoint: copied in whole into an empty backend and trimmed to its key
 * groups, or merged key group by key group when several subtasks' state meets in one (rescaling).
 */
import { randomUUID } from 'node:crypto';
import { copyFile, link, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import type { KeyGroupRange } from '../key-group-range.ts';
import type { RocksDBKeyedStateBackend } from './rocksdb-keyed-state-backend.ts';

export const INCREMENTAL_HANDLE_KIND = 'rocksdb-incremental';

export interface StoredFile {
  /** The file's name in the RocksDB checkpoint (e.g. 000012.sst, MANIFEST-000005, CURRENT). */
  readonly name: string;
  /** Where it is stored: a file name in the shared directory (SST files) or in the private one. */
  readonly stored: string;
  readonly size: number;
}

/** What a checkpoint records of one RocksDB backend's incremental snapshot. */
export interface IncrementalKeyedStateHandle {
  readonly kind: typeof INCREMENTAL_HANDLE_KIND;
  readonly checkpointId: number;
  /** Identifies the backend instance whose SST files these are (Flink's backend UID). */
  readonly backendIdentifier: string;
  readonly maxParallelism: number;
  readonly keyGroupRange: { readonly startKeyGroup: number; readonly endKeyGroup: number };
  /** SST files, in the shared directory, new or from earlier checkpoints. */
  readonly sharedFiles: readonly StoredFile[];
  /** The other files of the checkpoint, in its private directory. */
  readonly privateFiles: readonly StoredFile[];
  /** Bytes this checkpoint wrote (new SST files and private files). */
  readonly incrementalSize: number;
  /** Bytes of the whole state it describes. */
  readonly fullSize: number;
}

export interface IncrementalSnapshotTarget {
  /** Shared by the checkpoints of a job (`<checkpoints>/<jobId>/shared`). */
  readonly sharedDirectory: string;
  /** This checkpoint's own directory for this backend (created if missing). */
  readonly privateDirectory: string;
}

/** A snapshot whose synchronous part is done; `materialize` copies the files. */
export interface IncrementalSnapshotRunner {
  readonly checkpointId: number;
  materialize(): Promise<IncrementalKeyedStateHandle>;
  /** Gives up the snapshot without materializing it (removes its local files). */
  release(): Promise<void>;
}

/** The shared files a handle refers to, as paths in `sharedDirectory`: what reference counting counts. */
export function sharedFilesOf(handle: IncrementalKeyedStateHandle, sharedDirectory: string): string[] {
  return handle.sharedFiles.map((f) => join(sharedDirectory, f.stored));
}

/** The shared files (stored names) that the checkpoint of `handle` uploaded itself, not referred to from earlier ones. */
export function uploadedFilesOf(handle: IncrementalKeyedStateHandle): string[] {
  const prefix = `${handle.backendIdentifier}-${handle.checkpointId}-`;
  return handle.sharedFiles.filter((f) => f.stored === prefix + f.name).map((f) => f.stored);
}

/** The per-backend bookkeeping of incremental snapshots. */
export class RocksDBIncrementalSnapshotStrategy {
  readonly backendIdentifier = randomUUID();
  private readonly backend: RocksDBKeyedStateBackend;
  /** SST files (RocksDB name -> stored name) of the last confirmed checkpoint: the base of the next one. */
  private confirmed = new Map<string, string>();
  private confirmedId = -1;
  /** SST files of checkpoints taken but not confirmed yet, by checkpoint id. */
  private readonly pending = new Map<number, Map<string, string>>();

  constructor(backend: RocksDBKeyedStateBackend) {
    this.backend = backend;
  }

  /**
   * The synchronous part: a native checkpoint in a local directory. Await it before processing
   * continues; the slow part is `materialize()`.
   */
  async snapshot(checkpointId: number, target: IncrementalSnapshotTarget): Promise<IncrementalSnapshotRunner> {
    const local = join(tmpdir(), `flink-ts-incremental-${this.backendIdentifier}-${checkpointId}-${randomUUID().slice(0, 8)}`);
    await this.backend.createNativeCheckpoint(local);
    const base = this.confirmed;
    let released = false;
    const release = async (): Promise<void> => {
      released = true;
      await rm(local, { recursive: true, force: true });
    };
    return {
      checkpointId,
      release,
      materialize: async () => {
        if (released) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Incremental snapshot ${checkpointId} of ${this.backend.where} was released`);
        try {
          return await this.upload(checkpointId, local, base, target);
        } finally {
          await release();
        }
      },
    };
  }

  private async upload(checkpointId: number, local: string, base: ReadonlyMap<string, string>, target: IncrementalSnapshotTarget): Promise<IncrementalKeyedStateHandle> {
    await mkdir(target.sharedDirectory, { recursive: true });
    await mkdir(target.privateDirectory, { recursive: true });
    const sharedFiles: StoredFile[] = [];
    const privateFiles: StoredFile[] = [];
    const files = new Map<string, string>();
    let incrementalSize = 0;
    let fullSize = 0;
    try {
      for (const name of (await readdir(local)).sort()) {
        if (name === 'LOCK') continue;
        const from = join(local, name);
        const info = await stat(from);
        if (!info.isFile()) continue;
        fullSize += info.size;
        if (name.endsWith('.sst')) {
          let stored = base.get(name);
          if (stored === undefined) {
            // Unique per checkpoint: an aborted checkpoint's uploads can be deleted without
            // touching a later checkpoint that uploaded the same SST file again.
            stored = `${this.backendIdentifier}-${checkpointId}-${name}`;
            await copyFile(from, join(target.sharedDirectory, stored));
            incrementalSize += info.size;
          }
          files.set(name, stored);
          sharedFiles.push({ name, stored, size: info.size });
        } else {
          await copyFile(from, join(target.privateDirectory, name));
          incrementalSize += info.size;
          privateFiles.push({ name, stored: name, size: info.size });
        }
      }
    } catch (error) {
      throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Incremental checkpoint ${checkpointId} of ${this.backend.where} could not be written to ${target.privateDirectory}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.pending.set(checkpointId, files);
    const range = this.backend.keyGroupRange;
    return {
      kind: INCREMENTAL_HANDLE_KIND,
      checkpointId,
      backendIdentifier: this.backendIdentifier,
      maxParallelism: this.backend.maxParallelism,
      keyGroupRange: { startKeyGroup: range.startKeyGroup, endKeyGroup: range.endKeyGroup },
      sharedFiles,
      privateFiles,
      incrementalSize,
      fullSize,
    };
  }

  /** Makes checkpoint `checkpointId`'s files the base of later ones (and forgets older pending ones). */
  notifyCheckpointComplete(checkpointId: number): void {
    const files = this.pending.get(checkpointId);
    if (files !== undefined && checkpointId > this.confirmedId) {
      this.confirmed = files;
      this.confirmedId = checkpointId;
    }
    for (const id of [...this.pending.keys()]) if (id <= checkpointId) this.pending.delete(id);
  }

  notifyCheckpointAborted(checkpointId: number): void {
    this.pending.delete(checkpointId);
  }

  /**
   * After a restore from one handle of the same key groups, the restored SST files (same names in
   * the new database) are already in the shared directory: they are the base of the next checkpoint.
   */
  adoptRestoredBase(handle: IncrementalKeyedStateHandle): void {
    this.confirmed = new Map(handle.sharedFiles.map((f) => [f.name, f.stored]));
    this.confirmedId = handle.checkpointId;
  }
}

/**
 * Restores incremental handles (one per subtask of the snapshotting job) into `backend`: each is
 * assembled into a local directory and restored as a native checkpoint, keeping the key groups of
 * `backend`'s range. Missing or truncated files are errors naming them.
 */
export async function restoreIncrementalHandles(
  backend: RocksDBKeyedStateBackend,
  handles: readonly { readonly handle: IncrementalKeyedStateHandle; readonly sharedDirectory: string; readonly privateDirectory: string }[],
  keyGroupRange?: KeyGroupRange,
): Promise<void> {
  for (const { handle, sharedDirectory, privateDirectory } of handles) {
    if (handle?.kind !== INCREMENTAL_HANDLE_KIND) throw restoreError(backend, privateDirectory, `${JSON.stringify(handle?.kind)} is not an incremental RocksDB handle`);
    const local = join(tmpdir(), `flink-ts-restore-${randomUUID()}`);
    await mkdir(local, { recursive: true });
    try {
      for (const file of handle.sharedFiles) await placeFile(backend, join(sharedDirectory, file.stored), join(local, file.name), file.size);
      for (const file of handle.privateFiles) await placeFile(backend, join(privateDirectory, file.stored), join(local, file.name), file.size);
      await backend.restoreFromNativeCheckpoint(local, keyGroupRange);
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  }
}

async function placeFile(backend: RocksDBKeyedStateBackend, from: string, to: string, size: number): Promise<void> {
  let info;
  try {
    info = await stat(from);
  } catch (error) {
    throw restoreError(backend, from, 'is missing', error);
  }
  if (info.size !== size) throw restoreError(backend, from, `has ${info.size} bytes, the checkpoint recorded ${size}`);
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}

function restoreError(backend: RocksDBKeyedStateBackend, path: string, reason: string, cause?: unknown): FlinkError {
  return new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Cannot restore ${backend.where} from an incremental checkpoint: ${path} ${reason}`, cause === undefined ? {} : { cause });
}
