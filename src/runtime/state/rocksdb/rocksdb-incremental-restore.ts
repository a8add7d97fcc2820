/*
 * Restores of incremental RocksDB checkpoints (rocksdb-incremental-snapshot.ts): each handle's files
 * are assembled into a local directory (hard links where possible) and restored as a native
 * checkpoint — copied in whole into an empty backend and trimmed to its key groups, or merged key
 * group by key group when several subtasks' state meets in one (rescaling) — and its changelog
 * segments, if any, are replayed over it (rocksdb-changelog.ts).
 */
import { randomUUID } from 'node:crypto';
import { copyFile, link, mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import type { KeyGroupRange } from '../key-group-range.ts';
import { replayChangelog } from './rocksdb-changelog.ts';
import { INCREMENTAL_HANDLE_KIND, type IncrementalKeyedStateHandle } from './rocksdb-incremental-snapshot.ts';
import type { RocksDBKeyedStateBackend } from './rocksdb-keyed-state-backend.ts';

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
    // No files: the empty materialization a changelog starts from; the segments are the state.
    if (handle.sharedFiles.length + handle.privateFiles.length > 0) await restoreMaterialization(backend, handle, sharedDirectory, privateDirectory, keyGroupRange);
    if (handle.changelog !== undefined && handle.changelog.length > 0) await replayChangelog(backend, handle.changelog, sharedDirectory, keyGroupRange ?? backend.keyGroupRange);
  }
}

/** Assembles the handle's files in a local directory and restores them as a native checkpoint. */
async function restoreMaterialization(
  backend: RocksDBKeyedStateBackend,
  handle: IncrementalKeyedStateHandle,
  sharedDirectory: string,
  privateDirectory: string,
  keyGroupRange: KeyGroupRange | undefined,
): Promise<void> {
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
