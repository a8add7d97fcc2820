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
  readonly id: string;
}

export interface Triggerable {
  onEventTime(timer: InternalTimer): void;
  onProcessingTime(timer: InternalTimer): void;
}

class TimerQueue {
  readonly heap = new BinaryHeap<InternalTimer>((t) => t.timestamp);
  readonly registered = new Set<string>();

  add(key: unknown, namespace: unknown, timestamp: number): boolean {
    const id = timerId(key, namespace, timestamp);
    if (this.registered.has(id)) return false;
    this.registered.add(id);
    this.heap.push({ timestamp, key, namespace, id });
    return true;
  }

  delete(key: unknown, namespace: unknown, timestamp: number): void {
    this.registered.delete(timerId(key, namespace, timestamp));
  }

  /** Earliest live timer; deleted timers are dropped lazily here. */
  peek(): InternalTimer | undefined {
    let top = this.heap.peek();
    while (top !== undefined && !this.registered.has(top.id)) {
      this.heap.pop();
      top = this.heap.peek();
    }
    return top;
  }

  poll(): InternalTimer | undefined {
    const top = this.peek();
    if (top !== undefined) {
      this.heap.pop();
      this.registered.delete(top.id);
    }
    return top;
  }

  get size(): number {
    return this.registered.size;
  }
}

/** Equal for equal (key, namespace, timestamp), as Flink's TimerHeapInternalTimer.equals. */
function timerId(key: unknown, namespace: unknown, timestamp: number): string {
  const k = normalizeKey(key);
  const base = `${typeof k === 'string' ? 's' : 'n'}${String(k)}@${timestamp}`;
  return namespace === VOID_NAMESPACE ? base : `${base}#${namespaceId(namespace)}`;
}

/** Windows are equal when their key() is; other namespaces compare by their string form. */
function namespaceId(namespace: unknown): string {
  if (typeof namespace === 'object' && namespace !== null && typeof (namespace as { key?: unknown }).key === 'function') {
    return 'w' + String((namespace as { key(): unknown }).key());
  }
  return typeof namespace === 'string' ? 's' + namespace : 'v' + String(namespace);
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
    let timer = this.eventTimers.peek();
    while (timer !== undefined && timer.timestamp <= timestamp) {
      this.eventTimers.poll();
      this.backend.setCurrentKey(timer.key);
      this.triggerable.onEventTime(timer);
      timer = this.eventTimers.peek();
    }
  }

  private scheduleProcessingTimer(): void {
    const next = this.processingTimers.peek();
    if (next === undefined) return;
    if (this.nextProcessingTimer !== null) {
      if (this.nextProcessingTimer.timestamp <= next.timestamp) return;
      this.nextProcessingTimer.handle.cancel();
    }
    const handle = this.processingTimeService.registerTimer(next.timestamp, (ts) => this.onProcessingTime(ts));
    this.nextProcessingTimer = { timestamp: next.timestamp, handle };
  }

  private onProcessingTime(time: number): void {
    this.nextProcessingTimer = null;
    let timer = this.processingTimers.peek();
    while (timer !== undefined && timer.timestamp <= time) {
      this.processingTimers.poll();
      this.backend.setCurrentKey(timer.key);
      this.triggerable.onProcessingTime(timer);
      timer = this.processingTimers.peek();
    }
    this.scheduleProcessingTimer();
  }

  shutdown(): void {
    this.nextProcessingTimer?.handle.cancel();
    this.nextProcessingTimer = null;
  }
}
