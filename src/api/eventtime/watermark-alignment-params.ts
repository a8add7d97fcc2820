/*
 * WatermarkAlignmentParams: the watermark alignment of a source, as Flink's. Sources in the same
 * group report their watermarks to their coordinators every update interval; the group's minimum
 * plus the maximum drift is the highest watermark a reader (or split) may have before it stops
 * reading until the others catch up.
 */
import { toMillis, type DurationLike } from '../common/duration.ts';

export class WatermarkAlignmentParams {
  static readonly DEFAULT_UPDATE_INTERVAL_MS = 1000;
  static readonly WATERMARK_ALIGNMENT_DISABLED = new WatermarkAlignmentParams(Number.MAX_SAFE_INTEGER, '', 0);

  private readonly maxAllowedWatermarkDrift: number;
  private readonly watermarkGroup: string;
  private readonly updateInterval: number;

  constructor(maxAllowedWatermarkDrift: number, watermarkGroup: string, updateInterval: number) {
    this.maxAllowedWatermarkDrift = maxAllowedWatermarkDrift;
    this.watermarkGroup = watermarkGroup;
    this.updateInterval = updateInterval;
  }

  /** Validates the arguments of WatermarkStrategy.withWatermarkAlignment. */
  static of(watermarkGroup: string, maxAllowedWatermarkDrift: DurationLike, updateInterval: DurationLike = WatermarkAlignmentParams.DEFAULT_UPDATE_INTERVAL_MS): WatermarkAlignmentParams {
    if (typeof watermarkGroup !== 'string' || watermarkGroup.length === 0) throw new TypeError('The watermark group must be a non-empty string');
    const drift = toMillis(maxAllowedWatermarkDrift, 'maxAllowedWatermarkDrift');
    if (drift < 0) throw new RangeError(`maxAllowedWatermarkDrift cannot be negative, got ${drift} ms`);
    const interval = toMillis(updateInterval, 'updateInterval');
    if (!(interval > 0)) throw new RangeError(`The watermark alignment update interval must be greater than zero, got ${interval} ms`);
    return new WatermarkAlignmentParams(drift, watermarkGroup, interval);
  }

  isEnabled(): boolean {
    return this.watermarkGroup !== '';
  }

  getWatermarkGroup(): string {
    return this.watermarkGroup;
  }

  getMaxAllowedWatermarkDrift(): number {
    return this.maxAllowedWatermarkDrift;
  }

  getUpdateInterval(): number {
    return this.updateInterval;
  }
}
