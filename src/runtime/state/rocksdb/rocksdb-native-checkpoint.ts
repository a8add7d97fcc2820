/*
 * Native RocksDB checkpoints of a keyed state backend, the base for incremental checkpoints: a
 * checkpoint is a directory of hard links to the database's SST files plus copies of its small
 * files, taken by RocksDB after a flush. It carries the backend's identity and state meta data
 * (rocksdb-instance.ts), so a restore can check it (a directory that is not such a checkpoint, or
 * one of another max parallelism, is an error) and register its states without other files.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { KeyGroupRange } from '../key-group-range.ts';
import type { RocksDBKeyedStateBackend } from './rocksdb-keyed-state-backend.ts';
import { RocksDBInstance } from './rocksdb-instance.ts';
import type { ColumnFamilyOptions } from './rocksdb-native.ts';
import { copyKeyGroups, deleteKeyGroupsOutside } from './rocksdb-restore-operation.ts';
import { copyCheckpoint, stateDirectoryError } from './rocksdb-state-directory.ts';

export interface NativeCheckpointInfo {
  readonly directory: string;
  readonly files: readonly string[];
  /** SST files shared with the live database through hard links (not copied). */
  readonly hardLinkedFiles: number;
}

export async function createNativeCheckpoint(backend: RocksDBKeyedStateBackend, targetDirectory: string): Promise<NativeCheckpointInfo> {
  const target = resolve(targetDirectory);
  if (existsSync(target)) throw stateDirectoryError(target, 'already exists; a native checkpoint is written into a new directory');
  mkdirSync(dirname(target), { recursive: true });
  try {
    await backend.instance.columnFamily('default').createCheckpoint(target);
  } catch (error) {
    throw stateDirectoryError(target, `could not receive a checkpoint of ${backend.where}: ${(error as Error).message}`, error);
  }
  const files = readdirSync(target);
  const hardLinkedFiles = files.filter((f) => f.endsWith('.sst') && statSync(join(target, f)).nlink > 1).length;
  return { directory: target, files, hardLinkedFiles };
}

export async function restoreFromNativeCheckpoint(
  backend: RocksDBKeyedStateBackend,
  checkpointDirectory: string,
  keyGroupRange: KeyGroupRange | undefined,
  options: ColumnFamilyOptions,
): Promise<void> {
  const source = resolve(checkpointDirectory);
  const checkpoint = RocksDBInstance.openExisting(source, { ...options, readOnly: true }, 'native checkpoint of keyed state');
  let keep: KeyGroupRange;
  try {
    const identity = checkpoint.readIdentity()!;
    if (identity.maxParallelism !== backend.maxParallelism) {
      throw stateDirectoryError(
        source,
        `holds keyed state for max parallelism ${identity.maxParallelism}, but ${backend.where} has max parallelism ${backend.maxParallelism}; ` +
          'the max parallelism of a keyed operator cannot change across a restore',
      );
    }
    const held = new KeyGroupRange(identity.keyGroupRange.startKeyGroup, identity.keyGroupRange.endKeyGroup);
    keep = (keyGroupRange ?? held).getIntersection(held).getIntersection(backend.keyGroupRange);
    if (keep.numberOfKeyGroups === 0) {
      checkpoint.close();
      return;
    }
    if (!backend.isPristine()) {
      for (const meta of checkpoint.readStateMetas()) {
        const into = backend.restoredStateTarget(meta);
        if (into.rewrite !== null) throw stateDirectoryError(source, `cannot be merged into ${backend.where}: state '${meta.name}' is registered there with a different serializer or TTL setting`);
        await copyKeyGroups(backend, checkpoint.columnFamily(meta.name), into.columnFamily, keep);
      }
      return;
    }
  } finally {
    checkpoint.close();
  }

  // An empty backend takes the checkpoint itself as its database and trims it to its key groups.
  backend.instance.destroy();
  try {
    copyCheckpoint(source, backend.directory);
    backend.instance = RocksDBInstance.openExisting(backend.directory, options, 'copy of a native checkpoint');
    backend.instance.writeIdentity(backend.identity());
    backend.openExtraColumnFamilies();
    for (const meta of backend.instance.readStateMetas()) {
      const { columnFamily } = backend.restoredStateTarget(meta);
      await deleteKeyGroupsOutside(backend, columnFamily, keep);
    }
  } catch (error) {
    // Leave an empty, usable database behind; the error tells the caller the restore failed.
    if (!backend.instance.isClosed) backend.instance.destroy();
    backend.forgetStates();
    backend.instance = RocksDBInstance.openFresh(backend.directory, backend.identity(), options);
    throw error;
  }
}
