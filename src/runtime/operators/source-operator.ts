/*
 * SourceOperator: the head of a chain that reads a split-based Source. It creates the reader in
 * open(), receives splits from the enumerator through its task's mailbox, and emits on each poll:
 * records (with timestamps from the watermark strategy's assigner) and watermarks from the
 * strategy's generator, on every event and periodically.
 */
import { FlinkError } from '../../errors.ts';
import { NO_TIMESTAMP, Watermark } from '../../api/common/watermark.ts';
import type { WatermarkGenerator, WatermarkOutput, WatermarkStrategy } from '../../api/eventtime/watermark-strategy.ts';
import { InputStatus, type ReaderOutput, type Source, type SourceReader, type SourceSplit } from '../../connector/source/source.ts';
import { WatermarkStatus } from '../io/stream-events.ts';
import type { ScheduledTimer } from '../tasks/processing-time-service.ts';
import { AbstractStreamOperator } from './stream-operator.ts';

/** How the operator talks to its enumerator (through the source coordinator). */
export interface SourceCoordinatorLink {
  requestSplit(subtask: number): void;
  sendEventToCoordinator(subtask: number, event: unknown): void;
  readerOpened(subtask: number): void;
}

export class SourceOperator<T, Split extends SourceSplit> extends AbstractStreamOperator<T> {
  readonly source: Source<T, Split, unknown>;
  private readonly watermarkStrategy: WatermarkStrategy<T>;
  private readonly autoWatermarkIntervalMs: number;
  private link: SourceCoordinatorLink | null = null;
  private reader: SourceReader<T, Split> | null = null;
  private generator: WatermarkGenerator<T> | null = null;
  private periodicTimer: ScheduledTimer | null = null;
  private readerOutput!: ReaderOutput<T>;
  private watermarkOutput!: WatermarkOutput;
  private lastWatermark = Number.MIN_SAFE_INTEGER;
  /** Records the reader emitted (the source vertex's records in). */
  numRecordsOut = 0;
  private idle = false;

  constructor(source: Source<T, Split, unknown>, watermarkStrategy: WatermarkStrategy<T>, autoWatermarkIntervalMs: number) {
    super();
    this.source = source;
    this.watermarkStrategy = watermarkStrategy;
    this.autoWatermarkIntervalMs = autoWatermarkIntervalMs;
  }

  attach(link: SourceCoordinatorLink): void {
    this.link = link;
  }

  override async open(): Promise<void> {
    const subtask = this.subtaskIndex;
    const link = this.link!;
    const output = this.output;
    const assigner = this.watermarkStrategy.createTimestampAssigner();
    const generator = this.watermarkStrategy.isNoWatermarks() ? null : this.watermarkStrategy.createWatermarkGenerator();
    this.generator = generator;
    this.watermarkOutput = {
      emitWatermark: (mark) => this.emitWatermarkIfNewer(mark.timestamp),
      markIdle: () => this.setIdle(true),
      markActive: () => this.setIdle(false),
    };
    const wmOutput = this.watermarkOutput;
    // Without event time the per-record path is a single call into the chain.
    const collect =
      assigner === null && generator === null
        ? (record: T, timestamp?: number) => {
            this.numRecordsOut++;
            if (this.idle) this.setIdle(false);
            output.collect(record, timestamp === undefined ? NO_TIMESTAMP : timestamp);
          }
        : (record: T, timestamp?: number) => {
            this.numRecordsOut++;
            let ts = timestamp === undefined ? NO_TIMESTAMP : timestamp;
            if (assigner !== null) ts = assigner(record, ts);
            if (this.idle) this.setIdle(false);
            if (generator !== null) generator.onEvent(record, ts, wmOutput);
            output.collect(record, ts);
          };
    this.readerOutput = {
      collect,
      emitWatermark: (timestamp) => this.emitWatermarkIfNewer(timestamp),
      markIdle: () => this.setIdle(true),
      markActive: () => this.setIdle(false),
    };
    const operatorName = this.operatorName;
    const metricGroup = this.runtimeContext.getMetricGroup();
    const parallelism = this.runtimeContext.getNumberOfParallelSubtasks();
    try {
      this.reader = this.source.createReader({
        getIndexOfSubtask: () => subtask,
        currentParallelism: () => parallelism,
        sendSplitRequest: () => link.requestSplit(subtask),
        sendSourceEventToCoordinator: (event) => link.sendEventToCoordinator(subtask, event),
        metricGroup: () => metricGroup,
      });
      await this.reader.start();
    } catch (e) {
      throw this.userError(e, `starting the reader of source '${operatorName}'`);
    }
    link.readerOpened(subtask);
    if (generator !== null && this.autoWatermarkIntervalMs > 0) this.schedulePeriodicEmit();
  }

  private schedulePeriodicEmit(): void {
    const service = this.task.processingTimeService;
    this.periodicTimer = service.registerTimer(service.getCurrentProcessingTime() + this.autoWatermarkIntervalMs, () => {
      this.generator!.onPeriodicEmit(this.watermarkOutput);
      this.schedulePeriodicEmit();
    });
  }

  private emitWatermarkIfNewer(timestamp: number): void {
    if (timestamp <= this.lastWatermark) return;
    this.lastWatermark = timestamp;
    if (this.idle) this.setIdle(false);
    this.output.emitWatermark(new Watermark(timestamp));
  }

  private setIdle(idle: boolean): void {
    if (this.idle === idle) return;
    this.idle = idle;
    this.output.emitWatermarkStatus(idle ? WatermarkStatus.IDLE : WatermarkStatus.ACTIVE);
  }

  emitNext(): InputStatus {
    try {
      return this.reader!.pollNext(this.readerOutput);
    } catch (e) {
      // Errors of operators chained after the source already say where they happened.
      if (FlinkError.isFlinkError(e)) throw e;
      throw this.userError(e, 'reading from the source');
    }
  }

  isAvailable(): Promise<void> {
    return this.reader!.isAvailable();
  }

  addSplits(splits: Split[]): void {
    this.reader!.addSplits(splits);
  }

  notifyNoMoreSplits(): void {
    this.reader!.notifyNoMoreSplits();
  }

  handleSourceEvent(event: unknown): void {
    this.reader!.handleSourceEvents?.(event);
  }

  /** End of input: a last periodic emit, then the final watermark (Flink's MAX_WATERMARK). */
  emitFinalWatermark(): void {
    this.periodicTimer?.cancel();
    this.periodicTimer = null;
    if (this.generator !== null) this.generator.onPeriodicEmit(this.watermarkOutput);
    this.setIdle(false);
    this.output.emitWatermark(Watermark.MAX_WATERMARK);
  }

  override async close(): Promise<void> {
    this.periodicTimer?.cancel();
    try {
      await this.reader?.close();
    } catch (e) {
      throw this.userError(e, 'closing the source reader');
    }
  }
}
