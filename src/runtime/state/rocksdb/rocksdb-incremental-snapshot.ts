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
 * The upload copies up to UPLOAD_CONCURRENCY files at a time through the storage's writer. When it
 * fails part-way (a full disk, a file it may not write) or the snapshot is released meanwhile (the
 * checkpoint was declined or aborted), it deletes every file it created, in the shared directory
 * too: nothing else refers to them, so they would otherwise stay forever (Flink discards the state
 * handles of a checkpoint that failed). The error names the checkpoint, the backend and the file.
 * Restores are in rocksdb-incremental-restore.ts.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, type Stats } from 'node:fs';
import { copyFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import type { RocksDBKeyedStateBackend } from './rocksdb-keyed-state-backend.ts';
import { StateChangelog, type ChangelogOptions } from './rocksdb-changelog.ts';

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
  /**
   * With the state changelog: the segments written since the materialization the files above
   * are (shared directory, oldest first), replayed over it on restore (rocksdb-changelog.ts).
   */
  readonly changelog?: readonly StoredFile[];
}

export interface IncrementalSnapshotTarget {
  /** Shared by the checkpoints of a job (`<checkpoints>/<jobId>/shared`). */
  readonly sharedDirectory: string;
  /** This checkpoint's own directory for this backend (created if missing). */
  readonly privateDirectory: string;
  /** How the files are written there (the checkpoint storage's writer); node:fs when absent. */
  readonly writer?: SnapshotFileWriter;
  /** Keep a state changelog and write only its segment between materializations (rocksdb-changelog.ts). */
  readonly changelog?: ChangelogOptions;
}

/** The writes an upload makes (a CheckpointFileWriter of the checkpoint storage provides them). */
export interface SnapshotFileWriter {
  mkdirsSync(path: string): void;
  copyFile(from: string, to: string): Promise<void>;
  writeFile(path: string, bytes: Uint8Array): Promise<void>;
}

export const NODE_FS_WRITER: SnapshotFileWriter = {
  mkdirsSync: (path) => void mkdirSync(path, { recursive: true }),
  copyFile: (from, to) => copyFile(from, to),
  writeFile: (path, bytes) => writeFile(path, bytes),
};

/** The last checkpoint a changelog checkpoint builds on. */
interface ChangelogChain {
  readonly handle: IncrementalKeyedStateHandle;
  /** Where that checkpoint's private files are. */
  readonly privateDirectory: string;
  /** When the materialization under it was taken (Date.now()). */
  readonly materializedAt: number;
}

/** Files copied at once by one upload (Flink's state.backend.rocksdb.checkpoint.transfer.thread.num). */
export const UPLOAD_CONCURRENCY = 4;

/** A snapshot whose synchronous part is done; `materialize` copies the files. */
export interface IncrementalSnapshotRunner {
  readonly checkpointId: number;
  materialize(): Promise<IncrementalKeyedStateHandle>;
  /**
   * Gives up the snapshot (removes its local files). A materialization in flight stops, deletes
   * what it uploaded and rejects; one that already resolved is the caller's to discard.
   */
  release(): Promise<void>;
}

/** The shared files a handle refers to, as paths in `sharedDirectory`: what reference counting counts. */
export function sharedFilesOf(handle: IncrementalKeyedStateHandle, sharedDirectory: string): string[] {
  return [...handle.sharedFiles, ...(handle.changelog ?? [])].map((f) => join(sharedDirectory, f.stored));
}

/** The shared files (stored names) that the checkpoint of `handle` uploaded itself, not referred to from earlier ones. */
export function uploadedFilesOf(handle: IncrementalKeyedStateHandle): string[] {
  const prefix = `${handle.backendIdentifier}-${handle.checkpointId}-`;
  return [...handle.sharedFiles, ...(handle.changelog ?? [])].filter((f) => f.stored === prefix + f.name).map((f) => f.stored);
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
  /** The state changelog since the last materialization (null: not kept). */
  private changelog: StateChangelog | null = null;
  /** The confirmed checkpoint a changelog checkpoint adds its segment to (null: the next one materializes). */
  private chain: ChangelogChain | null = null;
  /** Chains of checkpoints taken with the changelog, not confirmed yet. */
  private readonly pendingChains = new Map<number, ChangelogChain>();
  /** A changelog checkpoint sealed a segment that is not confirmed yet. */
  private sealedUnconfirmed: number | null = null;
  /** The handle a restore adopted, until startChangelog makes it the chain. */
  private restored: ChangelogChain | null = null;

  constructor(backend: RocksDBKeyedStateBackend) {
    this.backend = backend;
  }

  /**
   * The synchronous part: a native checkpoint in a local directory. Await it before processing
   * continues; the slow part is `materialize()`.
   */
  async snapshot(checkpointId: number, target: IncrementalSnapshotTarget): Promise<IncrementalSnapshotRunner> {
    const options = target.changelog;
    if (options !== undefined && this.chain !== null && this.canAppend(options)) return this.snapshotChangelog(checkpointId, target, this.chain);
    // A materialization: the log starts again at its synchronous point (before the flush, so a
    // write racing it would be in both, and replaying it is harmless); only its confirmation
    // makes it the base of a chain.
    this.chain = null;
    this.sealedUnconfirmed = null;
    this.changelog = options === undefined ? null : new StateChangelog(options.maxLogBytes);
    this.backend.instance.setChangelog(this.changelog);
    const materializedAt = Date.now();
    // Beside the database, on its file system: RocksDB hard-links the SST files instead of copying them.
    const local = join(dirname(this.backend.directory), `flink-ts-incremental-${this.backendIdentifier}-${checkpointId}-${randomUUID().slice(0, 8)}`);
    try {
      await this.backend.createNativeCheckpoint(local);
    } catch (error) {
      await Promise.all([rm(local, { recursive: true, force: true }), rm(`${local}.tmp`, { recursive: true, force: true })]);
      throw error;
    }
    const base = this.confirmed;
    let released = false;
    let uploading: Promise<unknown> | null = null;
    const release = async (): Promise<void> => {
      released = true;
      // The upload copies from `local`: it stops and cleans up first.
      if (uploading !== null) await uploading.catch(() => {});
      await rm(local, { recursive: true, force: true });
    };
    return {
      checkpointId,
      release,
      materialize: async () => {
        if (released) throw this.releasedError(checkpointId);
        const upload = this.upload(checkpointId, local, base, target, () => released);
        uploading = upload;
        try {
          const handle = await upload;
          if (options !== undefined) this.pendingChains.set(checkpointId, { handle, privateDirectory: target.privateDirectory, materializedAt });
          return handle;
        } finally {
          uploading = null;
          await release();
        }
      },
    };
  }

  private releasedError(checkpointId: number): FlinkError {
    return new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Checkpoint ${checkpointId}: the incremental snapshot of ${this.backend.where} was released (the checkpoint was declined or aborted)`, {
      context: { checkpointId },
    });
  }

  private async upload(
    checkpointId: number,
    local: string,
    base: ReadonlyMap<string, string>,
    target: IncrementalSnapshotTarget,
    released: () => boolean,
  ): Promise<IncrementalKeyedStateHandle> {
    const writer = target.writer ?? NODE_FS_WRITER;
    const sharedFiles: StoredFile[] = [];
    const privateFiles: StoredFile[] = [];
    const files = new Map<string, string>();
    const copies: { readonly from: string; readonly to: string }[] = [];
    let incrementalSize = 0;
    let fullSize = 0;
    // All at once: each awaited file operation costs a turn of the event loop the tasks share.
    let names: string[];
    let infos: Stats[];
    try {
      names = (await readdir(local)).filter((name) => name !== 'LOCK').sort();
      infos = await Promise.all(names.map((name) => stat(join(local, name))));
    } catch (error) {
      throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Checkpoint ${checkpointId}: the native checkpoint of ${this.backend.where} in '${local}' cannot be read: ${(error as Error).message}`, {
        cause: error,
        context: { checkpointId, file: local },
      });
    }
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const from = join(local, name);
      const info = infos[i]!;
      if (!info.isFile()) continue;
      fullSize += info.size;
      if (name.endsWith('.sst')) {
        let stored = base.get(name);
        if (stored === undefined) {
          // Unique per checkpoint: an aborted checkpoint's uploads can be deleted without
          // touching a later checkpoint that uploaded the same SST file again.
          stored = `${this.backendIdentifier}-${checkpointId}-${name}`;
          copies.push({ from, to: join(target.sharedDirectory, stored) });
          incrementalSize += info.size;
        }
        files.set(name, stored);
        sharedFiles.push({ name, stored, size: info.size });
      } else {
        copies.push({ from, to: join(target.privateDirectory, name) });
        incrementalSize += info.size;
        privateFiles.push({ name, stored: name, size: info.size });
      }
    }
    await this.copyAll(checkpointId, copies, target, writer, released);
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

  /**
   * Copies `copies`, UPLOAD_CONCURRENCY at a time. On a failure, or when the snapshot is released
   * meanwhile, it lets the copies in flight end, deletes every file it created (a file copied
   * part-way included) and the private directory, and throws.
   */
  private async copyAll(
    checkpointId: number,
    copies: readonly { readonly from: string; readonly to: string }[],
    target: IncrementalSnapshotTarget,
    writer: SnapshotFileWriter,
    released: () => boolean,
  ): Promise<void> {
    const created: string[] = [];
    // `file` null: released, not a write that failed.
    let failure: { readonly error: unknown; readonly file: string | null } | null = null;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (failure === null && next < copies.length) {
        if (released()) {
          failure = { error: this.releasedError(checkpointId), file: null };
          return;
        }
        const { from, to } = copies[next++]!;
        created.push(to);
        try {
          await writer.copyFile(from, to);
        } catch (error) {
          failure ??= { error, file: to };
        }
      }
    };
    for (const directory of [target.sharedDirectory, target.privateDirectory]) {
      try {
        writer.mkdirsSync(directory);
      } catch (error) {
        failure ??= { error, file: directory };
      }
    }
    await Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, copies.length) }, worker));
    if (failure === null && released()) failure = { error: this.releasedError(checkpointId), file: null };
    if (failure === null) return;
    const { error, file } = failure;
    await Promise.all([...created.map((f) => rm(f, { force: true })), rm(target.privateDirectory, { recursive: true, force: true })]);
    if (file === null) throw error;
    throw new FlinkError(
      ErrorCodes.FLINK_TS_ILLEGAL_STATE,
      `Checkpoint ${checkpointId}: the incremental snapshot of ${this.backend.where} could not be written to '${file}': ${error instanceof Error ? error.message : String(error)}`,
      { cause: error, context: { checkpointId, file } },
    );
  }

  /** Makes checkpoint `checkpointId`'s files the base of later ones (and forgets older pending ones). */
  notifyCheckpointComplete(checkpointId: number): void {
    const files = this.pending.get(checkpointId);
    if (files !== undefined && checkpointId > this.confirmedId) {
      this.confirmed = files;
      this.confirmedId = checkpointId;
      const chain = this.pendingChains.get(checkpointId);
      if (chain !== undefined && this.changelog !== null) this.chain = chain;
      if (this.sealedUnconfirmed === checkpointId) this.sealedUnconfirmed = null;
    }
    for (const id of [...this.pending.keys()]) if (id <= checkpointId) this.pending.delete(id);
    for (const id of [...this.pendingChains.keys()]) if (id <= checkpointId) this.pendingChains.delete(id);
  }

  notifyCheckpointAborted(checkpointId: number): void {
    this.pending.delete(checkpointId);
    this.pendingChains.delete(checkpointId);
  }

  /**
   * A checkpoint may write only the changelog's new segment when the last checkpoint is confirmed
   * and built on a materialization younger than the interval, and the log kept every change since.
   */
  private canAppend(options: ChangelogOptions): boolean {
    return (
      this.changelog !== null &&
      !this.changelog.overflowed &&
      this.sealedUnconfirmed === null &&
      this.pending.size === 0 &&
      this.pendingChains.size === 0 &&
      Date.now() - this.chain!.materializedAt < options.materializationIntervalMs
    );
  }

  /**
   * A changelog checkpoint: the segment since the last checkpoint goes to the shared directory, the
   * materialization's small private files (MANIFEST, CURRENT, OPTIONS) are copied from the last
   * checkpoint's directory into this one's, and the handle is the last one's plus the segment.
   */
  private snapshotChangelog(checkpointId: number, target: IncrementalSnapshotTarget, chain: ChangelogChain): IncrementalSnapshotRunner {
    const segment = this.changelog!.seal();
    // Until this checkpoint is confirmed, the next one must materialize: if it fails, the changes
    // of this segment are in no other.
    this.sealedUnconfirmed = checkpointId;
    const base = this.confirmed;
    let released = false;
    return {
      checkpointId,
      release: async () => {
        released = true;
      },
      materialize: async () => {
        if (released) throw this.releasedError(checkpointId);
        const writer = target.writer ?? NODE_FS_WRITER;
        const name = `changelog-${checkpointId}`;
        const stored = `${this.backendIdentifier}-${checkpointId}-${name}`;
        const path = join(target.sharedDirectory, stored);
        const previous = chain.handle;
        const copies = previous.privateFiles.map((f) => ({ from: join(chain.privateDirectory, f.stored), to: join(target.privateDirectory, f.name) }));
        try {
          writer.mkdirsSync(target.sharedDirectory);
          await writer.writeFile(path, segment);
        } catch (error) {
          await rm(path, { force: true });
          throw new FlinkError(
            ErrorCodes.FLINK_TS_ILLEGAL_STATE,
            `Checkpoint ${checkpointId}: the state changelog of ${this.backend.where} could not be written to '${path}': ${error instanceof Error ? error.message : String(error)}`,
            { cause: error, context: { checkpointId, file: path } },
          );
        }
        try {
          await this.copyAll(checkpointId, copies, target, writer, () => released);
        } catch (error) {
          await rm(path, { force: true });
          throw error;
        }
        const privateBytes = previous.privateFiles.reduce((n, f) => n + f.size, 0);
        const handle: IncrementalKeyedStateHandle = {
          ...previous,
          checkpointId,
          backendIdentifier: this.backendIdentifier,
          privateFiles: previous.privateFiles.map((f) => ({ name: f.name, stored: f.name, size: f.size })),
          changelog: [...(previous.changelog ?? []), { name, stored, size: segment.length }],
          incrementalSize: segment.length + privateBytes,
          fullSize: previous.fullSize + segment.length,
        };
        this.pending.set(checkpointId, base);
        this.pendingChains.set(checkpointId, { handle, privateDirectory: target.privateDirectory, materializedAt: chain.materializedAt });
        return handle;
      },
    };
  }

  /**
   * After a restore into an empty backend from one handle of the same key groups, the restored SST
   * files (same names in the new database) are already in the shared directory: they are the base
   * of the next checkpoint. With the changelog, the restored handle (its materialization and
   * segments) is also what the next changelog checkpoint adds its segment to.
   */
  adoptRestoredBase(handles: readonly { readonly handle: IncrementalKeyedStateHandle; readonly privateDirectory: string }[]): void {
    if (handles.length !== 1) return;
    const { handle, privateDirectory } = handles[0]!;
    const range = this.backend.keyGroupRange;
    if (handle.keyGroupRange.startKeyGroup !== range.startKeyGroup || handle.keyGroupRange.endKeyGroup !== range.endKeyGroup) return;
    this.confirmed = new Map(handle.sharedFiles.map((f) => [f.name, f.stored]));
    this.confirmedId = handle.checkpointId;
    this.restored = { handle, privateDirectory, materializedAt: Date.now() };
  }

  /**
   * Starts the state changelog before the backend's first write (Flink's changelog backend logs
   * from the start): on a new backend its base is the empty materialization, after a restore the
   * adopted handle; a backend restored otherwise (rescaled, or from another job's checkpoints)
   * first materializes at its next checkpoint, and logs from there.
   */
  startChangelog(options: ChangelogOptions, pristine: boolean): void {
    let chain = this.restored;
    this.restored = null;
    if (chain === null) {
      if (!pristine) return;
      const range = this.backend.keyGroupRange;
      chain = {
        handle: {
          kind: INCREMENTAL_HANDLE_KIND,
          checkpointId: -1,
          backendIdentifier: this.backendIdentifier,
          maxParallelism: this.backend.maxParallelism,
          keyGroupRange: { startKeyGroup: range.startKeyGroup, endKeyGroup: range.endKeyGroup },
          sharedFiles: [],
          privateFiles: [],
          incrementalSize: 0,
          fullSize: 0,
        },
        privateDirectory: '',
        materializedAt: Date.now(),
      };
    }
    // The restored segments count against the bound of the log since the materialization.
    const logged = (chain.handle.changelog ?? []).reduce((n, f) => n + f.size, 0);
    this.changelog = new StateChangelog(Math.max(0, options.maxLogBytes - logged));
    this.backend.instance.setChangelog(this.changelog);
    this.chain = chain;
  }
}
