/*
 * The only module that touches the native RocksDB binding (the raw addon of Harper's rocksdb-js,
 * see docs/rocksdb-binding.md). Everything else uses the typed wrappers below, which encode the
 * binding's safe usage rules in one place:
 * - values always come back in fresh buffers (ALWAYS_CREATE_NEW_BUFFER_FLAG); the shared value
 *   buffer (setDefaultValueBuffer) is never installed, because using it corrupted memory;
 * - iterators always ask for stable value buffers, so results never alias shared memory;
 * - range bounds travel through a per-handle key buffer, installed once when the handle opens.
 * Handles opened on the same directory share one database, one per column family.
 */
import { createRequire } from 'node:module';
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import type { StateChangelog } from './rocksdb-changelog.ts';

export const ROCKSDB_BINDING_PACKAGE = '@harperfast/rocksdb-js-linux-x64-glibc';

interface RawIteratorResult {
  readonly key: Buffer;
  readonly value?: Buffer;
}

interface RawIterator {
  next(): RawIteratorResult | number;
  return(): void;
}

interface RawDatabase {
  readonly columns: string[];
  readonly opened: boolean;
  open(path: string, options: Record<string, unknown>): void;
  close(): void;
  destroy(): void;
  putSync(key: Uint8Array, value: Uint8Array, txnId?: number): void;
  removeSync(key: Uint8Array, txnId?: number): void;
  getSync(key: Uint8Array, flags: number): Buffer | undefined;
  setDefaultKeyBuffer(buffer: Uint8Array): void;
  setIteratorState(buffer: Uint8Array): void;
  dropSync(): void;
  flushSync(): void;
  compactSync(start?: Uint8Array, end?: Uint8Array): void;
  createCheckpoint(resolve: () => void, reject: (error: Error) => void, targetDir: string): void;
  getDBIntProperty(name: string): number | undefined;
  getDBProperty(name: string): string | undefined;
  getStats(all: boolean): Record<string, unknown>;
  getStat(name: string): unknown;
}

interface RawTransaction {
  readonly id: number;
  putSync(key: Uint8Array, value: Uint8Array): void;
  removeSync(key: Uint8Array): void;
  getSync(key: Uint8Array, flags: number): Buffer | undefined;
  commitSync(): void;
  abort(): void;
}

interface RawBinding {
  readonly version: string;
  readonly constants: Record<string, number>;
  readonly Database: new () => RawDatabase;
  readonly Transaction: new (context: RawDatabase, options: { disableSnapshot?: boolean }) => RawTransaction;
  readonly Iterator: new (context: RawDatabase | RawTransaction, flags: number, startKeyEnd: number, endKeyStart: number, endKeyEnd: number) => RawIterator;
  config(options: { blockCacheSize?: number }): void;
}

let binding: RawBinding | undefined;
let loadFailure: Error | undefined;

function load(): RawBinding | undefined {
  if (binding !== undefined || loadFailure !== undefined) return binding;
  try {
    // createRequire instead of import: importing a .node addon prints an experimental warning.
    binding = createRequire(import.meta.url)(ROCKSDB_BINDING_PACKAGE) as RawBinding;
  } catch (error) {
    loadFailure = error instanceof Error ? error : new Error(String(error));
  }
  return binding;
}

export type RocksDBAvailability = { readonly available: true; readonly version: string } | { readonly available: false; readonly reason: string };

/** Whether the native binding loads on this platform, and why not. */
export function rocksDBAvailability(): RocksDBAvailability {
  const b = load();
  if (b !== undefined) return { available: true, version: b.version };
  return {
    available: false,
    reason: `the RocksDB binding ${ROCKSDB_BINDING_PACKAGE} cannot be loaded on ${process.platform}-${process.arch} (${loadFailure?.message ?? 'unknown error'})`,
  };
}

function native(): RawBinding {
  const b = load();
  if (b === undefined) {
    throw new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, `The RocksDB state backend is not available: ${(rocksDBAvailability() as { reason: string }).reason}`, {
      cause: loadFailure,
    });
  }
  return b;
}

let configuredBlockCacheSize: number | undefined;

/**
 * Sizes the process-wide block cache; only the first call takes effect because every database of
 * the process shares it. Returns the size in force.
 */
export function configureBlockCache(bytes: number): number {
  if (configuredBlockCacheSize === undefined) {
    native().config({ blockCacheSize: bytes });
    configuredBlockCacheSize = bytes;
  }
  return configuredBlockCacheSize;
}

export interface ColumnFamilyOptions {
  readonly writeBufferSize?: number;
  readonly maxWriteBufferNumber?: number;
  readonly parallelismThreads?: number;
  readonly enableStats?: boolean;
  /**
   * Writes skip the write-ahead log (Flink does the same): checkpoints make state durable, and a
   * database left by a crash is discarded anyway. Native checkpoints flush memtables first.
   */
  readonly disableWAL?: boolean;
  /** Opens an existing database without writing to it (fails if there is none). */
  readonly readOnly?: boolean;
}

/** Largest start + end bound a range scan accepts (bytes), the size of each handle's key buffer. */
const KEY_BUFFER_BYTES = 64 * 1024;

/** One column family of an open database. */
export class NativeColumnFamily {
  readonly name: string;
  readonly directory: string;
  private readonly db: RawDatabase;
  private readonly keyBuffer = Buffer.allocUnsafeSlow(KEY_BUFFER_BYTES);
  private readonly getFlags: number;
  private closed = false;
  /** Where writes are also logged while the backend keeps a state changelog (rocksdb-changelog.ts). */
  private changelog: StateChangelog | null = null;
  /** This column family's index in `changelog`. */
  private changelogFamily = 0;

  /** Opens (creating if missing, unless read-only) the column family `name` of the database in `directory`. */
  constructor(directory: string, name: string, options: ColumnFamilyOptions = {}) {
    const b = native();
    this.name = name;
    this.directory = directory;
    this.getFlags = b.constants.ALWAYS_CREATE_NEW_BUFFER_FLAG!;
    this.db = new b.Database();
    const open: Record<string, unknown> = { name };
    if (options.writeBufferSize !== undefined) open.writeBufferSize = options.writeBufferSize;
    if (options.maxWriteBufferNumber !== undefined) open.maxWriteBufferNumber = options.maxWriteBufferNumber;
    if (options.parallelismThreads !== undefined) open.parallelismThreads = options.parallelismThreads;
    if (options.enableStats !== undefined) open.enableStats = options.enableStats;
    if (options.disableWAL !== undefined) open.disableWAL = options.disableWAL;
    if (options.readOnly === true) open.readOnly = true;
    this.db.open(directory, open);
    this.db.setDefaultKeyBuffer(this.keyBuffer);
    this.db.setIteratorState(Buffer.allocUnsafeSlow(8));
  }

  /** Column families of the database this handle belongs to. */
  columnFamilies(): string[] {
    return [...this.db.columns];
  }

  get(key: Uint8Array): Buffer | undefined {
    return this.db.getSync(key, this.getFlags);
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.db.putSync(key, value);
    this.logChange(key, value);
  }

  remove(key: Uint8Array): void {
    this.db.removeSync(key);
    this.logChange(key, null);
  }

  /** Logs every later write to `changelog` (null: stops logging). */
  setChangelog(changelog: StateChangelog | null): void {
    this.changelog = changelog;
    if (changelog !== null) this.changelogFamily = changelog.family(this.name);
  }

  get logsChanges(): boolean {
    return this.changelog !== null;
  }

  /** @internal logs a write (a batch's when it commits) if the column family keeps a changelog. */
  logChange(key: Uint8Array, value: Uint8Array | null): void {
    if (this.changelog !== null) this.changelog.append(this.changelogFamily, key, value);
  }

  /** Entries with start <= key < end (either bound may be omitted), in key order. */
  iterate(start?: Uint8Array, end?: Uint8Array): NativeRangeIterator {
    return this.openIterator(this.db, 0, start, end);
  }

  /** @internal used by NativeSnapshot, which iterates inside a transaction's snapshot. */
  openIterator(context: RawDatabase | RawTransaction, extraFlags: number, start?: Uint8Array, end?: Uint8Array): NativeRangeIterator {
    const b = native();
    const c = b.constants;
    const s = start?.length ?? 0;
    const e = end?.length ?? 0;
    if (s + e > KEY_BUFFER_BYTES) {
      throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `A range scan of column family '${this.name}' has bounds of ${s + e} bytes, more than the ${KEY_BUFFER_BYTES} supported`);
    }
    if (start !== undefined) this.keyBuffer.set(start, 0);
    if (end !== undefined) this.keyBuffer.set(end, s);
    const flags = c.ITERATOR_INCLUDE_VALUES_FLAG! | c.ITERATOR_NEEDS_STABLE_VALUE_BUFFER_FLAG! | extraFlags;
    return new NativeRangeIterator(new b.Iterator(context, flags, s, s, s + e), c.ITERATOR_RESULT_DONE!);
  }

  flush(): void {
    this.db.flushSync();
  }

  compact(start?: Uint8Array, end?: Uint8Array): void {
    if (start === undefined) this.db.compactSync();
    else this.db.compactSync(start, end);
  }

  /** A RocksDB checkpoint of the whole database (all column families): hard links to its SST files. */
  createCheckpoint(targetDirectory: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.createCheckpoint(resolve, reject, targetDirectory));
  }

  intProperty(name: string): number | undefined {
    return this.db.getDBIntProperty(name);
  }

  property(name: string): string | undefined {
    return this.db.getDBProperty(name);
  }

  /** Tickers and histograms of the database; undefined when statistics are not enabled. */
  statistics(): Readonly<Record<string, unknown>> | undefined {
    try {
      this.db.getStat('rocksdb.number.keys.written');
    } catch {
      return undefined;
    }
    return this.db.getStats(true);
  }

  /** Removes the column family and its data from the database, then closes the handle. */
  drop(): void {
    this.db.dropSync();
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  /**
   * Closes the database without flushing its memtables and deletes its files (the directory
   * too): other handles of the database must be closed first.
   */
  destroyDatabase(): void {
    this.closed = true;
    this.db.destroy();
  }

  /** @internal */
  raw(): RawDatabase {
    return this.db;
  }
}

export interface NativeEntry {
  readonly key: Buffer;
  readonly value: Buffer;
}

/** A forward iterator over a key range; `close` releases it early. */
export class NativeRangeIterator {
  private readonly it: RawIterator;
  private readonly done: number;
  private open = true;

  constructor(it: RawIterator, done: number) {
    this.it = it;
    this.done = done;
  }

  next(): NativeEntry | undefined {
    if (!this.open) return undefined;
    const r = this.it.next();
    if (r === this.done || typeof r === 'number') {
      this.open = false;
      return undefined;
    }
    return r as NativeEntry;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    try {
      this.it.return();
    } catch {
      // closing the database already closed the iterator
    }
  }
}

/** Writes to any column families of one database, applied atomically on commit. */
export class NativeWriteBatch {
  private readonly txn: RawTransaction;
  private readonly anchor: NativeColumnFamily;
  size = 0;

  constructor(anchor: NativeColumnFamily) {
    this.anchor = anchor;
    this.txn = new (native().Transaction)(anchor.raw(), { disableSnapshot: true });
  }

  /** The batch's writes, kept for the state changelog until the commit (null without one). */
  private logged: { cf: NativeColumnFamily; key: Uint8Array; value: Uint8Array | null }[] | null = null;

  put(cf: NativeColumnFamily, key: Uint8Array, value: Uint8Array): void {
    if (cf === this.anchor) this.txn.putSync(key, value);
    else cf.raw().putSync(key, value, this.txn.id);
    if (cf.logsChanges) (this.logged ??= []).push({ cf, key, value });
    this.size++;
  }

  remove(cf: NativeColumnFamily, key: Uint8Array): void {
    if (cf === this.anchor) this.txn.removeSync(key);
    else cf.raw().removeSync(key, this.txn.id);
    if (cf.logsChanges) (this.logged ??= []).push({ cf, key, value: null });
    this.size++;
  }

  commit(): void {
    this.txn.commitSync();
    if (this.logged !== null) for (const { cf, key, value } of this.logged) cf.logChange(key, value);
    this.logged = null;
  }

  abort(): void {
    this.txn.abort();
  }
}

/**
 * A consistent point-in-time view of several column families of one database. Each family gets a
 * transaction whose snapshot is pinned by a first read; all are taken in one synchronous call, so
 * no write can fall between them.
 */
export class NativeSnapshot {
  private readonly views = new Map<NativeColumnFamily, RawTransaction>();
  private released = false;

  constructor(columnFamilies: readonly NativeColumnFamily[]) {
    const b = native();
    const pin = new Uint8Array([0xff, 0xff, 0xff]);
    for (const cf of columnFamilies) {
      const txn = new b.Transaction(cf.raw(), {});
      txn.getSync(pin, b.constants.ALWAYS_CREATE_NEW_BUFFER_FLAG!);
      this.views.set(cf, txn);
    }
  }

  get isReleased(): boolean {
    return this.released;
  }

  iterate(cf: NativeColumnFamily, start?: Uint8Array, end?: Uint8Array): NativeRangeIterator {
    const txn = this.views.get(cf);
    if (txn === undefined || this.released) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `The snapshot does not cover column family '${cf.name}' or was released`);
    return cf.openIterator(txn, native().constants.ITERATOR_CONTEXT_IS_TRANSACTION_FLAG!, start, end);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    for (const txn of this.views.values()) txn.abort();
    this.views.clear();
  }
}
