/*
 * One RocksDB database of one keyed state backend: its directory (claimed for this backend), its
 * column families (opened on demand), and the records that describe it, kept in the `default`
 * column family under keys starting with 0xFF (state keys start with a key group < 2^15, so the
 * two never meet even when a state is itself called "default"). Those records travel inside
 * native checkpoints, so a checkpoint can be checked and restored without other files.
 */
import type { StateMetaInfo } from '../snapshot/keyed-state-snapshot.ts';
import type { StateChangelog } from './rocksdb-changelog.ts';
import { NativeColumnFamily, type ColumnFamilyOptions } from './rocksdb-native.ts';
import {
  createDirectory,
  describeFiles,
  inspectDirectory,
  lockDirectory,
  removeDirectory,
  stateDirectoryError,
} from './rocksdb-state-directory.ts';

export const INSTANCE_FORMAT = 'flink-ts-rocksdb-keyed-state';
export const INSTANCE_FORMAT_VERSION = 1;
const DEFAULT_COLUMN_FAMILY = 'default';

/** Who a database belongs to; written when it is created, checked when it is reused or restored. */
export interface InstanceIdentity {
  readonly format: string;
  readonly formatVersion: number;
  readonly jobId: string;
  readonly operatorIdentifier: string;
  readonly subtaskIndex: number;
  readonly maxParallelism: number;
  readonly keyGroupRange: { readonly startKeyGroup: number; readonly endKeyGroup: number };
}

const IDENTITY_KEY = new Uint8Array([0xff, 0x00]);
const STATE_META_PREFIX = new Uint8Array([0xff, 0x01]);
const STATE_META_END = new Uint8Array([0xff, 0x02]);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function stateMetaKey(name: string): Uint8Array {
  const n = encoder.encode(name);
  const out = new Uint8Array(STATE_META_PREFIX.length + n.length);
  out.set(STATE_META_PREFIX, 0);
  out.set(n, STATE_META_PREFIX.length);
  return out;
}

/** The meta data of a state, when `key` of the default column family holds one (null for other keys). */
export function stateMetaOf(key: Uint8Array, value: Uint8Array): StateMetaInfo | null {
  if (key.length < 2 || key[0] !== STATE_META_PREFIX[0] || key[1] !== STATE_META_PREFIX[1]) return null;
  return JSON.parse(decoder.decode(value)) as StateMetaInfo;
}

function describeOpenFailure(directory: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (/lock/i.test(message)) return stateDirectoryError(directory, `is locked by another process (${message})`, error);
  if (/corrupt/i.test(message)) return stateDirectoryError(directory, `holds a corrupt RocksDB database (${message})`, error);
  return stateDirectoryError(directory, `cannot be opened as a RocksDB database (${message})`, error);
}

export class RocksDBInstance {
  readonly directory: string;
  private readonly options: ColumnFamilyOptions;
  private readonly handles = new Map<string, NativeColumnFamily>();
  private readonly metaHandle: NativeColumnFamily;
  private readonly unlock: () => void;
  private closed = false;
  private changelog: StateChangelog | null = null;

  private constructor(directory: string, options: ColumnFamilyOptions, unlock: () => void) {
    this.directory = directory;
    this.options = options;
    this.unlock = unlock;
    try {
      // The first handle opens the database; statistics are a database-wide setting fixed here.
      this.metaHandle = new NativeColumnFamily(directory, DEFAULT_COLUMN_FAMILY, options);
    } catch (error) {
      unlock();
      throw describeOpenFailure(directory, error);
    }
    this.handles.set(DEFAULT_COLUMN_FAMILY, this.metaHandle);
  }

  /**
   * Opens an empty database for a backend that starts without state. A database left behind by
   * an earlier run of flink-ts (a crash skips dispose) is scratch space and is deleted, as Flink
   * does; anything else in the directory is an error rather than something to delete.
   */
  static openFresh(directory: string, identity: InstanceIdentity, options: ColumnFamilyOptions): RocksDBInstance {
    const unlock = lockDirectory(directory);
    try {
      const contents = inspectDirectory(directory);
      if (contents.kind === 'foreign') {
        throw stateDirectoryError(directory, `is not a RocksDB state directory and is not empty (found ${describeFiles(contents.files)}); refusing to use it`);
      }
      if (contents.kind === 'database') {
        const leftover = new RocksDBInstance(directory, options, () => {});
        const found = leftover.readIdentity();
        leftover.close();
        if (found?.format !== INSTANCE_FORMAT) {
          throw stateDirectoryError(directory, 'holds a RocksDB database that flink-ts did not create; refusing to delete it');
        }
        removeDirectory(directory);
      }
      createDirectory(directory);
    } catch (error) {
      unlock();
      throw error;
    }
    const instance = new RocksDBInstance(directory, options, unlock);
    instance.writeIdentity(identity);
    return instance;
  }

  /**
   * Opens the flink-ts database already in `directory` (a copied native checkpoint). Anything but
   * a readable flink-ts RocksDB database is an error: a restore never starts empty.
   */
  static openExisting(directory: string, options: ColumnFamilyOptions, what: string): RocksDBInstance {
    const contents = inspectDirectory(directory);
    if (contents.kind !== 'database') {
      const found = contents.kind === 'foreign' ? `found ${describeFiles(contents.files)}` : contents.kind;
      throw stateDirectoryError(directory, `is not a RocksDB ${what} (${found})`);
    }
    const readOnly = options.readOnly === true;
    const instance = new RocksDBInstance(directory, options, readOnly ? () => {} : lockDirectory(directory));
    const identity = instance.readIdentity();
    if (identity?.format !== INSTANCE_FORMAT) {
      instance.close();
      throw stateDirectoryError(directory, `is a RocksDB database but not a flink-ts ${what} (no state backend identity record)`);
    }
    if (identity.formatVersion > INSTANCE_FORMAT_VERSION) {
      instance.close();
      throw stateDirectoryError(directory, `was written in format version ${identity.formatVersion}, newer than the supported ${INSTANCE_FORMAT_VERSION}`);
    }
    return instance;
  }

  readIdentity(): InstanceIdentity | undefined {
    const bytes = this.metaHandle.get(IDENTITY_KEY);
    if (bytes === undefined) return undefined;
    try {
      return JSON.parse(decoder.decode(bytes)) as InstanceIdentity;
    } catch (error) {
      throw stateDirectoryError(this.directory, 'has a corrupt state backend identity record', error);
    }
  }

  writeIdentity(identity: InstanceIdentity): void {
    this.metaHandle.put(IDENTITY_KEY, encoder.encode(JSON.stringify(identity)));
  }

  readStateMetas(): StateMetaInfo[] {
    const out: StateMetaInfo[] = [];
    const it = this.metaHandle.iterate(STATE_META_PREFIX, STATE_META_END);
    try {
      for (let e = it.next(); e !== undefined; e = it.next()) out.push(JSON.parse(decoder.decode(e.value)) as StateMetaInfo);
    } catch (error) {
      throw stateDirectoryError(this.directory, 'has a corrupt state meta data record', error);
    } finally {
      it.close();
    }
    return out;
  }

  writeStateMeta(meta: StateMetaInfo): void {
    this.metaHandle.put(stateMetaKey(meta.name), encoder.encode(JSON.stringify(meta)));
  }

  /** The handle of a column family, created in the database if it does not exist. */
  columnFamily(name: string): NativeColumnFamily {
    let handle = this.handles.get(name);
    if (handle === undefined) {
      handle = new NativeColumnFamily(this.directory, name, this.options);
      handle.setChangelog(this.changelog);
      this.handles.set(name, handle);
    }
    return handle;
  }

  /** Logs every later write of every column family to `changelog` (null: stops logging). */
  setChangelog(changelog: StateChangelog | null): void {
    this.changelog = changelog;
    for (const handle of this.handles.values()) handle.setChangelog(changelog);
  }

  /** Column families that exist in the database (open or not). */
  columnFamilyNames(): string[] {
    return this.metaHandle.columnFamilies();
  }

  openHandles(): NativeColumnFamily[] {
    return [...this.handles.values()];
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Closes every handle (the last one flushes and closes the database and releases RocksDB's LOCK). */
  close(): void {
    this.release((meta) => meta.close());
  }

  /** Closes the database without flushing it and deletes its directory. */
  destroy(): void {
    if (this.closed) {
      removeDirectory(this.directory);
      return;
    }
    this.release((meta) => meta.destroyDatabase());
    removeDirectory(this.directory);
  }

  private release(last: (meta: NativeColumnFamily) => void): void {
    if (this.closed) return;
    this.closed = true;
    let failure: unknown;
    for (const handle of this.handles.values()) {
      if (handle === this.metaHandle) continue;
      try {
        handle.close();
      } catch (error) {
        failure ??= error;
      }
    }
    try {
      last(this.metaHandle);
    } catch (error) {
      failure ??= error;
    }
    this.handles.clear();
    this.unlock();
    if (failure !== undefined) throw stateDirectoryError(this.directory, `could not be closed cleanly: ${(failure as Error).message}`, failure);
  }
}
