/*
 * Per-key event-time and processing-time timers of a keyed operator, as Flink's
 * InternalTimerServiceImpl: a timer is (key, namespace, timestamp), registered at most once, fired
 * in timestamp order with its key set as the current key and its namespace handed to the
 * Triggerable. Process functions use VOID_NAMESPACE; window operators use the window. Event-time
 * timers fire as the watermark passes them; processing-time timers fire from the task's mailbox.
 */
import { BinaryHeap } from '../../utils/binary-heap.ts';
import { VOID_NAMESPACE, type KeyedStateBackend } from '../state/keyed-state-backend.ts';
import type { ProcessingTimeService, ScheduledTimer } from '../tasks/processing-time-service.ts';
import { normalizeKey } from '../state/key-hash.ts';

export interface InternalTimer<N = unknown> {
  readonly timestamp: number;
  readonly key: unknown;
  /** VOID_NAMESPACE, or the window of a window operator's timer. */
  readonly namespace: N;
}

export interface Triggerable {
  onEventTime(timer: InternalTimer): void;
  onProcessingTime(timer: InternalTimer): void;
}

/** The (key, namespace) timers of one timestamp under one normalized key. */
interface TimerEntry {
  readonly key: unknown;
  readonly normalized: NormalizedKey;
  /** Namespace identities, parallel to `namespaces`; a key rarely has more than one per timestamp. */
  readonly ids: NamespaceId[];
  readonly namespaces: unknown[];
}

type NamespaceId = string | number | symbol;
type TimerBucket = Map<NormalizedKey, TimerEntry>;
type NormalizedKey = ReturnType<typeof normalizeKey>;

/**
 * Timers bucketed by timestamp: a heap of the distinct timestamps and, per timestamp, the timers
 * by key. A registration costs two Map lookups and no allocation when its timestamp and key are
 * known; a deleted timer leaves its bucket at once, and an empty bucket leaves the heap when it
 * reaches the top. Invariant: every timestamp in `buckets` is in the heap exactly once.
 */
class TimerQueue {
  private readonly times = new BinaryHeap<number>((t) => t);
  private readonly buckets = new Map<number, TimerBucket>();
  private count = 0;

  add(key: unknown, namespace: unknown, timestamp: number): boolean {
    let bucket = this.buckets.get(timestamp);
    if (bucket === undefined) {
      bucket = new Map();
      this.buckets.set(timestamp, bucket);
      this.times.push(timestamp);
    }
    const k = normalizeKey(key);
    const id = namespaceId(namespace);
    const entry = bucket.get(k);
    if (entry === undefined) {
      bucket.set(k, { key, normalized: k, ids: [id], namespaces: [namespace] });
    } else {
      if (entry.ids.includes(id)) return false;
      entry.ids.push(id);
      entry.namespaces.push(namespace);
    }
    this.count++;
    return true;
  }

  delete(key: unknown, namespace: unknown, timestamp: number): void {
    const bucket = this.buckets.get(timestamp);
    if (bucket === undefined) return;
    const k = normalizeKey(key);
    const entry = bucket.get(k);
    if (entry === undefined) return;
    const at = entry.ids.indexOf(namespaceId(namespace));
    if (at < 0) return;
    this.count--;
    if (entry.ids.length === 1) {
      bucket.delete(k);
      return;
    }
    entry.ids.splice(at, 1);
    entry.namespaces.splice(at, 1);
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
   * Removes and hands to `fire` every timer with a timestamp up to `time`, in timestamp order
   * (within a timestamp by key, each key's in registration order). A timer is removed before it
   * fires, so `fire` may register and delete timers, including due ones, which then fire in turn.
   */
  fireUntil(time: number, fire: (timer: InternalTimer) => void): void {
    for (;;) {
      const timestamp = this.peekTimestamp();
      if (timestamp === undefined || timestamp > time) return;
      const bucket = this.buckets.get(timestamp)!;
      // Entries added during the walk are visited by the live iterator; deleted ones are skipped.
      for (const entry of bucket.values()) {
        const k = entry.normalized;
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

export class InternalTimerService {
  private readonly backend: KeyedStateBackend;
  private readonly processingTimeService: ProcessingTimeService;
  private readonly triggerable: Triggerable;
  private readonly eventTimers = new TimerQueue();
  private readonly processingTimers = new TimerQueue();
  private nextProcessingTimer: { timestamp: number; handle: ScheduledTimer } | null = null;
  currentWatermark = Number.MIN_SAFE_INTEGER;

  constructor(backend: KeyedStateBackend, processingTimeService: ProcessingTimeService, triggerable: Triggerable) {
    this.backend = backend;
    this.processingTimeService = processingTimeService;
    this.triggerable = triggerable;
  }

  currentProcessingTime(): number {
    return this.processingTimeService.getCurrentProcessingTime();
  }

  /** Registers an event-time timer of the current key in `namespace` (VOID_NAMESPACE by default). */
  registerEventTimeTimer(timestamp: number, namespace: unknown = VOID_NAMESPACE): void {
    this.backend.requireKey('Registering an event-time timer');
    this.eventTimers.add(this.backend.getCurrentKey(), namespace, timestamp);
  }

  deleteEventTimeTimer(timestamp: number, namespace: unknown = VOID_NAMESPACE): void {
    this.backend.requireKey('Deleting an event-time timer');
    this.eventTimers.delete(this.backend.getCurrentKey(), namespace, timestamp);
  }

  registerProcessingTimeTimer(timestamp: number, namespace: unknown = VOID_NAMESPACE): void {
    this.backend.requireKey('Registering a processing-time timer');
    if (this.processingTimers.add(this.backend.getCurrentKey(), namespace, timestamp)) this.scheduleProcessingTimer();
  }

  deleteProcessingTimeTimer(timestamp: number, namespace: unknown = VOID_NAMESPACE): void {
    this.backend.requireKey('Deleting a processing-time timer');
    this.processingTimers.delete(this.backend.getCurrentKey(), namespace, timestamp);
  }

  numEventTimeTimers(): number {
    return this.eventTimers.size;
  }

  numProcessingTimeTimers(): number {
    return this.processingTimers.size;
  }

  advanceWatermark(timestamp: number): void {
    this.currentWatermark = timestamp;
    this.eventTimers.fireUntil(timestamp, this.fireEventTime);
  }

  private readonly fireEventTime = (timer: InternalTimer): void => {
    this.backend.setCurrentKey(timer.key);
    this.triggerable.onEventTime(timer);
  };

  private readonly fireProcessingTime = (timer: InternalTimer): void => {
    this.backend.setCurrentKey(timer.key);
    this.triggerable.onProcessingTime(timer);
  };

  private scheduleProcessingTimer(): void {
    const next = this.processingTimers.peekTimestamp();
    if (next === undefined) return;
    if (this.nextProcessingTimer !== null) {
      if (this.nextProcessingTimer.timestamp <= next) return;
      this.nextProcessingTimer.handle.cancel();
    }
    const handle = this.processingTimeService.registerTimer(next, (ts) => this.onProcessingTime(ts));
    this.nextProcessingTimer = { timestamp: next, handle };
  }

  private onProcessingTime(time: number): void {
    this.nextProcessingTimer = null;
    this.processingTimers.fireUntil(time, this.fireProcessingTime);
    this.scheduleProcessingTimer();
  }

  shutdown(): void {
    this.nextProcessingTimer?.handle.cancel();
    this.nextProcessingTimer = null;
  }
}
