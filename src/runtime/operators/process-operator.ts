/*
 * The operator of a non-keyed DataStream.process (Flink's ProcessOperator): calls the
 * ProcessFunction with a context giving the record's timestamp, the clocks and side outputs.
 * Timers need keys, so the context's timer service refuses them.
 */
import { resolveMethod, type Collector } from '../../api/common/functions.ts';
import { NO_TIMESTAMP } from '../../api/common/watermark.ts';
import type { ProcessFunctionContext, ProcessFunctionLike } from '../../api/functions/process-function.ts';
import { AbstractUdfStreamOperator } from './abstract-udf-stream-operator.ts';
import { TimestampedCollector } from './output.ts';
import { NonKeyedTimerService, ProcessContext } from './process-context.ts';
import { describeRecord, type OneInputStreamOperator, type StreamOperatorParameters } from './stream-operator.ts';

export class ProcessOperator<I, O> extends AbstractUdfStreamOperator<O, ProcessFunctionLike<I, O>> implements OneInputStreamOperator<I, O> {
  private readonly processFn: (value: I, ctx: ProcessFunctionContext, out: Collector<O>) => void;
  private collector!: TimestampedCollector<O>;
  private context!: ProcessContext;
  private timers!: NonKeyedTimerService;

  constructor(fn: ProcessFunctionLike<I, O>) {
    super(fn);
    this.processFn = resolveMethod(fn, 'processElement', 'ProcessFunction');
  }

  override setup(parameters: StreamOperatorParameters<O>): void {
    super.setup(parameters);
    this.collector = new TimestampedCollector(this.output, NO_TIMESTAMP);
    this.timers = new NonKeyedTimerService(parameters.task.processingTimeService);
    this.context = new ProcessContext(this.output, this.timers);
  }

  processElement(value: I, timestamp: number): void {
    this.context.elementTimestamp = timestamp;
    this.collector.timestamp = timestamp;
    try {
      this.processFn(value, this.context, this.collector);
    } catch (e) {
      throw this.userError(e, 'processing record ' + describeRecord(value));
    }
  }

  protected override advanceWatermark(timestamp: number): void {
    this.timers.watermark = timestamp;
  }
}
