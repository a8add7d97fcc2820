/*
 * TimestampsAndWatermarksOperator: what assignTimestampsAndWatermarks() adds to a stream, as
 * Flink's. It assigns each record's timestamp with the strategy's assigner, feeds the strategy's
 * generator (which may emit on an event) and asks it to emit every pipeline.auto-watermark-interval
 * through the task's processing-time service. Watermarks and idleness from upstream are dropped:
 * from here on event time is this operator's, except that the final watermark (end of input) is
 * passed on.
 */
import { invalidPipeline } from '../../errors.ts';
import { Watermark } from '../../api/common/watermark.ts';
import { SystemClock, type RelativeClock, type WatermarkGenerator, type WatermarkOutput } from '../../api/eventtime/watermark-generator.ts';
import { WatermarkStrategy } from '../../api/eventtime/watermark-strategy.ts';
import type { Configuration } from '../../configuration/configuration.ts';
import { PipelineOptions } from '../../configuration/config-options.ts';
import { WatermarkStatus } from '../io/stream-events.ts';
import type { Output } from './output.ts';
import type { ScheduledTimer } from '../tasks/processing-time-service.ts';
import { AbstractStreamOperator, describeRecord, type OneInputStreamOperator } from './stream-operator.ts';

/** Flink's WatermarkEmitter: forwards rising watermarks and idleness changes to the output. */
export class WatermarkEmitter implements WatermarkOutput {
  private readonly output: Output<unknown>;
  currentWatermark = Number.MIN_SAFE_INTEGER;
  idle = false;

  constructor(output: Output<unknown>) {
    this.output = output;
  }

  emitWatermark(watermark: Watermark): void {
    const ts = watermark.timestamp;
    if (ts <= this.currentWatermark) return;
    this.currentWatermark = ts;
    this.markActive();
    this.output.emitWatermark(watermark);
  }

  markIdle(): void {
    if (this.idle) return;
    this.idle = true;
    this.output.emitWatermarkStatus(WatermarkStatus.IDLE);
  }

  markActive(): void {
    if (!this.idle) return;
    this.idle = false;
    this.output.emitWatermarkStatus(WatermarkStatus.ACTIVE);
  }
}

export class TimestampsAndWatermarksOperator<T> extends AbstractStreamOperator<T> implements OneInputStreamOperator<T, T> {
  private readonly watermarkStrategy: WatermarkStrategy<T>;
  private readonly watermarkIntervalMs: number;
  private readonly inputActivityClock: RelativeClock;
  private assigner: ((event: T, recordTimestamp: number) => number) | null = null;
  private generator!: WatermarkGenerator<T>;
  private emitter!: WatermarkEmitter;
  private periodicTimer: ScheduledTimer | null = null;

  /** `inputActivityClock` measures idleness (wall-clock time; tests pass their own). */
  constructor(watermarkStrategy: WatermarkStrategy<T>, autoWatermarkIntervalMs: number, inputActivityClock: RelativeClock = SystemClock) {
    super();
    this.watermarkStrategy = watermarkStrategy;
    this.watermarkIntervalMs = autoWatermarkIntervalMs;
    this.inputActivityClock = inputActivityClock;
  }

  override open(): void {
    const metricGroup = this.runtimeContext.getMetricGroup();
    try {
      this.assigner = this.watermarkStrategy.createTimestampAssigner();
      this.generator = this.watermarkStrategy.createWatermarkGenerator({ getMetricGroup: () => metricGroup, getInputActivityClock: () => this.inputActivityClock });
    } catch (e) {
      throw this.userError(e, 'creating the timestamp assigner and watermark generator');
    }
    this.emitter = new WatermarkEmitter(this.output);
    if (this.watermarkIntervalMs > 0 && !this.watermarkStrategy.isNoWatermarks()) this.schedulePeriodicEmit();
  }

  private schedulePeriodicEmit(): void {
    const service = this.task.processingTimeService;
    this.periodicTimer = service.registerTimer(service.getCurrentProcessingTime() + this.watermarkIntervalMs, () => {
      this.onPeriodicEmit();
      if (this.periodicTimer !== null) this.schedulePeriodicEmit();
    });
  }

  private onPeriodicEmit(): void {
    try {
      this.generator.onPeriodicEmit(this.emitter);
    } catch (e) {
      throw this.userError(e, 'emitting a periodic watermark');
    }
  }

  processElement(value: T, timestamp: number): void {
    let ts = timestamp;
    try {
      if (this.assigner !== null) ts = this.assigner(value, timestamp);
    } catch (e) {
      throw this.userError(e, 'extracting the timestamp of record ' + describeRecord(value));
    }
    // A record ends the idleness of the output: records are never sent on an output announced idle.
    if (this.emitter.idle) this.emitter.markActive();
    this.output.collect(value, ts);
    try {
      this.generator.onEvent(value, ts, this.emitter);
    } catch (e) {
      throw this.userError(e, 'generating watermarks for record ' + describeRecord(value));
    }
  }

  /** Upstream watermarks are dropped, except the final one, which signals the end of input. */
  override processWatermark(mark: Watermark): void {
    if (mark.timestamp === Watermark.MAX_WATERMARK.timestamp) this.emitter.emitWatermark(Watermark.MAX_WATERMARK);
  }

  /** Upstream idleness is dropped too: this operator decides its output's status. */
  override processWatermarkStatus(_status: WatermarkStatus): void {}

  /** The generator's last word before the input's final watermark (Flink's finish()). */
  override finish(): void {
    this.stopPeriodicEmit();
    this.onPeriodicEmit();
  }

  private stopPeriodicEmit(): void {
    this.periodicTimer?.cancel();
    this.periodicTimer = null;
  }

  override close(): void {
    this.stopPeriodicEmit();
  }
}

/**
 * The operator factory of DataStream.assignTimestampsAndWatermarks: checks the strategy now and
 * reads pipeline.auto-watermark-interval when the job is deployed.
 */
export function timestampsAndWatermarksOperatorFactory<T>(watermarkStrategy: WatermarkStrategy<T>, configuration: Configuration): () => TimestampsAndWatermarksOperator<T> {
  if (!(watermarkStrategy instanceof WatermarkStrategy)) {
    throw invalidPipeline('assignTimestampsAndWatermarks() needs a WatermarkStrategy, e.g. WatermarkStrategy.forBoundedOutOfOrderness(Duration.ofSeconds(5))');
  }
  return () => new TimestampsAndWatermarksOperator<T>(watermarkStrategy, configuration.get(PipelineOptions.AUTO_WATERMARK_INTERVAL));
}
