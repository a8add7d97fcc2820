/*
 * The reader side of watermark alignment, as in Flink's SourceOperator: the reader reports its
 * watermark (the maximum while it is idle, so that it never holds the group back) to its
 * coordinator every update interval; the coordinator answers with the highest watermark the group
 * allows (its minimum plus the maximum drift). A reader whose watermark is above it stops reading
 * until a later announcement lets it go on; a split above it is paused (when the reader can pause
 * splits) while the reader's other splits go on. Time spent waiting does not count as idleness.
 */
import { Watermark } from '../../api/common/watermark.ts';
import type { WatermarkAlignmentParams } from '../../api/eventtime/watermark-alignment-params.ts';
import type { PausableRelativeClock } from '../watermark/pausable-relative-clock.ts';
import type { SourceWatermarkListener } from '../watermark/source-timestamps-and-watermarks.ts';

export interface SourceWatermarkAlignmentContext {
  readonly params: WatermarkAlignmentParams;
  /** Sends the reader's watermark to its coordinator. */
  reportWatermark(watermark: number): void;
  /** Stops or resumes reading splits (the reader, and the splits' idleness clocks). */
  pauseOrResumeSplits(splitsToPause: string[], splitsToResume: string[]): void;
  /** The reader's input activity clock, paused while the reader waits. */
  readonly inputActivityClock: PausableRelativeClock;
}

export class SourceWatermarkAlignment implements SourceWatermarkListener {
  private readonly context: SourceWatermarkAlignmentContext;
  private latestWatermark = Watermark.UNINITIALIZED.timestamp;
  private idle = false;
  /** Until the first announcement nothing holds the reader back. */
  private currentMaxDesiredWatermark = Watermark.MAX_WATERMARK.timestamp;
  private numSplits = 0;
  private readonly splitCurrentWatermarks = new Map<string, number>();
  private readonly currentlyPausedSplits = new Set<string>();
  private waiting: { promise: Promise<void>; resolve: () => void } | null = null;

  constructor(context: SourceWatermarkAlignmentContext) {
    this.context = context;
  }

  get updateIntervalMs(): number {
    return this.context.params.getUpdateInterval();
  }

  getMaxDesiredWatermark(): number {
    return this.currentMaxDesiredWatermark;
  }

  /** True while the reader must not be polled. */
  isWaitingForAlignment(): boolean {
    return this.waiting !== null;
  }

  /** Resolves when the reader may read again. */
  whenAligned(): Promise<void> {
    return this.waiting?.promise ?? Promise.resolve();
  }

  isSplitPaused(splitId: string): boolean {
    return this.currentlyPausedSplits.has(splitId);
  }

  splitsAdded(count: number): void {
    this.numSplits += count;
  }

  /** Every update interval: the reader's watermark to the coordinator, once it has one. */
  emitLatestWatermark(): void {
    if (this.latestWatermark === Watermark.UNINITIALIZED.timestamp) return;
    this.context.reportWatermark(this.idle ? Watermark.MAX_WATERMARK.timestamp : this.latestWatermark);
  }

  /** A finished reader must not hold the group back. */
  endOfInput(): void {
    this.latestWatermark = Watermark.MAX_WATERMARK.timestamp;
    this.context.reportWatermark(this.latestWatermark);
  }

  /** The coordinator's announcement: the group's minimum plus the maximum drift. */
  handleAlignmentEvent(maxWatermark: number): void {
    this.currentMaxDesiredWatermark = maxWatermark;
    this.checkWatermarkAlignment();
    this.checkSplitWatermarkAlignment();
  }

  // ---- SourceWatermarkListener ----------------------------------------------------------------

  updateCurrentEffectiveWatermark(watermark: number): void {
    this.latestWatermark = watermark;
    this.checkWatermarkAlignment();
  }

  updateIdle(idle: boolean): void {
    this.idle = idle;
  }

  updateCurrentSplitWatermark(splitId: string, watermark: number): void {
    this.splitCurrentWatermarks.set(splitId, watermark);
    if (this.numSplits > 1 && watermark > this.currentMaxDesiredWatermark && !this.currentlyPausedSplits.has(splitId)) {
      this.context.pauseOrResumeSplits([splitId], []);
      this.currentlyPausedSplits.add(splitId);
    }
  }

  updateCurrentSplitIdle(_splitId: string, _idle: boolean): void {}

  splitFinished(splitId: string): void {
    this.splitCurrentWatermarks.delete(splitId);
    this.currentlyPausedSplits.delete(splitId);
  }

  // ---- alignment --------------------------------------------------------------------------------

  private shouldWaitForAlignment(): boolean {
    return this.currentMaxDesiredWatermark < this.latestWatermark;
  }

  private checkWatermarkAlignment(): void {
    if (this.waiting === null) {
      if (!this.shouldWaitForAlignment()) return;
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.waiting = { promise, resolve };
      this.context.inputActivityClock.pause();
    } else if (!this.shouldWaitForAlignment()) {
      const { resolve } = this.waiting;
      this.waiting = null;
      this.context.inputActivityClock.unPause();
      resolve();
    }
  }

  /** A single split cannot overtake other splits of this reader: stopping the reader is enough. */
  private checkSplitWatermarkAlignment(): void {
    if (this.numSplits <= 1) return;
    const toPause: string[] = [];
    const toResume: string[] = [];
    for (const [splitId, watermark] of this.splitCurrentWatermarks) {
      if (watermark > this.currentMaxDesiredWatermark) {
        if (!this.currentlyPausedSplits.has(splitId)) toPause.push(splitId);
      } else if (this.currentlyPausedSplits.has(splitId)) {
        toResume.push(splitId);
      }
    }
    if (toPause.length === 0 && toResume.length === 0) return;
    this.context.pauseOrResumeSplits(toPause, toResume);
    for (const id of toPause) this.currentlyPausedSplits.add(id);
    for (const id of toResume) this.currentlyPausedSplits.delete(id);
  }
}
