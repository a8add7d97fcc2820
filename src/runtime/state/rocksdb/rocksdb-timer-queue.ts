/*
 * A timer queue of the RocksDB backend: the timers live in their own column family
 * (`_timer_state/event_<service>` / `_timer_state/processing_<service>`) under
 * `key group | key | namespace | timestamp` (the timestamp as 8 order-preserving bytes, like a map
 * state's user key, value empty), so they are part of native checkpoints and full snapshots and
 * restore by key group like any state. An in-memory heap queue indexes them by timestamp: only a
 * new timer is written (re-registering an existing one costs no native call), a removed or fired
 * one is deleted. The index is rebuilt from the column family when the queue is created on a
 * restored database and after every restore.
 */
import { KeySerializer } from '../../serialization/key-serializer.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';
import { HeapTimerQueue } from '../timers/heap-timer-queue.ts';
import { decodeTimerTimestamp, encodeTimerTimestamp, type InternalTimer, type InternalTimerQueue } from '../timers/timer-queue.ts';
import { decodeStateKey, serializeStateKey } from './rocksdb-key-layout.ts';
import type { NativeColumnFamily } from './rocksdb-native.ts';

const EMPTY = new Uint8Array(0);

/** What the queue needs from its backend. */
export interface RocksDBTimerContext {
  readonly where: string;
  /** `key group | key` of the current key. */
  readonly currentKeyPrefix: Uint8Array;
  getCurrentKey(): unknown;
  setCurrentKey(key: unknown): void;
}

export class RocksDBTimerQueue implements InternalTimerQueue {
  readonly name: string;
  private readonly context: RocksDBTimerContext;
  private columnFamily: NativeColumnFamily;
  private readonly index: HeapTimerQueue;
  readonly namespaceSerializer: TypeSerializer<unknown>;

  constructor(name: string, context: RocksDBTimerContext, columnFamily: NativeColumnFamily, namespaceSerializer: TypeSerializer<unknown>) {
    this.name = name;
    this.context = context;
    this.columnFamily = columnFamily;
    this.namespaceSerializer = namespaceSerializer;
    this.index = new HeapTimerQueue(context, namespaceSerializer);
  }

  add(namespace: unknown, timestamp: number): boolean {
    if (!this.index.add(namespace, timestamp)) return false;
    this.columnFamily.put(this.timerKey(namespace, timestamp), EMPTY);
    return true;
  }

  delete(namespace: unknown, timestamp: number): void {
    if (this.index.deleteTimer(this.context.getCurrentKey(), namespace, timestamp)) this.columnFamily.remove(this.timerKey(namespace, timestamp));
  }

  peekTimestamp(): number | undefined {
    return this.index.peekTimestamp();
  }

  fireUntil(time: number, fire: (timer: InternalTimer) => void): void {
    this.index.fireUntil(time, (timer) => {
      this.context.setCurrentKey(timer.key);
      this.columnFamily.remove(this.timerKey(timer.namespace, timer.timestamp));
      fire(timer);
    });
  }

  get size(): number {
    return this.index.size;
  }

  /**
   * Rebuilds the index from the column family's entries in [start, end) (the backend's key
   * groups), after a restore wrote timers into it or replaced the database.
   */
  load(columnFamily: NativeColumnFamily, start: Uint8Array, end: Uint8Array, readNamespace: (bytes: Uint8Array) => unknown): void {
    this.columnFamily = columnFamily;
    this.index.clear();
    const where = `timer queue '${this.name}' of ${this.context.where}`;
    const it = columnFamily.iterate(start, end);
    try {
      for (let e = it.next(); e !== undefined; e = it.next()) {
        const parts = decodeStateKey(e.key, where);
        this.index.addTimer(KeySerializer.INSTANCE.deserialize(parts.key), readNamespace(parts.namespace), decodeTimerTimestamp(parts.userKey, where));
      }
    } finally {
      it.close();
    }
  }

  private timerKey(namespace: unknown, timestamp: number): Uint8Array {
    const key = serializeStateKey(this.context.currentKeyPrefix, this.namespaceSerializer.serialize(namespace), 8);
    key.set(encodeTimerTimestamp(timestamp), key.length - 8);
    return key;
  }
}
