/*
 * The operator of DataStream.addSink (Flink's StreamSink): calls the SinkFunction per record. An
 * invoke that returns a promise is awaited before the next record of this subtask is invoked
 * (see SerialInvoker); finish() waits for all of them before calling the function's finish(),
 * and a checkpoint waits for them before the function's snapshotState() (so a record whose
 * invoke has not completed is never behind a barrier the sink acknowledged).
 */
import { resolveMethod } from '../../api/common/functions.ts';
import { NO_TIMESTAMP } from '../../api/common/watermark.ts';
import type { SinkContext, SinkFunctionLike } from '../../api/functions/sink-function.ts';
import { AbstractUdfStreamOperator, resolveOptionalMethod } from './abstract-udf-stream-operator.ts';
import { SerialInvoker } from './serial-invoker.ts';
import { describeRecord, type OneInputStreamOperator, type StreamOperatorParameters } from './stream-operator.ts';
import type { ProcessingTimeService } from '../tasks/processing-time-service.ts';

class StreamSinkContext implements SinkContext {
  private readonly processingTimeService: ProcessingTimeService;
  elementTimestamp = NO_TIMESTAMP;
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

  timestamp(): number | null {
    return this.elementTimestamp === NO_TIMESTAMP ? null : this.elementTimestamp;
  }
}

export class StreamSink<IN> extends AbstractUdfStreamOperator<unknown, SinkFunctionLike<IN>> implements OneInputStreamOperator<IN, unknown> {
  /** Records handed to the sink (Flink's numRecordsSend). */
  numRecordsIn = 0;
  private readonly invoke: (value: IN, context: SinkContext) => unknown;
  private readonly finishFn: (() => unknown) | null;
  private context!: StreamSinkContext;
  private invoker!: SerialInvoker<IN>;

  constructor(sinkFunction: SinkFunctionLike<IN>) {
    super(sinkFunction);
    this.invoke = resolveMethod(sinkFunction, 'invoke', 'SinkFunction');
    this.finishFn = resolveOptionalMethod(sinkFunction, 'finish');
  }

  override setup(parameters: StreamOperatorParameters<unknown>): void {
    super.setup(parameters);
    const context = new StreamSinkContext(parameters.task.processingTimeService);
    const invoke = this.invoke;
    this.context = context;
    this.invoker = new SerialInvoker<IN>(
      (value, timestamp) => {
        context.elementTimestamp = timestamp;
        return invoke(value, context);
      },
      (cause, value) => this.userError(cause, 'processing record ' + describeRecord(value)),
      parameters.task,
    );
    parameters.task.addInputBlocker(this.invoker.isAvailable);
  }

  collect(value: any, timestamp: number): void {
    this.processElement(value, timestamp);
  }

  processElement(value: IN, timestamp: number): void {
    this.numRecordsIn++;
    if (this.invoker.isBusy) {
      this.invoker.submit(value, timestamp);
      return;
    }
    const context = this.context;
    context.elementTimestamp = timestamp;
    let result: any;
    try {
      result = this.invoke(value, context);
    } catch (e) {
      throw this.userError(e, 'processing record ' + describeRecord(value));
    }
    if (result !== undefined && result !== null && typeof result.then === 'function') this.invoker.track(result, value);
  }

  protected override advanceWatermark(timestamp: number): void {
    this.context.watermark = timestamp;
  }

  /** Records waiting behind a pending asynchronous invoke. */
  get queuedInvocations(): number {
    return this.invoker.queued;
  }

  /** Before the barrier passes: pending asynchronous invocations complete (the task takes no input meanwhile). */
  prepareSnapshotPreBarrier(): Promise<void> | undefined {
    return this.invoker.isBusy ? this.invoker.whenIdle() : undefined;
  }

  override async finish(): Promise<void> {
    await this.invoker.whenIdle();
    if (this.finishFn === null) return;
    try {
      await this.finishFn();
    } catch (e) {
      throw this.userError(e, 'finishing');
    }
  }

  override async close(): Promise<void> {
    this.invoker?.close();
    await super.close();
  }
}
