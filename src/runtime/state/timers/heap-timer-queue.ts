/*
 * The heap timer queue (Flink's HeapPriorityQueueSet of timers): timers bucketed by timestamp, a
 * heap of the distinct timestamps and, per timestamp, the timers by key. A registration costs two
 * Map lookups and no allocation when its timestamp and key are known; a deleted timer leaves its
 * bucket at once, and an empty bucket leaves the heap when it reaches the top. Invariant: every
 * timestamp in `buckets` is in the heap exactly once. The heap backend snapshots these queues;
 * the RocksDB backend keeps one as the in-memory index of its timer column family.
 */
import { BinaryHeap } from '../../../utils/binary-heap.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';
import { normalizeKey } from '../key-hash.ts';
import type { InternalTimer, InternalTimerQueue } from './timer-queue.ts';

type NormalizedKey = ReturnType<typeof normalizeKey>;
type NamespaceId = string | number | symbol;

/** The (key, namespace) timers of one timestamp under one normalized key. */
class TimerEntry {
  readonly key: unknown;
  readonly normalized: NormalizedKey;
  /** Namespace identities, parallel to `namespaces`; a key rarely has more than one per timestamp. */
  readonly ids: NamespaceId[];
  readonly namespaces: unknown[];

  constructor(key: unknown, normalized: NormalizedKey, ids: NamespaceId[], namespaces: unknown[]) {
    this.key = key;
    this.normalized = normalized;
    this.ids = ids;
    this.namespaces = namespaces;
  }
}

/**
 * The timers of one timestamp by normalized key. The common case — one timer of a key that is its
 * own normalized form (numbers, most strings) — is stored as the bare namespace, without an entry
 * object or arrays; anything else is a TimerEntry (namespaces are never TimerEntries).
 */
type TimerBucket = Map<NormalizedKey, TimerEntry | unknown>;

/** Where a queue finds the key of the timers it is asked to add or delete. */
export interface TimerKeyContext {
  getCurrentKey(): unknown;
}

export class HeapTimerQueue implements InternalTimerQueue {
  private readonly times = new BinaryHeap<number>((t) => t);
  private readonly buckets = new Map<number, TimerBucket>();
  private readonly keyContext: TimerKeyContext;
  /** Writes and reads the namespaces of the timers in snapshots. */
  readonly namespaceSerializer: TypeSerializer<unknown>;
  private count = 0;

  constructor(keyContext: TimerKeyContext, namespaceSerializer: TypeSerializer<unknown>) {
    this.keyContext = keyContext;
    this.namespaceSerializer = namespaceSerializer;
  }

  add(namespace: unknown, timestamp: number): boolean {
    return this.addTimer(this.keyContext.getCurrentKey(), namespace, timestamp);
  }

  delete(namespace: unknown, timestamp: number): void {
    this.deleteTimer(this.keyContext.getCurrentKey(), namespace, timestamp);
  }

  /** Adds the timer of `key`; false when it was already there. */
  addTimer(key: unknown, namespace: unknown, timestamp: number): boolean {
    let bucket = this.buckets.get(timestamp);
    if (bucket === undefined) {
      bucket = new Map();
      this.buckets.set(timestamp, bucket);
      this.times.push(timestamp);
    }
    const k = normalizeKey(key);
    const existing = bucket.get(k);
    if (existing === undefined) {
      bucket.set(k, k === key && namespace !== undefined ? namespace : new TimerEntry(key, k, [namespaceId(namespace)], [namespace]));
    } else if (existing instanceof TimerEntry) {
      const id = namespaceId(namespace);
      if (existing.ids.includes(id)) return false;
      existing.ids.push(id);
      existing.namespaces.push(namespace);
    } else {
      if (existing === namespace) return false;
      const id = namespaceId(namespace);
      const existingId = namespaceId(existing);
      if (existingId === id) return false;
      bucket.set(k, new TimerEntry(key, k, [existingId, id], [existing, namespace]));
    }
    this.count++;
    return true;
  }

  /** Removes the timer of `key`; false when it was not there. */
  deleteTimer(key: unknown, namespace: unknown, timestamp: number): boolean {
    const bucket = this.buckets.get(timestamp);
    if (bucket === undefined) return false;
    const k = normalizeKey(key);
    const entry = bucket.get(k);
    if (entry === undefined) return false;
    if (!(entry instanceof TimerEntry)) {
      if (entry !== namespace && namespaceId(entry) !== namespaceId(namespace)) return false;
      bucket.delete(k);
      this.count--;
      return true;
    }
    const at = entry.ids.indexOf(namespaceId(namespace));
    if (at < 0) return false;
    this.count--;
    if (entry.ids.length === 1) {
      bucket.delete(k);
      return true;
    }
    entry.ids.splice(at, 1);
    entry.namespaces.splice(at, 1);
    return true;
  }

  /** The earliest timestamp with a live timer; empty buckets at the top are dropped here. */
  peekTimestamp(): number | undefined {
    const times = this.times;
    let top = times.peek();
    while (top !== undefined && this.buckets.get(top)!.size === 0) {
      this.buckets.delete(top);
      times.pop();
      top = times.peek();
    }
    return top;
  }

  /**
   * Within a timestamp, timers fire by key, each key's in registration order. `fire` is expected
   * to set the timer's key as the current key.
   */
  fireUntil(time: number, fire: (timer: InternalTimer) => void): void {
    for (;;) {
      const timestamp = this.peekTimestamp();
      if (timestamp === undefined || timestamp > time) return;
      const bucket = this.buckets.get(timestamp)!;
      // Entries added during the walk are visited by the live iterator; deleted ones are skipped.
      for (const [k, entry] of bucket) {
        if (!(entry instanceof TimerEntry)) {
          bucket.delete(k);
          this.count--;
          fire({ timestamp, key: k, namespace: entry });
          if (this.times.peek()! < timestamp) break;
          continue;
        }
        while (entry.ids.length !== 0 && bucket.get(k) === entry) {
          const namespace = entry.namespaces.shift();
          entry.ids.shift();
          if (entry.ids.length === 0) bucket.delete(k);
          this.count--;
          fire({ timestamp, key: entry.key, namespace });
          // A timer registered for an earlier time by `fire` goes first, as in a heap of timers.
          if (this.times.peek()! < timestamp) break;
        }
        if (this.times.peek()! < timestamp) break;
      }
    }
  }

  /** Every timer, in no particular order: the synchronous part of a snapshot. */
  timers(): InternalTimer[] {
    const out: InternalTimer[] = [];
    for (const [timestamp, bucket] of this.buckets) {
      for (const [k, entry] of bucket) {
        if (entry instanceof TimerEntry) for (const namespace of entry.namespaces) out.push({ timestamp, key: entry.key, namespace });
        else out.push({ timestamp, key: k, namespace: entry });
      }
    }
    return out;
  }

  clear(): void {
    this.buckets.clear();
    while (this.times.pop() !== undefined);
    this.count = 0;
  }

  get size(): number {
    return this.count;
  }
}

/**
 * What makes two namespaces the same timer's, as Flink's TimerHeapInternalTimer.equals: windows
 * are equal when their key() is; numbers and symbols (VOID_NAMESPACE) are themselves; strings and
 * other values are tagged so that they never meet a window's key.
 */
function namespaceId(namespace: unknown): NamespaceId {
  if (typeof namespace === 'object' && namespace !== null && typeof (namespace as { key?: unknown }).key === 'function') {
    return String((namespace as { key(): unknown }).key());
  }
  if (typeof namespace === 'number' || typeof namespace === 'symbol') return namespace;
  return typeof namespace === 'string' ? '\u0000s' + namespace : '\u0000v' + String(namespace);
}
