/*
 * TumblingEventTimeWindows: fixed-size, non-overlapping windows of event time, aligned to the
 * epoch plus an offset (for example windows of a day that start at local midnight:
 * of(Duration.ofDays(1), Duration.ofHours(-8)) for UTC+08:00).
 */
import { toMillis, type DurationLike } from '../../common/duration.ts';
import { EventTimeTrigger } from '../triggers/event-time-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import { TimeWindow, TimeWindowSerializer } from '../windows/time-window.ts';
import { WindowAssigner, hasTimestamp, missingTimestampError, type WindowAssignerContext } from './window-assigner.ts';
import { WindowStagger } from './window-stagger.ts';

export class TumblingEventTimeWindows extends WindowAssigner<unknown, TimeWindow> {
  private readonly size: number;
  private readonly globalOffset: number;
  private readonly windowStagger: WindowStagger;
  private staggerOffset: number | null = null;

  protected constructor(size: number, offset: number, windowStagger: WindowStagger) {
    super();
    if (!(Math.abs(offset) < size)) throw new RangeError('TumblingEventTimeWindows parameters must satisfy abs(offset) < size');
    this.size = size;
    this.globalOffset = offset;
    this.windowStagger = windowStagger;
  }

  /**
   * Windows of `size`, starting at epoch + `offset` + k * size (|offset| < size); a stagger
   * shifts them per operator instance.
   */
  static of(size: DurationLike, offset: DurationLike = 0, windowStagger: WindowStagger = WindowStagger.ALIGNED): TumblingEventTimeWindows {
    return new TumblingEventTimeWindows(toMillis(size, 'TumblingEventTimeWindows size'), toMillis(offset, 'TumblingEventTimeWindows offset'), windowStagger);
  }

  private lastWindows: TimeWindow[] | null = null;

  assignWindows(_element: unknown, timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    if (!hasTimestamp(timestamp)) throw missingTimestampError();
    if (this.staggerOffset === null) this.staggerOffset = this.windowStagger.getStaggerOffset(context.getCurrentProcessingTime(), this.size);
    const start = TimeWindow.getWindowStartWithOffset(timestamp, (this.globalOffset + this.staggerOffset) % this.size, this.size);
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
    return EventTimeTrigger.create();
  }

  getWindowSerializer(): TimeWindowSerializer {
    return TimeWindowSerializer.INSTANCE;
  }

  isEventTime(): boolean {
    return true;
  }

  override toString(): string {
    return `TumblingEventTimeWindows(${this.size})`;
  }
}
