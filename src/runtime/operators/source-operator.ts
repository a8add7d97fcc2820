/*
 * SourceOperator: the head of a chain that reads a split-based Source. It creates the reader in
 * open(), receives splits from the enumerator through its task's mailbox, and emits on each poll:
 * records (with timestamps from the watermark strategy's assigner) and watermarks from the
 * strategy's generators, one per split and one for the reader, on events and periodically. With
 * watermark alignment it reports its watermark to the coordinator and stops polling while it is
 * ahead of its group. Its reader's splits (their current positions) are its operator state:
 * written at each checkpoint, and handed back to a new reader before it starts on restore.
 */
import { FlinkError } from '../../errors.ts';
import { SystemClock } from '../../api/eventtime/watermark-generator.ts';
import type { WatermarkAlignmentParams } from '../../api/eventtime/watermark-alignment-params.ts';
import type { WatermarkStrategy } from '../../api/eventtime/watermark-strategy.ts';
import { ListStateDescriptor } from '../../api/state/state-descriptor.ts';
import type { ListState } from '../../api/state/state.ts';
import { InputStatus, type ReaderOutput, type Source, type SourceReader, type SourceSplit } from '../../connector/source/source.ts';
import type { ScheduledTimer } from '../tasks/processing-time-service.ts';
import { SourceWatermarkAlignment } from '../source/watermark-alignment.ts';
import { SourceTimestampsAndWatermarks, type SourceWatermarkListener } from '../watermark/source-timestamps-and-watermarks.ts';
import { operatorStateBackendOf } from '../state/operator/function-state.ts';
import { AbstractStreamOperator } from './stream-operator.ts';

/** A split as the operator state keeps it: serialized by the source's split serializer. */
interface SerializedSplit {
  readonly version: number;
  readonly bytes: Uint8Array;
}

/** Flink's SourceOperator keeps the reader's splits in operator list state of this name. */
export const SPLITS_STATE_NAME = 'SourceReaderState';

/** How the operator talks to its enumerator (through the source coordinator). */
export interface SourceCoordinatorLink {
  requestSplit(subtask: number): void;
  sendEventToCoordinator(subtask: number, event: unknown): void;
  readerOpened(subtask: number): void;
  /** Watermark alignment: the reader's current watermark. */
  reportWatermark(subtask: number, watermark: number, params: WatermarkAlignmentParams): void;
}

const NO_ALIGNMENT: SourceWatermarkListener = {
  updateCurrentEffectiveWatermark() {},
  updateIdle() {},
  updateCurrentSplitWatermark() {},
  updateCurrentSplitIdle() {},
  splitFinished() {},
};

export class SourceOperator<T, Split extends SourceSplit> extends AbstractStreamOperator<T> {
  readonly source: Source<T, Split, unknown>;
  private readonly watermarkStrategy: WatermarkStrategy<T>;
  private readonly autoWatermarkIntervalMs: number;
  private link: SourceCoordinatorLink | null = null;
  private reader: SourceReader<T, Split> | null = null;
  private eventTime: SourceTimestampsAndWatermarks<T> | null = null;
  private alignment: SourceWatermarkAlignment | null = null;
  private alignmentReportTimer: ScheduledTimer | null = null;
  private readerOutput!: ReaderOutput<T>;
  private splitsState: ListState<SerializedSplit> | null = null;

  constructor(source: Source<T, Split, unknown>, watermarkStrategy: WatermarkStrategy<T>, autoWatermarkIntervalMs: number) {
    super();
    this.source = source;
    this.watermarkStrategy = watermarkStrategy;
    this.autoWatermarkIntervalMs = autoWatermarkIntervalMs;
  }

  /** Records the reader emitted (the source vertex's records in). */
  get numRecordsOut(): number {
    return this.eventTime?.numRecordsOut ?? 0;
  }

  attach(link: SourceCoordinatorLink): void {
    this.link = link;
  }

  override async open(): Promise<void> {
    const subtask = this.subtaskIndex;
    const link = this.link!;
    const output = this.output;
    const metricGroup = this.runtimeContext.getMetricGroup();
    const eventTime = new SourceTimestampsAndWatermarks<T>(this.watermarkStrategy, this.task.processingTimeService, this.autoWatermarkIntervalMs, metricGroup, SystemClock);
    this.eventTime = eventTime;
    const params = this.watermarkStrategy.getAlignmentParameters();
    if (params.isEnabled()) {
      this.alignment = new SourceWatermarkAlignment({
        params,
        reportWatermark: (watermark) => link.reportWatermark(subtask, watermark, params),
        pauseOrResumeSplits: (toPause, toResume) => this.pauseOrResumeSplits(toPause, toResume),
        inputActivityClock: eventTime.mainInputActivityClock,
      });
    }
    this.readerOutput = eventTime.createMainOutput(output, this.alignment ?? NO_ALIGNMENT);
    const operatorName = this.operatorName;
    const parallelism = this.runtimeContext.getNumberOfParallelSubtasks();
    try {
      this.reader = this.source.createReader({
        getIndexOfSubtask: () => subtask,
        currentParallelism: () => parallelism,
        sendSplitRequest: () => link.requestSplit(subtask),
        sendSourceEventToCoordinator: (event) => link.sendEventToCoordinator(subtask, event),
        metricGroup: () => metricGroup,
      });
      const restored = this.restoredSplits();
      if (restored.length > 0) this.addSplits(restored);
      await this.reader.start();
    } catch (e) {
      throw this.userError(e, `starting the reader of source '${operatorName}'`);
    }
    link.readerOpened(subtask);
    eventTime.startPeriodicWatermarkEmits();
    if (this.alignment !== null) this.scheduleAlignmentReport(this.alignment);
  }

  /** The splits of a restored checkpoint, read before the reader starts (as Flink's SourceOperator). */
  private restoredSplits(): Split[] {
    this.splitsState = operatorStateBackendOf(this, this.runtimeContext).getListState(new ListStateDescriptor<SerializedSplit>(SPLITS_STATE_NAME));
    const serializer = this.source.getSplitSerializer();
    return [...(this.splitsState.get() ?? [])].map((s) => serializer.deserialize(s.version, s.bytes));
  }

  /** The synchronous part of a checkpoint: the reader's splits and positions, serialized now. */
  snapshotState(checkpointId: number): void {
    let splits: Split[];
    try {
      splits = this.reader!.snapshotState(checkpointId);
    } catch (e) {
      throw this.userError(e, `snapshotting the reader for checkpoint ${checkpointId}`);
    }
    const serializer = this.source.getSplitSerializer();
    const version = serializer.getVersion();
    this.splitsState!.update(splits.map((split) => ({ version, bytes: serializer.serialize(split) })));
  }

  notifyCheckpointComplete(checkpointId: number): void | Promise<void> {
    return this.reader?.notifyCheckpointComplete?.(checkpointId);
  }

  private scheduleAlignmentReport(alignment: SourceWatermarkAlignment): void {
    const service = this.task.processingTimeService;
    this.alignmentReportTimer = service.registerTimer(service.getCurrentProcessingTime() + alignment.updateIntervalMs, () => {
      alignment.emitLatestWatermark();
      if (this.alignmentReportTimer !== null) this.scheduleAlignmentReport(alignment);
    });
  }

  private pauseOrResumeSplits(toPause: string[], toResume: string[]): void {
    this.eventTime!.pauseOrResumeSplits(toPause, toResume);
    // A reader that cannot pause single splits is only held back as a whole.
    if (this.reader?.pauseOrResumeSplits === undefined) return;
    try {
      this.reader.pauseOrResumeSplits(toPause, toResume);
    } catch (e) {
      throw this.userError(e, 'pausing or resuming splits for watermark alignment');
    }
  }

  emitNext(): InputStatus {
    // Ahead of its alignment group: the reader is not polled until the group catches up.
    if (this.alignment?.isWaitingForAlignment() === true) return InputStatus.NOTHING_AVAILABLE;
    try {
      return this.reader!.pollNext(this.readerOutput);
    } catch (e) {
      // Errors of operators chained after the source already say where they happened.
      if (FlinkError.isFlinkError(e)) throw e;
      throw this.userError(e, 'reading from the source');
    }
  }

  isAvailable(): Promise<void> {
    if (this.alignment?.isWaitingForAlignment() === true) return this.alignment.whenAligned();
    return this.reader!.isAvailable();
  }

  addSplits(splits: Split[]): void {
    // As Flink's SourceOperator: every assigned split has its own output and watermark generator.
    for (const split of splits) this.readerOutput.createOutputForSplit(split.splitId());
    this.alignment?.splitsAdded(splits.length);
    this.reader!.addSplits(splits);
  }

  notifyNoMoreSplits(): void {
    this.reader!.notifyNoMoreSplits();
  }

  handleSourceEvent(event: unknown): void {
    this.reader!.handleSourceEvents?.(event);
  }

  /** The coordinator's announcement: the highest watermark this source's group allows now. */
  handleWatermarkAlignmentEvent(maxWatermark: number): void {
    const alignment = this.alignment;
    if (alignment === null) return;
    const wasWaiting = alignment.isWaitingForAlignment();
    alignment.handleAlignmentEvent(maxWatermark);
    if (wasWaiting && !alignment.isWaitingForAlignment()) this.task.wakeup();
  }

  /** End of input: the final watermark (Flink's MAX_WATERMARK); the group is no longer held back. */
  emitFinalWatermark(): void {
    this.stopTimers();
    this.eventTime!.emitFinalWatermark();
    this.alignment?.endOfInput();
  }

  private stopTimers(): void {
    this.eventTime?.stopPeriodicWatermarkEmits();
    this.alignmentReportTimer?.cancel();
    this.alignmentReportTimer = null;
  }

  override async close(): Promise<void> {
    this.stopTimers();
    try {
      await this.reader?.close();
    } catch (e) {
      throw this.userError(e, 'closing the source reader');
    }
  }
}
