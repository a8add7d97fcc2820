/*
 * TumblingProcessingTimeWindows: fixed-size, non-overlapping windows of the processing time at
 * which elements arrive, aligned to the epoch plus an offset.
 */
import { toMillis, type DurationLike } from '../../common/duration.ts';
import { ProcessingTimeTrigger } from '../triggers/processing-time-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import { TimeWindow, TimeWindowSerializer } from '../windows/time-window.ts';
import { WindowAssigner, type WindowAssignerContext } from './window-assigner.ts';
import { WindowStagger } from './window-stagger.ts';

export class TumblingProcessingTimeWindows extends WindowAssigner<unknown, TimeWindow> {
  private readonly size: number;
  private readonly globalOffset: number;
  private readonly windowStagger: WindowStagger;
  private staggerOffset: number | null = null;

  private constructor(size: number, offset: number, windowStagger: WindowStagger) {
    super();
    if (!(Math.abs(offset) < size)) throw new RangeError('TumblingProcessingTimeWindows parameters must satisfy abs(offset) < size');
    this.size = size;
    this.globalOffset = offset;
    this.windowStagger = windowStagger;
  }

  /** Windows of `size` of processing time, starting at epoch + `offset` + k * size (|offset| < size). */
  static of(size: DurationLike, offset: DurationLike = 0, windowStagger: WindowStagger = WindowStagger.ALIGNED): TumblingProcessingTimeWindows {
    return new TumblingProcessingTimeWindows(toMillis(size, 'TumblingProcessingTimeWindows size'), toMillis(offset, 'TumblingProcessingTimeWindows offset'), windowStagger);
  }

  private lastWindows: TimeWindow[] | null = null;

  assignWindows(_element: unknown, _timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    const now = context.getCurrentProcessingTime();
    if (this.staggerOffset === null) this.staggerOffset = this.windowStagger.getStaggerOffset(now, this.size);
    const start = TimeWindow.getWindowStartWithOffset(now, (this.globalOffset + this.staggerOffset) % this.size, this.size);
    // Consecutive elements mostly fall into the same window: hand out the same (immutable) window
    // and array again. The window operator only iterates the array.
    let windows = this.lastWindows;
    if (windows === null || windows[0]!.start !== start) windows = this.lastWindows = [new TimeWindow(start, start + this.size)];
    return windows;
  }

  getSize(): number {
    return this.size;
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  getWindowSerializer(): TimeWindowSerializer {
    return TimeWindowSerializer.INSTANCE;
  }

  isEventTime(): boolean {
    return false;
  }

  override toString(): string {
    return `TumblingProcessingTimeWindows(${this.size})`;
  }
}
