/*
 * The state changelog of the RocksDB backend (Flink's changelog state backend, FLIP-158): with
 * 'state.backend.changelog.enabled', every write to the backend's column families from its start
 * (its base is then the empty materialization, or the restored handle) or from a materialization
 * (an incremental snapshot: a native RocksDB checkpoint) is also appended to an in-memory log, and
 * a checkpoint between two materializations writes only the log's segment since the previous
 * checkpoint — no memtable flush, no SST file. A checkpoint's handle then names the
 * materialization's files (none for the empty one) plus every segment written since; a restore
 * restores the materialization and replays the segments, keeping the key groups of the restoring
 * backend.
 *
 * Segment format (big-endian): 'FTCL', u32 version (1), u32 column-family count, per family
 * u16 length + UTF-8 name, then entries to the end: u16 family index, u32 key length, key bytes,
 * i32 value length (-1: the key was removed), value bytes. Entries are in write order.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import type { KeyGroupRange } from '../key-group-range.ts';
import type { StoredFile } from './rocksdb-incremental-snapshot.ts';
import type { RocksDBKeyedStateBackend } from './rocksdb-keyed-state-backend.ts';
import { stateMetaOf } from './rocksdb-instance.ts';

const MAGIC = 0x4654434c; // 'FTCL'
const VERSION = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface ChangelogOptions {
  /** A checkpoint materializes (an incremental snapshot) when the last materialization is this old. */
  readonly materializationIntervalMs: number;
  /** The most the log holds between two materializations; beyond, the next checkpoint materializes. */
  readonly maxLogBytes: number;
}

/** Writes `bytes` with a u32 length in front at `at`; returns the offset after them. */
function writeBytes(b: Uint8Array, at: number, bytes: Uint8Array): number {
  const n = bytes.length;
  b[at] = n >>> 24;
  b[at + 1] = (n >>> 16) & 0xff;
  b[at + 2] = (n >>> 8) & 0xff;
  b[at + 3] = n & 0xff;
  at += 4;
  if (n > 32) {
    b.set(bytes, at);
    return at + n;
  }
  for (let i = 0; i < n; i++) b[at + i] = bytes[i]!;
  return at + n;
}

/** The changes written to a RocksDB backend since the last sealed segment. */
export class StateChangelog {
  private readonly maxBytes: number;
  private buffer = new Uint8Array(1 << 20);
  private position = 0;
  private readonly families = new Map<string, number>();
  private readonly familyNames: string[] = [];
  /** Bytes logged over the log's life (all segments). */
  private totalBytes = 0;
  /** The log outgrew its bound: it stopped recording, and the next checkpoint must materialize. */
  overflowed = false;

  /** `maxBytes`: the most the log holds between two materializations. */
  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** The index of the column family `name` in the log's segments, for append. */
  family(name: string): number {
    let index = this.families.get(name);
    if (index === undefined) {
      index = this.familyNames.length;
      this.families.set(name, index);
      this.familyNames.push(name);
    }
    return index;
  }

  /** A write of `value` (null: a removal) under `key` in the column family of index `family` (see family()). */
  append(family: number, key: Uint8Array, value: Uint8Array | null): void {
    if (this.overflowed) return;
    const size = 10 + key.length + (value === null ? 0 : value.length);
    const end = this.position + size;
    if ((end > this.buffer.length || this.totalBytes + end > this.maxBytes) && !this.grow(end)) return;
    // Byte by byte: keys and values of keyed state are a few bytes, where a DataView call or a
    // TypedArray.set costs more than the copy.
    const b = this.buffer;
    let at = this.position;
    b[at] = family >>> 8;
    b[at + 1] = family & 0xff;
    at = writeBytes(b, at + 2, key);
    if (value === null) {
      b[at] = b[at + 1] = b[at + 2] = b[at + 3] = 0xff;
      at += 4;
    } else {
      at = writeBytes(b, at, value);
    }
    this.position = at;
  }

  private grow(needed: number): boolean {
    if (this.totalBytes + needed > this.maxBytes) {
      this.overflowed = true;
      this.buffer = new Uint8Array(0);
      this.position = 0;
      return false;
    }
    if (needed <= this.buffer.length) return true;
    let length = this.buffer.length * 2;
    while (length < needed) length *= 2;
    const next = new Uint8Array(length);
    next.set(this.buffer.subarray(0, this.position));
    this.buffer = next;
    return true;
  }

  /** Bytes logged since the last seal. */
  get pendingBytes(): number {
    return this.position;
  }

  /** The segment of the changes since the last seal, in the segment format; the log starts over. */
  seal(): Uint8Array {
    const names = this.familyNames.map((n) => encoder.encode(n));
    const header = 12 + names.reduce((n, b) => n + 2 + b.length, 0);
    const segment = new Uint8Array(header + this.position);
    const view = new DataView(segment.buffer);
    view.setUint32(0, MAGIC);
    view.setUint32(4, VERSION);
    view.setUint32(8, names.length);
    let at = 12;
    for (const name of names) {
      view.setUint16(at, name.length);
      segment.set(name, at + 2);
      at += 2 + name.length;
    }
    segment.set(this.buffer.subarray(0, this.position), at);
    this.totalBytes += this.position;
    this.position = 0;
    return segment;
  }
}

/**
 * Calls `apply` for every entry of `segment`, in write order. `where` names the segment (its file)
 * in the error a malformed segment gives.
 */
export function readChangelogSegment(segment: Uint8Array, where: string, apply: (family: string, key: Uint8Array, value: Uint8Array | null) => void): number {
  const view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength);
  const fail = (offset: number, reason: string): never => {
    throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `The state changelog segment ${where} is corrupt at byte ${offset}: ${reason}`, { context: { file: where, offset } });
  };
  if (segment.length < 12 || view.getUint32(0) !== MAGIC) fail(0, 'it does not start with a changelog header');
  if (view.getUint32(4) !== VERSION) fail(4, `version ${view.getUint32(4)} is not ${VERSION}`);
  const count = view.getUint32(8);
  const families: string[] = [];
  let at = 12;
  for (let i = 0; i < count; i++) {
    if (at + 2 > segment.length) fail(at, 'the column family names are cut short');
    const length = view.getUint16(at);
    if (at + 2 + length > segment.length) fail(at, 'the column family names are cut short');
    families.push(decoder.decode(segment.subarray(at + 2, at + 2 + length)));
    at += 2 + length;
  }
  let entries = 0;
  while (at < segment.length) {
    const start = at;
    if (at + 6 > segment.length) fail(start, 'an entry is cut short');
    const family = families[view.getUint16(at)] ?? fail(start, `column family ${view.getUint16(at)} is not in the segment's ${count}`);
    const keyLength = view.getUint32(at + 2);
    at += 6;
    if (at + keyLength + 4 > segment.length) fail(start, 'an entry is cut short');
    const key = segment.subarray(at, at + keyLength);
    at += keyLength;
    const valueLength = view.getInt32(at);
    at += 4;
    if (valueLength < -1 || at + Math.max(valueLength, 0) > segment.length) fail(start, 'an entry is cut short');
    const value = valueLength === -1 ? null : segment.subarray(at, at + valueLength);
    at += Math.max(valueLength, 0);
    apply(family, key, value);
    entries++;
  }
  return entries;
}


/**
 * Replays changelog segments (files of `sharedDirectory`) into `backend`, after the materialization
 * they follow was restored: writes of the key groups in `keyGroupRange`, and the meta data of the
 * states they name (a state registered after the materialization is restored too). Missing or
 * truncated files and malformed segments are errors naming the file.
 */
export async function replayChangelog(backend: RocksDBKeyedStateBackend, segments: readonly StoredFile[], sharedDirectory: string, keyGroupRange: KeyGroupRange): Promise<void> {
  for (const file of segments) {
    const path = join(sharedDirectory, file.stored);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Cannot restore ${backend.where}: the state changelog segment ${path} is missing`, { cause: error, context: { file: path } });
    }
    if (bytes.length !== file.size) {
      throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Cannot restore ${backend.where}: the state changelog segment ${path} has ${bytes.length} bytes, the checkpoint recorded ${file.size}`, {
        context: { file: path },
      });
    }
    const instance = backend.instance;
    // Single writes: the binding's transactions are slower than single puts, and nothing reads
    // the backend before its restore ended.
    readChangelogSegment(bytes, path, (family, key, value) => {
      if (family === 'default') {
        // Only the meta data of states; the instance's identity is the restoring backend's own.
        const meta = value === null ? null : stateMetaOf(key, value);
        if (meta === null) return;
        if (backend.restoredStateTarget(meta).rewrite !== null) {
          throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Cannot restore ${backend.where}: state '${meta.name}' of the changelog ${path} is registered with a different serializer or TTL setting`, {
            context: { file: path },
          });
        }
      } else if (key.length < 2 || !keyGroupRange.contains((key[0]! << 8) | key[1]!)) {
        return;
      }
      const cf = instance.columnFamily(family);
      if (value === null) cf.remove(key);
      else cf.put(key, value);
    });
  }
}
