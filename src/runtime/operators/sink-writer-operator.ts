/*
 * The writer side of a Sink V2 (Flink's SinkWriterOperator, without committer): creates the
 * subtask's SinkWriter in open(), writes each record in order (an asynchronous write is awaited
 * before the next one, see SerialInvoker), and at end of input waits for all writes and flushes
 * with endOfInput = true. close() closes the writer in every case.
 */
import { NO_TIMESTAMP } from '../../api/common/watermark.ts';
import type { JobInfo, TaskInfo } from '../../api/common/runtime-context.ts';
import type { Sink, SinkWriter, SinkWriterContext, WriterInitContext } from '../../api/functions/sink-function.ts';
import { SerialInvoker } from './serial-invoker.ts';
import { AbstractStreamOperator, describeRecord, type OneInputStreamOperator } from './stream-operator.ts';
import type { StreamingRuntimeContext } from './streaming-runtime-context.ts';
import type { MetricGroup } from '../metrics/metric-group.ts';
import type { ProcessingTimeService } from '../tasks/processing-time-service.ts';

class WriterContext implements SinkWriterContext {
  elementTimestamp = NO_TIMESTAMP;
  watermark = Number.MIN_SAFE_INTEGER;

  currentWatermark(): number {
    return this.watermark;
  }

  timestamp(): number | null {
    return this.elementTimestamp === NO_TIMESTAMP ? null : this.elementTimestamp;
  }
}

class InitContext implements WriterInitContext {
  private readonly runtimeContext: StreamingRuntimeContext;
  private readonly processingTimeService: ProcessingTimeService;

  constructor(runtimeContext: StreamingRuntimeContext, processingTimeService: ProcessingTimeService) {
    this.runtimeContext = runtimeContext;
    this.processingTimeService = processingTimeService;
  }

  getSubtaskId(): number {
    return this.runtimeContext.getIndexOfThisSubtask();
  }
  getNumberOfParallelSubtasks(): number {
    return this.runtimeContext.getNumberOfParallelSubtasks();
  }
  getAttemptNumber(): number {
    return this.runtimeContext.getAttemptNumber();
  }
  metricGroup(): MetricGroup {
    return this.runtimeContext.getMetricGroup();
  }
  getTaskInfo(): TaskInfo {
    return this.runtimeContext.getTaskInfo();
  }
  getJobInfo(): JobInfo {
    return this.runtimeContext.getJobInfo();
  }
  getProcessingTimeService(): ProcessingTimeService {
    return this.processingTimeService;
  }
}

export class SinkWriterOperator<IN> extends AbstractStreamOperator<unknown> implements OneInputStreamOperator<IN, unknown> {
  /** Records handed to the sink (Flink's numRecordsSend). */
  numRecordsIn = 0;
  readonly sink: Sink<IN>;
  private writer: SinkWriter<IN> | null = null;
  private readonly context = new WriterContext();
  private invoker: SerialInvoker<IN> | null = null;

  constructor(sink: Sink<IN>) {
    super();
    if (typeof sink !== 'object' || sink === null || typeof sink.createWriter !== 'function') {
      throw new TypeError('Sink must be an object with a createWriter() method');
    }
    this.sink = sink;
  }

  override async open(): Promise<void> {
    let writer: SinkWriter<IN>;
    try {
      writer = await this.sink.createWriter(new InitContext(this.runtimeContext, this.task.processingTimeService));
    } catch (e) {
      throw this.userError(e, 'creating the sink writer');
    }
    if (typeof writer !== 'object' || writer === null || typeof writer.write !== 'function') {
      throw this.userError(new TypeError('createWriter() must return an object with write(), flush() and close() methods'), 'creating the sink writer');
    }
    this.writer = writer;
    const write = writer.write.bind(writer);
    const context = this.context;
    this.invoker = new SerialInvoker<IN>(
      (value, timestamp) => {
        context.elementTimestamp = timestamp;
        return write(value, context);
      },
      (cause, value) => this.userError(cause, 'writing record ' + describeRecord(value)),
      this.task,
    );
    this.task.addInputBlocker(this.invoker.isAvailable);
  }

  processElement(value: IN, timestamp: number): void {
    this.numRecordsIn++;
    this.invoker!.submit(value, timestamp);
  }

  protected override advanceWatermark(timestamp: number): void {
    this.context.watermark = timestamp;
  }

  /** Records waiting behind a pending asynchronous write. */
  get queuedWrites(): number {
    return this.invoker === null ? 0 : this.invoker.queued;
  }

  override async finish(): Promise<void> {
    if (this.invoker === null || this.writer === null) return;
    await this.invoker.whenIdle();
    try {
      await this.writer.flush(true);
    } catch (e) {
      throw this.userError(e, 'flushing at end of input');
    }
  }

  override async close(): Promise<void> {
    this.invoker?.close();
    const writer = this.writer;
    this.writer = null;
    if (writer === null) return;
    try {
      await writer.close();
    } catch (e) {
      throw this.userError(e, 'closing the sink writer');
    }
  }
}
