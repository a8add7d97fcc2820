/*
 * How the file system checkpoint storage writes (the write side of Flink's FileSystem): creating
 * directories, writing task state, channel state and metadata files, and uploading the files of
 * incremental RocksDB snapshots. LOCAL_FILE_WRITER writes with node:fs.
 *
 * A writer registered for a URI scheme (registerCheckpointFileWriter) takes the writes of
 * checkpoints whose 'state.checkpoints.dir' (or savepoint target) has that scheme; the URI's path
 * is a local path, which the rest of the engine reads and deletes through node:fs. It is the seam
 * for storage that must see every write: accounting, throttling, or the fault injection of the
 * tests of failures while a snapshot is written (a disk that fills up part-way).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, FlinkError } from '../../errors.ts';

export interface CheckpointFileWriter {
  /** Creates a directory and its missing parents (synchronous: tiny, and one turn of the event loop less). */
  mkdirsSync(path: string): void;
  /** Writes `bytes` as the file `path`, replacing it. */
  writeFile(path: string, bytes: Uint8Array): Promise<void>;
  /** Synchronous writeFile, for the small `_metadata` file. */
  writeFileSync(path: string, bytes: Uint8Array): void;
  renameSync(from: string, to: string): void;
  /** Copies the local file `from` (a file of a RocksDB checkpoint) to `to`. */
  copyFile(from: string, to: string): Promise<void>;
}

export const LOCAL_FILE_WRITER: CheckpointFileWriter = {
  mkdirsSync(path) {
    mkdirSync(path, { recursive: true });
  },
  writeFile(path, bytes) {
    return writeFile(path, bytes);
  },
  writeFileSync(path, bytes) {
    writeFileSync(path, bytes);
  },
  renameSync(from, to) {
    renameSync(from, to);
  },
  copyFile(from, to) {
    return copyFile(from, to);
  },
};

const writers = new Map<string, CheckpointFileWriter>();

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * Makes checkpoints under `<scheme>:///path` write through `writer`; returns the function that
 * removes the registration. 'file' is the local file system and cannot be replaced.
 */
export function registerCheckpointFileWriter(scheme: string, writer: CheckpointFileWriter): () => void {
  const key = scheme.toLowerCase();
  if (!/^[a-z][a-z0-9+.-]*$/.test(key) || key === 'file') {
    throw new FlinkError(ErrorCodes.FLINK_TS_CONFIGURATION, `Cannot register a checkpoint file writer for the URI scheme '${scheme}'`);
  }
  if (writers.has(key)) throw new FlinkError(ErrorCodes.FLINK_TS_CONFIGURATION, `A checkpoint file writer is already registered for the URI scheme '${key}'`);
  writers.set(key, writer);
  return () => {
    if (writers.get(key) === writer) writers.delete(key);
  };
}

/** The local path of a checkpoint directory (a path, a file:// URI or a registered scheme's URI) and its writer. */
export function resolveCheckpointDirectory(directory: string): { readonly path: string; readonly writer: CheckpointFileWriter } {
  const scheme = SCHEME.exec(directory)?.[1]?.toLowerCase();
  if (scheme === undefined) return { path: directory, writer: LOCAL_FILE_WRITER };
  if (scheme === 'file') return { path: fileURLToPath(directory), writer: LOCAL_FILE_WRITER };
  const writer = writers.get(scheme);
  if (writer === undefined) {
    throw new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, `Checkpoint storage '${directory}': only local paths and file:// URIs are supported`);
  }
  return { path: fileURLToPath(`file://${directory.slice(scheme.length + 3)}`), writer };
}
