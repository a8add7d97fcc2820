/*
 * Contexts and timers of keyed process functions. The InternalTimerService is created on the
 * first timer call, so that operators whose functions never set timers pay nothing for them, or
 * at once when the backend was restored with timers, which must then fire; the watermark is
 * tracked here so that currentWatermark() is right either way.
 */
import type { OutputTag } from '../../api/common/output-tag.ts';
import { NO_TIMESTAMP } from '../../api/common/watermark.ts';
import type { TimerService, TimeDomain } from '../../api/functions/process-function.ts';
import type { KeyedOnTimerContext } from '../../api/functions/keyed-process-function.ts';
import { InternalTimerService, type Triggerable } from './internal-timer-service.ts';
import type { Output } from './output.ts';
import type { KeyedStateBackend } from '../state/keyed-state-backend.ts';
import type { ProcessingTimeService } from '../tasks/processing-time-service.ts';
import { timerQueueName } from '../state/timers/timer-queue.ts';

/** Flink's name of the timer service of process functions. */
const USER_TIMERS = 'user-timers';

export class KeyedTimerService implements TimerService {
  private readonly backend: KeyedStateBackend;
  private readonly processingTimeService: ProcessingTimeService;
  private readonly triggerable: Triggerable;
  private internal: InternalTimerService | null = null;
  private watermark = Number.MIN_SAFE_INTEGER;

  constructor(backend: KeyedStateBackend, processingTimeService: ProcessingTimeService, triggerable: Triggerable) {
    this.backend = backend;
    this.processingTimeService = processingTimeService;
    this.triggerable = triggerable;
  }

  /** Called by the operator's open(), after its keyed state was restored: restored timers go live. */
  startRestoredTimers(): void {
    const b = this.backend;
    if (b.hasTimerQueue(timerQueueName(USER_TIMERS, 'event')) || b.hasTimerQueue(timerQueueName(USER_TIMERS, 'processing'))) this.timers();
  }

  private timers(): InternalTimerService {
    let internal = this.internal;
    if (internal === null) {
      internal = new InternalTimerService(this.backend, this.processingTimeService, this.triggerable, USER_TIMERS);
      internal.currentWatermark = this.watermark;
      this.internal = internal;
    }
    return internal;
  }

  currentProcessingTime(): number {
    return this.processingTimeService.getCurrentProcessingTime();
  }

  currentWatermark(): number {
    return this.watermark;
  }

  registerEventTimeTimer(time: number): void {
    this.timers().registerEventTimeTimer(time);
  }

  registerProcessingTimeTimer(time: number): void {
    this.timers().registerProcessingTimeTimer(time);
  }

  deleteEventTimeTimer(time: number): void {
    this.timers().deleteEventTimeTimer(time);
  }

  deleteProcessingTimeTimer(time: number): void {
    this.timers().deleteProcessingTimeTimer(time);
  }

  /** Fires the event-time timers up to `timestamp` (each with its key set), then remembers it. */
  advanceWatermark(timestamp: number): void {
    this.watermark = timestamp;
    if (this.internal !== null) this.internal.advanceWatermark(timestamp);
  }

  numEventTimeTimers(): number {
    return this.internal === null ? 0 : this.internal.numEventTimeTimers();
  }

  numProcessingTimeTimers(): number {
    return this.internal === null ? 0 : this.internal.numProcessingTimeTimers();
  }

  shutdown(): void {
    this.internal?.shutdown();
  }
}

/**
 * What a keyed process function sees, for records and for timers alike (an operator keeps one of
 * each): the timestamp of the record or timer, the current key, timers and side outputs.
 */
export class KeyedProcessContext implements KeyedOnTimerContext<unknown> {
  private readonly out: Output<unknown>;
  private readonly timers: TimerService;
  private readonly backend: KeyedStateBackend;
  /** Of the current record, or of the firing timer; the operator sets it before each call. */
  currentTimestamp = NO_TIMESTAMP;
  domain: TimeDomain = 'EVENT_TIME';

  constructor(output: Output<unknown>, timers: TimerService, backend: KeyedStateBackend) {
    this.out = output;
    this.timers = timers;
    this.backend = backend;
  }

  timestamp(): number | null {
    return this.currentTimestamp === NO_TIMESTAMP ? null : this.currentTimestamp;
  }

  timerService(): TimerService {
    return this.timers;
  }

  output<X>(outputTag: OutputTag<X>, value: X): void {
    if (outputTag === null || outputTag === undefined) throw new TypeError('OutputTag must not be null.');
    this.out.collectSide(outputTag, value, this.currentTimestamp);
  }

  getCurrentKey(): unknown {
    return this.backend.getCurrentKey();
  }

  timeDomain(): TimeDomain {
    return this.domain;
  }
}
