/*
 * Per-key event-time and processing-time timers of a keyed operator, as Flink's
 * InternalTimerServiceImpl: a timer is (key, namespace, timestamp), registered at most once, fired
 * in timestamp order with its key set as the current key and its namespace handed to the
 * Triggerable. Process functions use VOID_NAMESPACE; window operators use the window. Event-time
 * timers fire as the watermark passes them; processing-time timers fire from the task's mailbox.
 * The timers themselves are state: two queues of the keyed state backend (getTimerQueue), which
 * snapshots and restores them with the operator's other keyed state.
 */
import { VOID_NAMESPACE, type KeyedStateBackend } from '../state/keyed-state-backend.ts';
import { timerQueueName, type InternalTimer, type InternalTimerQueue } from '../state/timers/timer-queue.ts';
import type { ProcessingTimeService, ScheduledTimer } from '../tasks/processing-time-service.ts';
import { NamespaceSerializer } from '../serialization/namespace-serializer.ts';
import type { TypeSerializer } from '../serialization/type-serializer.ts';

export type { InternalTimer } from '../state/timers/timer-queue.ts';

export interface Triggerable {
  onEventTime(timer: InternalTimer): void;
  onProcessingTime(timer: InternalTimer): void;
}

export class InternalTimerService {
  private readonly backend: KeyedStateBackend;
  private readonly processingTimeService: ProcessingTimeService;
  private readonly triggerable: Triggerable;
  private readonly eventTimers: InternalTimerQueue;
  private readonly processingTimers: InternalTimerQueue;
  private nextProcessingTimer: { timestamp: number; handle: ScheduledTimer } | null = null;
  currentWatermark = Number.MIN_SAFE_INTEGER;

  /**
   * `name` names the service's two timer queues in the backend (Flink: 'user-timers' of process
   * functions, 'window-timers' of window operators); timers restored into them are live at once,
   * and the earliest restored processing-time timer is scheduled here.
   */
  constructor(
    backend: KeyedStateBackend,
    processingTimeService: ProcessingTimeService,
    triggerable: Triggerable,
    name = 'user-timers',
    namespaceSerializer: TypeSerializer<unknown> = NamespaceSerializer.DEFAULT,
  ) {
    this.backend = backend;
    this.processingTimeService = processingTimeService;
    this.triggerable = triggerable;
    this.eventTimers = backend.getTimerQueue(timerQueueName(name, 'event'), namespaceSerializer);
    this.processingTimers = backend.getTimerQueue(timerQueueName(name, 'processing'), namespaceSerializer);
    this.scheduleProcessingTimer();
  }

  currentProcessingTime(): number {
    return this.processingTimeService.getCurrentProcessingTime();
  }

  /** Registers an event-time timer of the current key in `namespace` (VOID_NAMESPACE by default). */
  registerEventTimeTimer(timestamp: number, namespace: unknown = VOID_NAMESPACE): void {
    this.backend.requireKey('Registering an event-time timer');
    this.eventTimers.add(namespace, timestamp);
  }

  deleteEventTimeTimer(timestamp: number, namespace: unknown = VOID_NAMESPACE): void {
    this.backend.requireKey('Deleting an event-time timer');
    this.eventTimers.delete(namespace, timestamp);
  }

  registerProcessingTimeTimer(timestamp: number, namespace: unknown = VOID_NAMESPACE): void {
    this.backend.requireKey('Registering a processing-time timer');
    if (this.processingTimers.add(namespace, timestamp)) this.scheduleProcessingTimer();
  }

  deleteProcessingTimeTimer(timestamp: number, namespace: unknown = VOID_NAMESPACE): void {
    this.backend.requireKey('Deleting a processing-time timer');
    this.processingTimers.delete(namespace, timestamp);
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
