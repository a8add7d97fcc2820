/*
 * The local directories of RocksDB state: where they live (dbPath, ROCKSDB_DATA_DIR, the system
 * temp dir), how an instance's directory is named, the in-process lock that keeps two backends
 * off one directory (RocksDB's own LOCK file only guards against other processes, and handles of
 * one process share an open database), what a directory holds before it is used, and copying a
 * native checkpoint into place.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, linkSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCodes, FlinkError } from '../../../errors.ts';

export const ROCKSDB_DATA_DIR_ENV = 'ROCKSDB_DATA_DIR';

/** The directory under which instance directories are created. */
export function resolveBaseDirectory(dbPath: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (dbPath !== undefined && dbPath !== '') return resolve(dbPath);
  const fromEnv = env[ROCKSDB_DATA_DIR_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  return tmpdir();
}

// Anything outside this set is replaced; a hash of the original keeps distinct names distinct.
function fileNamePart(value: string): string {
  const safe = value.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
  if (safe === value) return safe;
  return `${safe}-${createHash('sha1').update(value).digest('hex').slice(0, 8)}`;
}

/** `job_<jobId>_op_<operator>_sub_<subtask>`, safe as a file name. */
export function instanceDirectoryName(jobId: string, operatorIdentifier: string, subtaskIndex: number): string {
  return `job_${fileNamePart(jobId)}_op_${fileNamePart(operatorIdentifier)}_sub_${subtaskIndex}`;
}

export function stateDirectoryError(directory: string, message: string, cause?: unknown): FlinkError {
  return new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `RocksDB state directory '${directory}' ${message}`, {
    ...(cause === undefined ? {} : { cause }),
    context: { directory },
  });
}

const lockedDirectories = new Set<string>();

/** Claims `directory` for one backend of this process; the returned function releases it. */
export function lockDirectory(directory: string): () => void {
  const path = resolve(directory);
  if (lockedDirectories.has(path)) throw stateDirectoryError(path, 'is locked: another RocksDB state backend of this process uses it');
  lockedDirectories.add(path);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    lockedDirectories.delete(path);
  };
}

export type DirectoryContents =
  | { readonly kind: 'missing' }
  | { readonly kind: 'empty' }
  | { readonly kind: 'database'; readonly files: readonly string[] }
  | { readonly kind: 'foreign'; readonly files: readonly string[] };

/** What a directory holds: nothing, a RocksDB database (it has CURRENT), or something else. */
export function inspectDirectory(directory: string): DirectoryContents {
  let files: string[];
  try {
    const stats = statSync(directory);
    if (!stats.isDirectory()) throw stateDirectoryError(directory, 'is not a directory');
    files = readdirSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    if (FlinkError.isFlinkError(error)) throw error;
    throw stateDirectoryError(directory, `cannot be read: ${(error as Error).message}`, error);
  }
  if (files.length === 0) return { kind: 'empty' };
  const looksLikeRocksDB = files.includes('CURRENT') && files.some((f) => f.startsWith('MANIFEST-'));
  return looksLikeRocksDB ? { kind: 'database', files } : { kind: 'foreign', files };
}

export function describeFiles(files: readonly string[]): string {
  const shown = files.slice(0, 8).join(', ');
  return files.length > 8 ? `${shown}, … (${files.length} files)` : shown;
}

export function createDirectory(directory: string): void {
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    throw stateDirectoryError(directory, `cannot be created: ${(error as Error).message}`, error);
  }
}

export function removeDirectory(directory: string): void {
  rmSync(directory, { recursive: true, force: true });
}

/**
 * Copies a RocksDB checkpoint into `target` (which must not exist): SST files are immutable and
 * are hard-linked (copied when the file systems differ), the others are copied, because opening
 * the copy rewrites its MANIFEST and replays its WAL.
 */
export function copyCheckpoint(source: string, target: string): void {
  mkdirSync(target, { recursive: true });
  for (const file of readdirSync(source)) {
    if (file === 'LOCK') continue;
    const from = join(source, file);
    const to = join(target, file);
    if (!statSync(from).isFile()) continue;
    if (file.endsWith('.sst')) {
      try {
        linkSync(from, to);
        continue;
      } catch {
        // a different device: fall through to copying
      }
    }
    copyFileSync(from, to);
  }
}
