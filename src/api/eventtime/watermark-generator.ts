/*
 * Watermark generators, as Flink's: a generator sees every event (and may emit right away, a
 * punctuated generator) and is asked every pipeline.auto-watermark-interval to emit (a periodic
 * generator). Outputs, clocks and the built-in generators: bounded out-of-orderness, ascending
 * timestamps and none.
 */
import { Watermark } from '../common/watermark.ts';
import { toMillis, type DurationLike } from '../common/duration.ts';

/** Where a generator sends watermarks, and how it says that its input is idle or active again. */
export interface WatermarkOutput {
  emitWatermark(watermark: Watermark): void;
  /** No events are expected for now: the input is left out of downstream watermark minima. */
  markIdle(): void;
  markActive(): void;
}

export interface WatermarkGenerator<T> {
  /** Called for every event, after its timestamp was assigned; a punctuated generator emits here. */
  onEvent(event: T, eventTimestamp: number, output: WatermarkOutput): void;
  /** Called every pipeline.auto-watermark-interval; a periodic generator emits here. */
  onPeriodicEmit(output: WatermarkOutput): void;
}

/** Flink's RelativeClock: a monotonic clock in milliseconds, with no relation to wall-clock time. */
export interface RelativeClock {
  relativeTimeMillis(): number;
}

export const SystemClock: RelativeClock = Object.freeze({ relativeTimeMillis: () => performance.now() });

/** What a generator factory receives (Flink's WatermarkGeneratorSupplier.Context). */
export interface WatermarkGeneratorSupplierContext {
  getMetricGroup?(): unknown;
  /**
   * The clock that measures input activity for idleness. Sources hide the time in which they were
   * kept from reading (watermark alignment) from it, so that waiting is not mistaken for idleness.
   */
  getInputActivityClock?(): RelativeClock;
}

/**
 * Flink's BoundedOutOfOrdernessWatermarks: periodically emits the maximum timestamp seen minus the
 * bound minus one; records with timestamps up to the bound behind the newest one are not late.
 */
export class BoundedOutOfOrdernessWatermarks<T> implements WatermarkGenerator<T> {
  private maxTimestamp: number;
  private readonly outOfOrdernessMillis: number;

  constructor(maxOutOfOrderness: DurationLike) {
    this.outOfOrdernessMillis = toMillis(maxOutOfOrderness, 'maxOutOfOrderness');
    if (this.outOfOrdernessMillis < 0) throw new RangeError('maxOutOfOrderness cannot be negative');
    // Starts so that the first periodic watermark is the lowest possible one, without underflow.
    this.maxTimestamp = Number.MIN_SAFE_INTEGER + this.outOfOrdernessMillis + 1;
  }

  onEvent(_event: T, eventTimestamp: number, _output: WatermarkOutput): void {
    if (eventTimestamp > this.maxTimestamp) this.maxTimestamp = eventTimestamp;
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    output.emitWatermark(new Watermark(this.maxTimestamp - this.outOfOrdernessMillis - 1));
  }
}

/** Flink's AscendingTimestampsWatermarks: timestamps never decrease, so the watermark trails by 1 ms. */
export class AscendingTimestampsWatermarks<T> extends BoundedOutOfOrdernessWatermarks<T> {
  constructor() {
    super(0);
  }
}

export class NoWatermarksGenerator<T> implements WatermarkGenerator<T> {
  onEvent(_event: T, _eventTimestamp: number, _output: WatermarkOutput): void {}
  onPeriodicEmit(_output: WatermarkOutput): void {}
}
