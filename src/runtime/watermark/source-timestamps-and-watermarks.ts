/*
 * Event time at a split-based source, as Flink's ProgressiveTimestampsAndWatermarks: the reader
 * gets a main output, which has its own watermark generator, and can create an output per split,
 * each with a split-local generator. The split outputs are combined by a multiplexer (minimum over
 * the splits that are not idle); the main output and the combined split output feed one
 * watermark output, which only moves forward and is idle only when both sides are idle.
 * Generators are asked to emit every pipeline.auto-watermark-interval.
 */
import { NO_TIMESTAMP, Watermark } from '../../api/common/watermark.ts';
import type { RelativeClock, WatermarkGenerator, WatermarkOutput } from '../../api/eventtime/watermark-generator.ts';
import type { WatermarkStrategy } from '../../api/eventtime/watermark-strategy.ts';
import type { ReaderOutput, SourceOutput } from '../../connector/source/source.ts';
import { WatermarkStatus } from '../io/stream-events.ts';
import type { Output } from '../operators/output.ts';
import type { ProcessingTimeService, ScheduledTimer } from '../tasks/processing-time-service.ts';
import { PausableRelativeClock } from './pausable-relative-clock.ts';
import { WatermarkOutputMultiplexer } from './watermark-output-multiplexer.ts';

/** What the source operator learns about its watermarks (for watermark alignment). */
export interface SourceWatermarkListener {
  /** The reader's watermark (what went downstream) rose. */
  updateCurrentEffectiveWatermark(watermark: number): void;
  updateIdle(idle: boolean): void;
  updateCurrentSplitWatermark(splitId: string, watermark: number): void;
  updateCurrentSplitIdle(splitId: string, idle: boolean): void;
  splitFinished(splitId: string): void;
}

/** Where records go, and what every record passes on its way: the count and the idleness check. */
interface RecordSink {
  readonly output: Output<unknown>;
  readonly dataOutput: WatermarkToDataOutput;
  numRecordsOut: number;
}

function toWatermark(mark: Watermark | number): Watermark {
  if (mark instanceof Watermark) return mark;
  if (typeof mark !== 'number' || Number.isNaN(mark)) throw new TypeError(`A watermark must be a Watermark or a number of milliseconds, got ${String(mark)}`);
  return mark === Watermark.MAX_WATERMARK.timestamp ? Watermark.MAX_WATERMARK : new Watermark(mark);
}

/** Flink's WatermarkToDataOutput: the last step before the operator's output; never goes back. */
class WatermarkToDataOutput implements WatermarkOutput {
  private readonly output: Output<unknown>;
  private readonly listener: SourceWatermarkListener;
  maxWatermarkSoFar = Number.MIN_SAFE_INTEGER;
  idle = false;

  constructor(output: Output<unknown>, listener: SourceWatermarkListener) {
    this.output = output;
    this.listener = listener;
  }

  emitWatermark(watermark: Watermark): void {
    const ts = watermark.timestamp;
    if (ts <= this.maxWatermarkSoFar) return;
    this.maxWatermarkSoFar = ts;
    this.listener.updateCurrentEffectiveWatermark(ts);
    this.markActive();
    this.output.emitWatermark(watermark);
  }

  markIdle(): void {
    if (this.idle) return;
    this.output.emitWatermarkStatus(WatermarkStatus.IDLE);
    this.listener.updateIdle(true);
    this.idle = true;
  }

  markActive(): void {
    if (!this.idle) return;
    this.output.emitWatermarkStatus(WatermarkStatus.ACTIVE);
    this.listener.updateIdle(false);
    this.idle = false;
  }
}

/**
 * Flink's IdlenessManager: the reader may use only the main output or only split outputs, so the
 * underlying output becomes idle only when both sides are idle (the unused side never emits and
 * counts as idle).
 */
class IdlenessAwareOutput implements WatermarkOutput {
  private readonly underlying: WatermarkToDataOutput;
  private readonly sides: IdlenessAwareOutput[];
  isIdle = true;

  constructor(underlying: WatermarkToDataOutput, sides: IdlenessAwareOutput[]) {
    this.underlying = underlying;
    this.sides = sides;
    sides.push(this);
  }

  emitWatermark(watermark: Watermark): void {
    this.underlying.emitWatermark(watermark);
    this.isIdle = false;
  }

  markIdle(): void {
    this.isIdle = true;
    if (this.sides.every((s) => s.isIdle)) this.underlying.markIdle();
  }

  markActive(): void {
    this.isIdle = false;
    this.underlying.markActive();
  }
}

/**
 * Flink's SourceOutputWithWatermarks: assigns timestamps, emits records, feeds the generator. A
 * record ends the source's idleness: records are never sent on an output announced idle.
 */
class SourceOutputWithWatermarks<T> implements SourceOutput<T> {
  readonly collect: (record: T, timestamp?: number) => void;
  private readonly generator: WatermarkGenerator<T>;
  private readonly onEventOutput: WatermarkOutput;
  private readonly periodicOutput: WatermarkOutput;

  constructor(
    sink: RecordSink,
    assigner: ((event: T, recordTimestamp: number) => number) | null,
    generator: WatermarkGenerator<T> | null,
    onEventOutput: WatermarkOutput,
    periodicOutput: WatermarkOutput,
  ) {
    this.generator = generator ?? { onEvent() {}, onPeriodicEmit() {} };
    this.onEventOutput = onEventOutput;
    this.periodicOutput = periodicOutput;
    const { output, dataOutput } = sink;
    // Without event time the per-record path is a single call into the chain.
    if (assigner === null && generator === null) {
      this.collect = (record, timestamp) => {
        sink.numRecordsOut++;
        if (dataOutput.idle) dataOutput.markActive();
        output.collect(record, timestamp === undefined ? NO_TIMESTAMP : timestamp);
      };
    } else {
      this.collect = (record, timestamp) => {
        const ts = assigner === null ? (timestamp === undefined ? NO_TIMESTAMP : timestamp) : assigner(record, timestamp === undefined ? NO_TIMESTAMP : timestamp);
        sink.numRecordsOut++;
        if (dataOutput.idle) dataOutput.markActive();
        output.collect(record, ts);
        generator?.onEvent(record, ts, onEventOutput);
      };
    }
  }

  emitWatermark(watermark: Watermark | number): void {
    this.onEventOutput.emitWatermark(toWatermark(watermark));
  }

  markIdle(): void {
    this.onEventOutput.markIdle();
  }

  markActive(): void {
    this.onEventOutput.markActive();
  }

  emitPeriodicWatermark(): void {
    this.generator.onPeriodicEmit(this.periodicOutput);
  }
}

export class SourceTimestampsAndWatermarks<T> {
  private readonly strategy: WatermarkStrategy<T>;
  private readonly assigner: ((event: T, recordTimestamp: number) => number) | null;
  private readonly timeService: ProcessingTimeService;
  private readonly periodicIntervalMs: number;
  private readonly metricGroup: unknown;
  /** Paused while the reader waits for watermark alignment. */
  readonly mainInputActivityClock: PausableRelativeClock;
  private readonly emitsWatermarks: boolean;
  private dataOutput!: WatermarkToDataOutput;
  private mainOutput!: SourceOutputWithWatermarks<T>;
  private multiplexer!: WatermarkOutputMultiplexer;
  private sink!: RecordSink;
  private listener!: SourceWatermarkListener;
  private readonly splitOutputs = new Map<string, SourceOutputWithWatermarks<T>>();
  private readonly splitClocks = new Map<string, PausableRelativeClock>();
  private periodicTimer: ScheduledTimer | null = null;

  constructor(strategy: WatermarkStrategy<T>, timeService: ProcessingTimeService, periodicIntervalMs: number, metricGroup: unknown, baseClock: RelativeClock) {
    this.strategy = strategy;
    this.assigner = strategy.createTimestampAssigner();
    this.timeService = timeService;
    this.periodicIntervalMs = periodicIntervalMs;
    this.metricGroup = metricGroup;
    this.mainInputActivityClock = new PausableRelativeClock(baseClock);
    this.emitsWatermarks = !strategy.isNoWatermarks();
  }

  private createGenerator(clock: RelativeClock): WatermarkGenerator<T> | null {
    if (!this.emitsWatermarks) return null;
    return this.strategy.createWatermarkGenerator({ getMetricGroup: () => this.metricGroup, getInputActivityClock: () => clock });
  }

  /** Records emitted by the reader, on any of its outputs. */
  get numRecordsOut(): number {
    return this.sink?.numRecordsOut ?? 0;
  }

  /** The reader's output; created once, before the reader starts. */
  createMainOutput(output: Output<unknown>, listener: SourceWatermarkListener): ReaderOutput<T> {
    if (this.mainOutput !== undefined) throw new Error('The main output was already created');
    const dataOutput = new WatermarkToDataOutput(output, listener);
    this.dataOutput = dataOutput;
    this.listener = listener;
    this.sink = { output, dataOutput, numRecordsOut: 0 };
    const sides: IdlenessAwareOutput[] = [];
    const splitSide = new IdlenessAwareOutput(dataOutput, sides);
    const mainSide = new IdlenessAwareOutput(dataOutput, sides);
    this.multiplexer = new WatermarkOutputMultiplexer(splitSide);
    const main = new SourceOutputWithWatermarks<T>(this.sink, this.assigner, this.createGenerator(this.mainInputActivityClock), mainSide, mainSide);
    this.mainOutput = main;
    return {
      collect: main.collect,
      emitWatermark: (watermark) => main.emitWatermark(watermark),
      markIdle: () => main.markIdle(),
      markActive: () => main.markActive(),
      createOutputForSplit: (splitId) => this.createOutputForSplit(splitId),
      releaseOutputForSplit: (splitId) => this.releaseOutputForSplit(splitId),
    };
  }

  createOutputForSplit(splitId: string): SourceOutput<T> {
    const existing = this.splitOutputs.get(splitId);
    if (existing !== undefined) return existing;
    const listener = this.listener;
    const clock = new PausableRelativeClock(this.mainInputActivityClock);
    this.multiplexer.registerNewOutput(splitId, {
      onWatermarkUpdate: (watermark) => listener.updateCurrentSplitWatermark(splitId, watermark),
      onIdleUpdate: (idle) => listener.updateCurrentSplitIdle(splitId, idle),
    });
    const output = new SourceOutputWithWatermarks<T>(
      this.sink,
      this.assigner,
      this.createGenerator(clock),
      this.multiplexer.getImmediateOutput(splitId),
      this.multiplexer.getDeferredOutput(splitId),
    );
    this.splitOutputs.set(splitId, output);
    this.splitClocks.set(splitId, clock);
    return output;
  }

  /** The split is done: it no longer holds the reader's watermark back. */
  releaseOutputForSplit(splitId: string): void {
    if (!this.splitOutputs.delete(splitId)) return;
    this.listener.splitFinished(splitId);
    this.multiplexer.unregisterOutput(splitId);
    this.splitClocks.delete(splitId);
  }

  /** Splits paused by watermark alignment do not count their waiting time as idleness. */
  pauseOrResumeSplits(splitsToPause: Iterable<string>, splitsToResume: Iterable<string>): void {
    for (const id of splitsToPause) this.splitClocks.get(id)?.pause();
    for (const id of splitsToResume) this.splitClocks.get(id)?.unPause();
  }

  startPeriodicWatermarkEmits(): void {
    if (this.periodicTimer !== null || this.periodicIntervalMs <= 0 || !this.emitsWatermarks) return;
    this.schedulePeriodicEmit();
  }

  private schedulePeriodicEmit(): void {
    this.periodicTimer = this.timeService.registerTimer(this.timeService.getCurrentProcessingTime() + this.periodicIntervalMs, () => {
      this.emitImmediateWatermark();
      if (this.periodicTimer !== null) this.schedulePeriodicEmit();
    });
  }

  stopPeriodicWatermarkEmits(): void {
    this.periodicTimer?.cancel();
    this.periodicTimer = null;
  }

  /** One periodic round: every split's generator, combined once, then the main generator. */
  emitImmediateWatermark(): void {
    for (const output of this.splitOutputs.values()) output.emitPeriodicWatermark();
    this.multiplexer.onPeriodicEmit();
    this.mainOutput.emitPeriodicWatermark();
  }

  /** End of input: the source's event time ends (Flink's MAX_WATERMARK), on an active output. */
  emitFinalWatermark(): void {
    this.stopPeriodicWatermarkEmits();
    this.dataOutput.markActive();
    this.dataOutput.emitWatermark(Watermark.MAX_WATERMARK);
  }

  /** The highest watermark sent downstream so far. */
  currentWatermark(): number {
    return this.dataOutput.maxWatermarkSoFar;
  }

  isIdle(): boolean {
    return this.dataOutput.idle;
  }
}
