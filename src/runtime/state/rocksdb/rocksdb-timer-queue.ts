/*
 * A timer queue of the RocksDB backend (Flink's KeyGroupPartitionedPriorityQueue over
 * RocksDBCachingPriorityQueueSets). The timers live in their own column family
 * (`_timer_state/event_<service>` / `_timer_state/processing_<service>`) under
 *
 *   u16 key group | 8 bytes timestamp | u32 len | key bytes | u32 len | namespace bytes
 *
 * (the timestamp order-preserving, the value empty): key group first, so that key groups are
 * snapshotted, trimmed and copied like any state's, then timestamp, so that within a key group
 * RocksDB keeps them in firing order. Memory holds only the head of each key group, at most
 * CACHE_SIZE timers, refilled from RocksDB when it runs empty, and a heap of the key groups by
 * their earliest timer. A registration inside a key group's cached range costs a binary search
 * (and a put when new); one beyond it is a put, which RocksDB makes idempotent.
 */
import { KeySerializer } from '../../serialization/key-serializer.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';
import type { KeyGroupRange } from '../key-group-range.ts';
import { decodeTimerTimestamp, encodeTimerTimestamp, type InternalTimer, type InternalTimerQueue } from '../timers/timer-queue.ts';
import { keyGroupStart } from './rocksdb-key-layout.ts';
import type { NativeColumnFamily } from './rocksdb-native.ts';

/** Timers of one key group kept in memory (Flink's default cache size). */
export const CACHE_SIZE = 128;

const EMPTY = new Uint8Array(0);

/** What the queue needs from its backend. */
export interface RocksDBTimerContext {
  readonly where: string;
  readonly keyGroupRange: KeyGroupRange;
  /** `key group | u32 len | key` of the current key. */
  readonly currentKeyPrefix: Uint8Array;
  getCurrentKey(): unknown;
  setCurrentKey(key: unknown): void;
}

interface CachedTimer extends InternalTimer {
  readonly dbKey: Uint8Array;
}

/** The head of one key group's timers; `complete` when RocksDB holds no timer of the group beyond it. */
interface KeyGroupCache {
  readonly keyGroup: number;
  timers: CachedTimer[];
  complete: boolean;
  /** Position in the heap of key groups. */
  heapIndex: number;
}

export class RocksDBTimerQueue implements InternalTimerQueue {
  readonly name: string;
  readonly namespaceSerializer: TypeSerializer<unknown>;
  private readonly context: RocksDBTimerContext;
  private columnFamily: NativeColumnFamily;
  private readNamespace: (bytes: Uint8Array) => unknown;
  private readonly groups: KeyGroupCache[];
  /** Key groups ordered by their earliest timer (empty groups last). */
  private readonly heap: KeyGroupCache[];

  constructor(name: string, context: RocksDBTimerContext, columnFamily: NativeColumnFamily, namespaceSerializer: TypeSerializer<unknown>) {
    this.name = name;
    this.context = context;
    this.columnFamily = columnFamily;
    this.namespaceSerializer = namespaceSerializer;
    this.readNamespace = (bytes) => namespaceSerializer.deserialize(bytes);
    const range = context.keyGroupRange;
    this.groups = [];
    for (let g = range.startKeyGroup; g <= range.endKeyGroup; g++) this.groups.push({ keyGroup: g, timers: [], complete: true, heapIndex: g - range.startKeyGroup });
    this.heap = [...this.groups];
  }

  add(namespace: unknown, timestamp: number): boolean {
    const prefix = this.context.currentKeyPrefix;
    const nsBytes = this.namespaceSerializer.serialize(namespace);
    const dbKey = encodeTimerKey(prefix, timestamp, nsBytes);
    const group = this.groups[keyGroupOfPrefix(prefix) - this.context.keyGroupRange.startKeyGroup]!;
    const timers = group.timers;
    const last = timers[timers.length - 1];
    if (group.complete || (last !== undefined && compareBytes(dbKey, last.dbKey) < 0)) {
      const at = search(timers, dbKey);
      if (at >= 0) return false;
      timers.splice(-at - 1, 0, { timestamp, key: this.context.getCurrentKey(), namespace, dbKey });
      if (timers.length > CACHE_SIZE) {
        timers.pop(); // it stays in RocksDB
        group.complete = false;
      }
      if (-at - 1 === 0) this.siftUp(group.heapIndex);
    }
    this.columnFamily.put(dbKey, EMPTY);
    return true;
  }

  delete(namespace: unknown, timestamp: number): void {
    const prefix = this.context.currentKeyPrefix;
    const dbKey = encodeTimerKey(prefix, timestamp, this.namespaceSerializer.serialize(namespace));
    const group = this.groups[keyGroupOfPrefix(prefix) - this.context.keyGroupRange.startKeyGroup]!;
    const at = search(group.timers, dbKey);
    if (at >= 0) {
      group.timers.splice(at, 1);
      if (at === 0) {
        // The head moved later, or the cache ran empty with more in RocksDB (then it sorts first).
        this.siftUp(group.heapIndex);
        this.siftDown(group.heapIndex);
      }
    }
    this.columnFamily.remove(dbKey);
  }

  peekTimestamp(): number | undefined {
    return this.head()?.timestamp;
  }

  fireUntil(time: number, fire: (timer: InternalTimer) => void): void {
    for (;;) {
      const head = this.head();
      if (head === undefined || head.timestamp > time) return;
      const group = this.heap[0]!;
      group.timers.shift();
      this.siftDown(0);
      this.columnFamily.remove(head.dbKey);
      this.context.setCurrentKey(head.key);
      fire(head);
    }
  }

  /** Counts the timers; reads RocksDB unless every key group is cached completely (as Flink's size()). */
  get size(): number {
    let n = 0;
    for (const group of this.groups) {
      if (group.complete) {
        n += group.timers.length;
        continue;
      }
      const it = this.columnFamily.iterate(keyGroupStart(group.keyGroup), keyGroupStart(group.keyGroup + 1));
      try {
        while (it.next() !== undefined) n++;
      } finally {
        it.close();
      }
    }
    return n;
  }

  /**
   * Forgets the cached heads, after a restore wrote timers into the column family (or replaced
   * the database): every key group is read again from RocksDB when it is needed.
   */
  reset(columnFamily: NativeColumnFamily, readNamespace: (bytes: Uint8Array) => unknown): void {
    this.columnFamily = columnFamily;
    this.readNamespace = readNamespace;
    for (const group of this.groups) {
      group.timers = [];
      group.complete = false;
    }
    for (const group of this.groups) this.refill(group);
    this.heap.sort((a, b) => compareHeads(a, b));
    this.heap.forEach((g, i) => (g.heapIndex = i));
  }

  /** The earliest timer, refilling the earliest key group's cache from RocksDB where it ran empty. */
  private head(): CachedTimer | undefined {
    for (;;) {
      const group = this.heap[0];
      if (group === undefined) return undefined;
      const first = group.timers[0];
      if (first !== undefined || group.complete) return first;
      this.refill(group);
      this.siftDown(0);
    }
  }

  private refill(group: KeyGroupCache): void {
    const where = `timer queue '${this.name}' of ${this.context.where}`;
    const it = this.columnFamily.iterate(keyGroupStart(group.keyGroup), keyGroupStart(group.keyGroup + 1));
    const timers: CachedTimer[] = [];
    try {
      for (let e = it.next(); e !== undefined && timers.length < CACHE_SIZE; e = it.next()) {
        const dbKey = Uint8Array.from(e.key);
        const parts = decodeTimerKey(dbKey, where);
        timers.push({ timestamp: parts.timestamp, key: KeySerializer.INSTANCE.deserialize(parts.key), namespace: this.readNamespace(parts.namespace), dbKey });
      }
    } finally {
      it.close();
    }
    group.timers = timers;
    group.complete = timers.length < CACHE_SIZE;
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const group = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compareHeads(heap[parent]!, group) <= 0) break;
      heap[i] = heap[parent]!;
      heap[i]!.heapIndex = i;
      i = parent;
    }
    heap[i] = group;
    group.heapIndex = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const group = heap[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && compareHeads(heap[right]!, heap[left]!) < 0 ? right : left;
      if (compareHeads(heap[child]!, group) >= 0) break;
      heap[i] = heap[child]!;
      heap[i]!.heapIndex = i;
      i = child;
    }
    heap[i] = group;
    group.heapIndex = i;
  }
}

/**
 * Orders key groups by their earliest cached timer. A group whose cache ran empty but that still
 * has timers in RocksDB sorts first, so that head() refills it before trusting the order.
 */
function compareHeads(a: KeyGroupCache, b: KeyGroupCache): number {
  return headRank(a) - headRank(b);
}

function headRank(group: KeyGroupCache): number {
  const first = group.timers[0];
  if (first !== undefined) return first.timestamp;
  return group.complete ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}

/** Binary search by RocksDB key: the index, or -(insertion point) - 1. */
function search(timers: readonly CachedTimer[], dbKey: Uint8Array): number {
  let lo = 0;
  let hi = timers.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareBytes(timers[mid]!.dbKey, dbKey);
    if (c < 0) lo = mid + 1;
    else if (c > 0) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

function keyGroupOfPrefix(prefix: Uint8Array): number {
  return (prefix[0]! << 8) | prefix[1]!;
}

/** The RocksDB key of a timer from `key group | u32 len | key` (a backend's current key prefix). */
export function encodeTimerKey(keyPrefix: Uint8Array, timestamp: number, namespace: Uint8Array): Uint8Array {
  const out = new Uint8Array(keyPrefix.length + 8 + 4 + namespace.length);
  out[0] = keyPrefix[0]!;
  out[1] = keyPrefix[1]!;
  out.set(encodeTimerTimestamp(timestamp), 2);
  out.set(keyPrefix.subarray(2), 10);
  const at = keyPrefix.length + 8;
  out[at] = (namespace.length >>> 24) & 0xff;
  out[at + 1] = (namespace.length >>> 16) & 0xff;
  out[at + 2] = (namespace.length >>> 8) & 0xff;
  out[at + 3] = namespace.length & 0xff;
  out.set(namespace, at + 4);
  return out;
}

/** The RocksDB key of a timer from its parts (restores). */
export function composeTimerKey(keyGroup: number, key: Uint8Array, namespace: Uint8Array, timestampBytes: Uint8Array): Uint8Array {
  const prefix = new Uint8Array(6 + key.length);
  prefix[0] = (keyGroup >>> 8) & 0xff;
  prefix[1] = keyGroup & 0xff;
  new DataView(prefix.buffer).setUint32(2, key.length);
  prefix.set(key, 6);
  const out = encodeTimerKey(prefix, 0, namespace);
  out.set(timestampBytes, 2);
  return out;
}

export interface DecodedTimerKey {
  readonly keyGroup: number;
  readonly timestamp: number;
  /** The 8 bytes of the timestamp, as snapshots store them. */
  readonly timestampBytes: Uint8Array;
  readonly key: Uint8Array;
  readonly namespace: Uint8Array;
}

/** Splits a timer's RocksDB key into its parts (views into `bytes`); throws on a malformed key. */
export function decodeTimerKey(bytes: Uint8Array, where: string): DecodedTimerKey {
  if (bytes.length < 18) throw new Error(`Corrupt timer key in ${where}: ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const keyLength = view.getUint32(10);
  const nsAt = 14 + keyLength;
  if (nsAt + 4 > bytes.length) throw new Error(`Corrupt timer key in ${where}: key length ${keyLength} exceeds the entry`);
  const nsLength = view.getUint32(nsAt);
  if (nsAt + 4 + nsLength !== bytes.length) throw new Error(`Corrupt timer key in ${where}: namespace length ${nsLength} does not match the entry`);
  const timestampBytes = bytes.subarray(2, 10);
  return {
    keyGroup: view.getUint16(0),
    timestamp: decodeTimerTimestamp(timestampBytes, where),
    timestampBytes,
    key: bytes.subarray(14, nsAt),
    namespace: bytes.subarray(nsAt + 4),
  };
}
