/*
 * A Sink V2 in one subtask (Flink's SinkWriterOperator, with the CommitterOperator folded in):
 * creates the subtask's SinkWriter in open() — restoreWriter() with the restored writer states of
 * a stateful sink — writes each record in order (an asynchronous write is awaited before the next
 * one, see SerialInvoker), and at end of input waits for all writes and flushes with endOfInput =
 * true. close() closes the writer in every case.
 *
 * Before each checkpoint's barrier (prepareSnapshotPreBarrier) pending writes complete; a
 * committing sink's writer is flushed and hands over its committables, which the SinkCommitter
 * keeps in the checkpoint and commits when it completes; a stateful writer's state is
 * snapshotted. At end of input the writer hands over its last committables (Flink's EOI ones):
 * with checkpointing they are committed when the final checkpoint the task waits for completes,
 * as Flink's CommitterOperator does; without, there is no checkpoint to wait for and they are
 * committed at once (also Flink's CommitterOperator.endInput).
 */
import { NO_TIMESTAMP } from '../../api/common/watermark.ts';
import type { JobInfo, TaskInfo } from '../../api/common/runtime-context.ts';
import type { CommittingSinkWriter, Sink, SinkWriter, SinkWriterContext, StatefulSinkWriter, WriterInitContext } from '../../api/functions/sink-function.ts';
import { SerialInvoker } from './serial-invoker.ts';
import { SinkCommitter, type PendingCommittable } from './sink-committer.ts';
import { ListStateDescriptor } from '../../api/state/state-descriptor.ts';
import type { ListState } from '../../api/state/state.ts';
import { operatorStateBackendOf } from '../state/operator/function-state.ts';
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
  private committer: SinkCommitter | null = null;
  private writerState: ListState<unknown> | null = null;
  /** Restore gives this operator its operator state (see task-state-restorer.ts). */
  readonly usesOperatorState: boolean;
  /** finish() ran: the writer was flushed for good. */
  private endOfInput = false;
  /** The first checkpoint snapshotted after finish(): it holds the end-of-input committables too. */
  private finalCheckpointId: number | null = null;

  constructor(sink: Sink<IN>) {
    super();
    if (typeof sink !== 'object' || sink === null || typeof sink.createWriter !== 'function') {
      throw new TypeError('Sink must be an object with a createWriter() method');
    }
    this.sink = sink;
    this.usesOperatorState = typeof sink.createCommitter === 'function' || typeof sink.restoreWriter === 'function';
  }

  override async open(): Promise<void> {
    let writer: SinkWriter<IN>;
    const initContext = new InitContext(this.runtimeContext, this.task.processingTimeService);
    let restoredStates: unknown[] = [];
    if (this.usesOperatorState) {
      const backend = operatorStateBackendOf(this, this.runtimeContext);
      // Flink's state names for the writer's and the committer's state.
      this.writerState = backend.getListState(new ListStateDescriptor<unknown>('writer_raw_states'));
      restoredStates = [...(this.writerState.get() ?? [])];
      const committables = backend.getListState(new ListStateDescriptor<PendingCommittable>('streaming_committer_raw_states'));
      if (typeof this.sink.createCommitter === 'function') {
        try {
          this.committer = new SinkCommitter(await this.sink.createCommitter(initContext), committables, `the committables of ${this.operatorName}`);
        } catch (e) {
          throw this.userError(e, 'creating the committer');
        }
      }
    }
    try {
      writer = restoredStates.length > 0 && typeof this.sink.restoreWriter === 'function' ? await this.sink.restoreWriter(initContext, restoredStates) : await this.sink.createWriter(initContext);
    } catch (e) {
      throw this.userError(e, 'creating the sink writer');
    }
    // The restored checkpoint completed: what it was to commit is committed now (again, maybe).
    if (this.committer?.hasPending === true) await this.commit(Number.POSITIVE_INFINITY, 'committing the committables of the restored checkpoint');
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

  /** Before the barrier passes: writes complete; committables and writer state join the checkpoint. */
  prepareSnapshotPreBarrier(checkpointId: number): Promise<void> | undefined {
    if (this.endOfInput) this.finalCheckpointId ??= checkpointId;
    if (this.invoker === null || this.writer === null || (!this.usesOperatorState && !this.invoker.isBusy)) return undefined;
    return this.prepareSnapshot(checkpointId);
  }

  private async prepareSnapshot(checkpointId: number): Promise<void> {
    await this.invoker!.whenIdle();
    const writer = this.writer!;
    try {
      // After end of input the writer holds nothing more; its last committables are already in.
      if (this.committer !== null && !this.endOfInput) {
        await writer.flush(false);
        this.committer.add(checkpointId, await this.prepareCommit(writer));
      }
      const stateful = writer as Partial<StatefulSinkWriter<IN, unknown>>;
      if (this.writerState !== null && typeof stateful.snapshotState === 'function') this.writerState.update(await stateful.snapshotState(checkpointId));
    } catch (e) {
      throw this.userError(e, `preparing checkpoint ${checkpointId}`);
    }
  }

  private async prepareCommit(writer: SinkWriter<IN>): Promise<unknown[]> {
    const committing = writer as Partial<CommittingSinkWriter<IN, unknown>>;
    if (typeof committing.prepareCommit !== 'function') throw new TypeError('the writer of a sink with createCommitter() must have a prepareCommit() method');
    return [...(await committing.prepareCommit())];
  }

  notifyCheckpointComplete(checkpointId: number): Promise<void> | undefined {
    if (this.committer === null) return undefined;
    // The final checkpoint (or a later one) also commits the end-of-input committables; an earlier
    // one completing after end of input commits only its own.
    const final = this.finalCheckpointId !== null && checkpointId >= this.finalCheckpointId;
    return this.commit(final ? Number.POSITIVE_INFINITY : checkpointId, `committing checkpoint ${checkpointId}`);
  }

  private async commit(upTo: number, what: string): Promise<void> {
    try {
      await this.committer!.commitUpTo(upTo);
    } catch (e) {
      throw this.userError(e, what);
    }
  }

  override async finish(): Promise<void> {
    if (this.invoker === null || this.writer === null) return;
    await this.invoker.whenIdle();
    try {
      await this.writer.flush(true);
    } catch (e) {
      throw this.userError(e, 'flushing at end of input');
    }
    this.endOfInput = true;
    if (this.committer === null) return;
    try {
      // Flink's end-of-input committables (checkpoint id EOI): kept in the operator state of the final checkpoint.
      this.committer.add(Number.MAX_SAFE_INTEGER, await this.prepareCommit(this.writer));
    } catch (e) {
      throw this.userError(e, 'preparing the final commit');
    }
    if (!this.runtimeContext.isCheckpointingEnabled()) await this.commit(Number.POSITIVE_INFINITY, 'committing at end of input');
  }

  override async close(): Promise<void> {
    this.invoker?.close();
    const writer = this.writer;
    const committer = this.committer;
    this.writer = null;
    this.committer = null;
    try {
      await writer?.close();
    } catch (e) {
      throw this.userError(e, 'closing the sink writer');
    } finally {
      await committer?.close();
    }
  }
}
