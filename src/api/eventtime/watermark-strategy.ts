/*
 * WatermarkStrategy: how a source or stream derives event timestamps and watermarks, as Flink's:
 * a timestamp assigner plus a watermark generator that reacts to events (punctuated) and is asked
 * periodically (every pipeline.auto-watermark-interval) to emit.
 */
import { Watermark } from '../common/watermark.ts';
import { toMillis, type DurationLike } from '../common/duration.ts';

export interface WatermarkOutput {
  emitWatermark(watermark: Watermark): void;
  markIdle(): void;
  markActive(): void;
}

export interface WatermarkGenerator<T> {
  onEvent(event: T, eventTimestamp: number, output: WatermarkOutput): void;
  onPeriodicEmit(output: WatermarkOutput): void;
}

export type TimestampAssigner<T> = ((event: T, recordTimestamp: number) => number) | { extractTimestamp(event: T, recordTimestamp: number): number };

export interface WatermarkGeneratorSupplierContext {
  getMetricGroup?(): unknown;
}

/** Flink's BoundedOutOfOrdernessWatermarks: watermark = max timestamp seen - bound - 1. */
export class BoundedOutOfOrdernessWatermarks<T> implements WatermarkGenerator<T> {
  private maxTimestamp: number;
  private readonly outOfOrdernessMillis: number;

  constructor(maxOutOfOrderness: DurationLike) {
    this.outOfOrdernessMillis = toMillis(maxOutOfOrderness, 'maxOutOfOrderness');
    if (this.outOfOrdernessMillis < 0) throw new RangeError('maxOutOfOrderness cannot be negative');
    this.maxTimestamp = Number.MIN_SAFE_INTEGER + this.outOfOrdernessMillis + 1;
  }

  onEvent(_event: T, eventTimestamp: number): void {
    if (eventTimestamp > this.maxTimestamp) this.maxTimestamp = eventTimestamp;
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    output.emitWatermark(new Watermark(this.maxTimestamp - this.outOfOrdernessMillis - 1));
  }
}

export class NoWatermarksGenerator<T> implements WatermarkGenerator<T> {
  onEvent(): void {}
  onPeriodicEmit(): void {}
}

export class WatermarkStrategy<T> {
  private readonly generatorFactory: (context: WatermarkGeneratorSupplierContext) => WatermarkGenerator<T>;
  readonly timestampAssigner: TimestampAssigner<T> | null;

  private constructor(generatorFactory: (context: WatermarkGeneratorSupplierContext) => WatermarkGenerator<T>, timestampAssigner: TimestampAssigner<T> | null) {
    this.generatorFactory = generatorFactory;
    this.timestampAssigner = timestampAssigner;
  }

  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new NoWatermarksGenerator<T>(), null);
  }

  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessWatermarks<T>(0), null);
  }

  /** Also accepts the object form `{ timestampAssigner, maxOutOfOrderness }`. */
  static forBoundedOutOfOrderness<T>(bound: DurationLike | { timestampAssigner: TimestampAssigner<T>; maxOutOfOrderness: DurationLike }): WatermarkStrategy<T> {
    if (typeof bound === 'object' && bound !== null && 'maxOutOfOrderness' in bound) {
      const max = bound.maxOutOfOrderness;
      return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessWatermarks<T>(max), bound.timestampAssigner);
    }
    toMillis(bound, 'maxOutOfOrderness');
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessWatermarks<T>(bound), null);
  }

  static forGenerator<T>(factory: (context: WatermarkGeneratorSupplierContext) => WatermarkGenerator<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(factory, null);
  }

  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(this.generatorFactory, assigner);
  }

  createWatermarkGenerator(context: WatermarkGeneratorSupplierContext = {}): WatermarkGenerator<T> {
    return this.generatorFactory(context);
  }

  /** The assigner as a function; null keeps the record's own timestamp. */
  createTimestampAssigner(): ((event: T, recordTimestamp: number) => number) | null {
    const a = this.timestampAssigner;
    if (a === null) return null;
    return typeof a === 'function' ? a : (event, ts) => a.extractTimestamp(event, ts);
  }

  /** True for noWatermarks(): the source need not run a periodic emitter. */
  isNoWatermarks(): boolean {
    return this.generatorFactory({}) instanceof NoWatermarksGenerator;
  }
}
