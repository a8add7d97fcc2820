/*
 * The context a non-keyed (Co)ProcessFunction sees. One instance per operator, updated per record
 * rather than allocated. Without keys there are no timers: the timer service only tells the time,
 * and registering or deleting a timer fails as in Flink's ProcessOperator.
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';
import type { OutputTag } from '../../api/common/output-tag.ts';
import { NO_TIMESTAMP } from '../../api/common/watermark.ts';
import type { OnTimerContext, ProcessFunctionContext, TimerService, TimeDomain } from '../../api/functions/process-function.ts';
import type { Output } from './output.ts';
import type { ProcessingTimeService } from '../tasks/processing-time-service.ts';

const UNSUPPORTED_REGISTER_TIMER_MSG = 'Setting timers is only supported on a keyed streams.';
const UNSUPPORTED_DELETE_TIMER_MSG = 'Deleting timers is only supported on a keyed streams.';

export class NonKeyedTimerService implements TimerService {
  private readonly processingTimeService: ProcessingTimeService;
  watermark = Number.MIN_SAFE_INTEGER;

  constructor(processingTimeService: ProcessingTimeService) {
    this.processingTimeService = processingTimeService;
  }

  currentProcessingTime(): number {
    return this.processingTimeService.getCurrentProcessingTime();
  }

  currentWatermark(): number {
    return this.watermark;
  }

  registerEventTimeTimer(_time: number): void {
    throw new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, UNSUPPORTED_REGISTER_TIMER_MSG);
  }

  registerProcessingTimeTimer(_time: number): void {
    throw new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, UNSUPPORTED_REGISTER_TIMER_MSG);
  }

  deleteEventTimeTimer(_time: number): void {
    throw new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, UNSUPPORTED_DELETE_TIMER_MSG);
  }

  deleteProcessingTimeTimer(_time: number): void {
    throw new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, UNSUPPORTED_DELETE_TIMER_MSG);
  }
}

/** Implements OnTimerContext only for typing's sake: without timers, timeDomain() is never asked. */
export class ProcessContext implements ProcessFunctionContext, OnTimerContext {
  private readonly out: Output<unknown>;
  private readonly timers: TimerService;
  /** The current record's timestamp; the operator sets it before each call. */
  elementTimestamp = NO_TIMESTAMP;
  domain: TimeDomain = 'EVENT_TIME';

  constructor(output: Output<unknown>, timers: TimerService) {
    this.out = output;
    this.timers = timers;
  }

  timestamp(): number | null {
    return this.elementTimestamp === NO_TIMESTAMP ? null : this.elementTimestamp;
  }

  timerService(): TimerService {
    return this.timers;
  }

  output<X>(outputTag: OutputTag<X>, value: X): void {
    if (outputTag === null || outputTag === undefined) throw new TypeError('OutputTag must not be null.');
    this.out.collectSide(outputTag, value, this.elementTimestamp);
  }

  timeDomain(): TimeDomain {
    return this.domain;
  }
}
