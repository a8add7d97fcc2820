/*
 * The operator of a non-keyed ConnectedStreams.process (Flink's CoProcessOperator): like
 * ProcessOperator, over two inputs; the watermark its context reports is the inputs' minimum.
 */
import type { Collector } from '../../api/common/functions.ts';
import { NO_TIMESTAMP } from '../../api/common/watermark.ts';
import type { CoProcessFunctionLike } from '../../api/functions/co-process-function.ts';
import type { ProcessFunctionContext } from '../../api/functions/process-function.ts';
import { AbstractUdfStreamOperator, resolveObjectMethod } from './abstract-udf-stream-operator.ts';
import { TimestampedCollector } from './output.ts';
import { NonKeyedTimerService, ProcessContext } from './process-context.ts';
import { describeRecord, type StreamOperatorParameters, type TwoInputStreamOperator } from './stream-operator.ts';

type ProcessFn<I, O> = (value: I, ctx: ProcessFunctionContext, out: Collector<O>) => void;

export class CoProcessOperator<I1, I2, O>
  extends AbstractUdfStreamOperator<O, CoProcessFunctionLike<I1, I2, O>>
  implements TwoInputStreamOperator<I1, I2, O>
{
  private readonly process1: ProcessFn<I1, O>;
  private readonly process2: ProcessFn<I2, O>;
  private collector!: TimestampedCollector<O>;
  private context!: ProcessContext;
  private timers!: NonKeyedTimerService;

  constructor(fn: CoProcessFunctionLike<I1, I2, O>) {
    super(fn);
    const methods = 'processElement1() and processElement2()';
    this.process1 = resolveObjectMethod(fn, 'processElement1', 'CoProcessFunction', methods);
    this.process2 = resolveObjectMethod(fn, 'processElement2', 'CoProcessFunction', methods);
  }

  override setup(parameters: StreamOperatorParameters<O>): void {
    super.setup(parameters);
    this.collector = new TimestampedCollector(this.output, NO_TIMESTAMP);
    this.timers = new NonKeyedTimerService(parameters.task.processingTimeService);
    this.context = new ProcessContext(this.output, this.timers);
  }

  processElement1(value: I1, timestamp: number): void {
    this.context.elementTimestamp = timestamp;
    this.collector.timestamp = timestamp;
    try {
      this.process1(value, this.context, this.collector);
    } catch (e) {
      throw this.userError(e, 'processing record ' + describeRecord(value) + ' of input 1');
    }
  }

  processElement2(value: I2, timestamp: number): void {
    this.context.elementTimestamp = timestamp;
    this.collector.timestamp = timestamp;
    try {
      this.process2(value, this.context, this.collector);
    } catch (e) {
      throw this.userError(e, 'processing record ' + describeRecord(value) + ' of input 2');
    }
  }

  protected override advanceWatermark(timestamp: number): void {
    this.timers.watermark = timestamp;
  }
}
