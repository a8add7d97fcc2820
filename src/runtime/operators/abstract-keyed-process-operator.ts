/*
 * What the keyed process operators (one and two inputs) share, as Flink's KeyedProcessOperator:
 * the keyed context, lazily created per-key timers, and firing them. Event-time timers fire as the
 * watermark advances, before it is forwarded, their output stamped with the timer's timestamp;
 * processing-time timers fire from the mailbox and their output carries no timestamp.
 */
import { illegalState } from '../../errors.ts';
import type { Collector } from '../../api/common/functions.ts';
import { NO_TIMESTAMP } from '../../api/common/watermark.ts';
import { TimeDomain } from '../../api/functions/process-function.ts';
import type { KeyedOnTimerContext } from '../../api/functions/keyed-process-function.ts';
import { AbstractUdfStreamOperator, resolveOptionalMethod } from './abstract-udf-stream-operator.ts';
import type { InternalTimer, Triggerable } from './internal-timer-service.ts';
import { KeyedProcessContext, KeyedTimerService } from './keyed-process-context.ts';
import { TimestampedCollector } from './output.ts';
import { describeRecord, type StreamOperatorParameters } from './stream-operator.ts';
import type { KeyedStateBackend } from '../state/keyed-state-backend.ts';

type OnTimer<O> = (timestamp: number, ctx: KeyedOnTimerContext<any>, out: Collector<O>) => void;

export abstract class AbstractKeyedProcessOperator<O, F> extends AbstractUdfStreamOperator<O, F> implements Triggerable {
  private readonly onTimerFn: OnTimer<O> | null;
  protected backend!: KeyedStateBackend;
  protected collector!: TimestampedCollector<O>;
  /** The context of record calls; timers get their own, so a record's context is never disturbed. */
  protected context!: KeyedProcessContext;
  private timerContext!: KeyedProcessContext;
  private timerService: KeyedTimerService | null = null;

  constructor(userFunction: F) {
    super(userFunction);
    this.onTimerFn = resolveOptionalMethod<OnTimer<O>>(userFunction, 'onTimer');
  }

  override setup(parameters: StreamOperatorParameters<O>): void {
    super.setup(parameters);
    const backend = parameters.keyedStateBackend;
    if (backend === null) {
      throw illegalState(`Operator '${parameters.operatorName}' runs a keyed process function but has no keyed state backend: its input must be keyed`);
    }
    this.backend = backend;
    this.collector = new TimestampedCollector(this.output, NO_TIMESTAMP);
    const timers = new KeyedTimerService(backend, parameters.task.processingTimeService, this);
    this.timerService = timers;
    this.context = new KeyedProcessContext(this.output, timers, backend);
    this.timerContext = new KeyedProcessContext(this.output, timers, backend);
  }

  override async open(): Promise<void> {
    await super.open();
    this.timerService!.startRestoredTimers();
  }

  /**
   * A record of one input: sets its key (an invalid key or a throwing selector names the record),
   * stamps the context and collector with its timestamp, and calls the function.
   */
  protected processKeyedElement<V>(
    value: V,
    timestamp: number,
    keySelector: (value: V) => unknown,
    process: (value: V, ctx: any, out: TimestampedCollector<O>) => void,
    input = '',
  ): void {
    try {
      this.backend.setCurrentKey(keySelector(value));
    } catch (e) {
      throw this.keyError(e, value);
    }
    this.context.currentTimestamp = timestamp;
    this.collector.timestamp = timestamp;
    try {
      process(value, this.context, this.collector);
    } catch (e) {
      throw this.userError(e, 'processing record ' + describeRecord(value) + input);
    }
  }

  protected override advanceWatermark(timestamp: number): void {
    this.timerService!.advanceWatermark(timestamp);
  }

  onEventTime(timer: InternalTimer): void {
    this.collector.timestamp = timer.timestamp;
    this.fireTimer(timer, TimeDomain.EVENT_TIME);
  }

  onProcessingTime(timer: InternalTimer): void {
    this.collector.timestamp = NO_TIMESTAMP;
    this.fireTimer(timer, TimeDomain.PROCESSING_TIME);
  }

  private fireTimer(timer: InternalTimer, domain: TimeDomain): void {
    const onTimer = this.onTimerFn;
    if (onTimer === null) return;
    const ctx = this.timerContext;
    ctx.currentTimestamp = timer.timestamp;
    ctx.domain = domain;
    try {
      onTimer(timer.timestamp, ctx, this.collector);
    } catch (e) {
      const kind = domain === TimeDomain.EVENT_TIME ? 'event-time' : 'processing-time';
      throw this.userError(e, `firing ${kind} timer @ ${timer.timestamp} of key ${describeRecord(timer.key)}`);
    }
  }

  numEventTimeTimers(): number {
    return this.timerService === null ? 0 : this.timerService.numEventTimeTimers();
  }

  numProcessingTimeTimers(): number {
    return this.timerService === null ? 0 : this.timerService.numProcessingTimeTimers();
  }

  override async close(): Promise<void> {
    try {
      this.timerService?.shutdown();
    } finally {
      await super.close();
    }
  }
}
