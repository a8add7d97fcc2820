/*
 * WatermarkStrategy: how a source or stream derives event timestamps and watermarks, as Flink's:
 * a timestamp assigner plus a watermark generator that reacts to events (punctuated) and is asked
 * periodically (every pipeline.auto-watermark-interval) to emit; optionally with idleness
 * detection and with watermark alignment across sources. Strategies are immutable: every `with…`
 * returns a new strategy that keeps the other settings.
 */
import { toMillis, type DurationLike } from '../common/duration.ts';
import { WatermarkAlignmentParams } from './watermark-alignment-params.ts';
import {
  AscendingTimestampsWatermarks,
  BoundedOutOfOrdernessWatermarks,
  NoWatermarksGenerator,
  SystemClock,
  type WatermarkGenerator,
  type WatermarkGeneratorSupplierContext,
} from './watermark-generator.ts';
import { checkIdleTimeout, WatermarksWithIdleness } from './watermarks-with-idleness.ts';

export {
  AscendingTimestampsWatermarks,
  BoundedOutOfOrdernessWatermarks,
  NoWatermarksGenerator,
  SystemClock,
  type RelativeClock,
  type WatermarkGenerator,
  type WatermarkGeneratorSupplierContext,
  type WatermarkOutput,
} from './watermark-generator.ts';

/** Extracts an event's timestamp; `recordTimestamp` is the timestamp the record already has (or -Infinity). */
export type TimestampAssigner<T> = ((event: T, recordTimestamp: number) => number) | { extractTimestamp(event: T, recordTimestamp: number): number };

/** Validated when the strategy is built, so a bad bound fails where the pipeline is defined. */
function checkBound(bound: DurationLike): void {
  if (toMillis(bound, 'maxOutOfOrderness') < 0) throw new RangeError('maxOutOfOrderness cannot be negative');
}

type GeneratorFactory<T> = (context: WatermarkGeneratorSupplierContext) => WatermarkGenerator<T>;

interface StrategySettings<T> {
  readonly generatorFactory: GeneratorFactory<T>;
  readonly timestampAssigner: TimestampAssigner<T> | null;
  readonly alignment: WatermarkAlignmentParams;
  /** The generator never emits (noWatermarks without idleness): no periodic emission is needed. */
  readonly emitsNothing: boolean;
}

export class WatermarkStrategy<T> {
  private readonly settings: StrategySettings<T>;

  private constructor(settings: StrategySettings<T>) {
    this.settings = settings;
  }

  private with(changes: Partial<StrategySettings<T>>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>({ ...this.settings, ...changes });
  }

  private static of<T>(generatorFactory: GeneratorFactory<T>, emitsNothing = false): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>({ generatorFactory, timestampAssigner: null, alignment: WatermarkAlignmentParams.WATERMARK_ALIGNMENT_DISABLED, emitsNothing });
  }

  /** No watermarks at all: for processing-time pipelines, or records that carry timestamps only. */
  static noWatermarks<T>(): WatermarkStrategy<T> {
    return WatermarkStrategy.of<T>(() => new NoWatermarksGenerator<T>(), true);
  }

  /** Timestamps never decrease: the watermark is the maximum timestamp minus one. */
  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return WatermarkStrategy.of<T>(() => new AscendingTimestampsWatermarks<T>());
  }

  /**
   * Events arrive at most `maxOutOfOrderness` behind the newest one. Also accepts the object form
   * `{ timestampAssigner, maxOutOfOrderness }`.
   */
  static forBoundedOutOfOrderness<T>(bound: DurationLike | { timestampAssigner: TimestampAssigner<T>; maxOutOfOrderness: DurationLike }): WatermarkStrategy<T> {
    if (typeof bound === 'object' && bound !== null && 'maxOutOfOrderness' in bound) {
      const max = bound.maxOutOfOrderness;
      checkBound(max);
      return WatermarkStrategy.of<T>(() => new BoundedOutOfOrdernessWatermarks<T>(max)).withTimestampAssigner(bound.timestampAssigner);
    }
    checkBound(bound);
    return WatermarkStrategy.of<T>(() => new BoundedOutOfOrdernessWatermarks<T>(bound));
  }

  /** A custom generator, created per source split or per parallel instance. */
  static forGenerator<T>(factory: (context: WatermarkGeneratorSupplierContext) => WatermarkGenerator<T>): WatermarkStrategy<T> {
    if (typeof factory !== 'function') throw new TypeError('forGenerator() needs a function that creates a WatermarkGenerator');
    return WatermarkStrategy.of<T>(factory);
  }

  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    const valid = typeof assigner === 'function' || (typeof assigner === 'object' && assigner !== null && typeof assigner.extractTimestamp === 'function');
    if (!valid) throw new TypeError('A timestamp assigner must be a function (event, recordTimestamp) => number or an object with extractTimestamp()');
    return this.with({ timestampAssigner: assigner });
  }

  /**
   * Marks the input idle when no events arrive for `idleTimeout` (Flink's WatermarksWithIdleness):
   * idle inputs do not hold back the watermark downstream; the next event ends the idleness.
   */
  withIdleness(idleTimeout: DurationLike): WatermarkStrategy<T> {
    const timeout = checkIdleTimeout(idleTimeout);
    const base = this.settings.generatorFactory;
    return this.with({
      generatorFactory: (context) => new WatermarksWithIdleness<T>(base(context), timeout, context.getInputActivityClock?.() ?? SystemClock),
      emitsNothing: false,
    });
  }

  /**
   * Aligns the watermarks of all sources (and their splits) in `watermarkGroup`: a reader whose
   * watermark is more than `maxAllowedWatermarkDrift` ahead of the group's minimum stops reading
   * until the others catch up. Readers report their watermarks, and the group's minimum is
   * announced, every `updateInterval` (default 1 s). Applies to fromSource only.
   */
  withWatermarkAlignment(watermarkGroup: string, maxAllowedWatermarkDrift: DurationLike, updateInterval?: DurationLike): WatermarkStrategy<T> {
    return this.with({ alignment: WatermarkAlignmentParams.of(watermarkGroup, maxAllowedWatermarkDrift, updateInterval) });
  }

  getAlignmentParameters(): WatermarkAlignmentParams {
    return this.settings.alignment;
  }

  get timestampAssigner(): TimestampAssigner<T> | null {
    return this.settings.timestampAssigner;
  }

  createWatermarkGenerator(context: WatermarkGeneratorSupplierContext = {}): WatermarkGenerator<T> {
    return this.settings.generatorFactory(context);
  }

  /** The assigner as a function; null keeps the record's own timestamp. */
  createTimestampAssigner(): ((event: T, recordTimestamp: number) => number) | null {
    const a = this.settings.timestampAssigner;
    if (a === null) return null;
    return typeof a === 'function' ? a : (event, ts) => a.extractTimestamp(event, ts);
  }

  /** True for noWatermarks() (without idleness): nothing needs to be emitted periodically. */
  isNoWatermarks(): boolean {
    return this.settings.emitsNothing;
  }
}
