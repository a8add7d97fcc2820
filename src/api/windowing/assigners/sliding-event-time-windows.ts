/*
 * SlidingEventTimeWindows: windows of `size` that start every `slide` of event time, so that an
 * element belongs to about size / slide windows. Windows are listed from the one that starts
 * last back to the earliest, as Flink lists them.
 */
import { toMillis, type DurationLike } from '../../common/duration.ts';
import { EventTimeTrigger } from '../triggers/event-time-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import { TimeWindow, TimeWindowSerializer } from '../windows/time-window.ts';
import { WindowAssigner, hasTimestamp, missingTimestampError, type WindowAssignerContext } from './window-assigner.ts';

export class SlidingEventTimeWindows extends WindowAssigner<unknown, TimeWindow> {
  /** At most this many windows per element. */
  static readonly MAX_WINDOW_NUM = 10_000_000;

  private readonly size: number;
  private readonly slide: number;
  private readonly offset: number;

  protected constructor(size: number, slide: number, offset: number) {
    super();
    if (!(Math.abs(offset) < slide) || !(size > 0)) throw new RangeError('SlidingEventTimeWindows parameters must satisfy abs(offset) < slide and size > 0');
    if (Math.trunc(size / slide) > SlidingEventTimeWindows.MAX_WINDOW_NUM) {
      throw new RangeError(`SlidingEventTimeWindows parameters must satisfy size / slide <= ${SlidingEventTimeWindows.MAX_WINDOW_NUM}`);
    }
    this.size = size;
    this.slide = slide;
    this.offset = offset;
  }

  /** Windows of `size` starting every `slide`, at epoch + `offset` + k * slide (|offset| < slide). */
  static of(size: DurationLike, slide: DurationLike, offset: DurationLike = 0): SlidingEventTimeWindows {
    return new SlidingEventTimeWindows(
      toMillis(size, 'SlidingEventTimeWindows size'),
      toMillis(slide, 'SlidingEventTimeWindows slide'),
      toMillis(offset, 'SlidingEventTimeWindows offset'),
    );
  }

  private lastWindows: TimeWindow[] | null = null;

  assignWindows(_element: unknown, timestamp: number, _context: WindowAssignerContext): TimeWindow[] {
    if (!hasTimestamp(timestamp)) throw missingTimestampError();
    const lastStart = TimeWindow.getWindowStartWithOffset(timestamp, this.offset, this.slide);
    const lower = timestamp - this.size;
    // Consecutive elements mostly fall into the same windows: hand out the same (immutable)
    // windows and array again while the first and the last start are the same. The window
    // operator only iterates the array.
    const last = this.lastWindows;
    if (last !== null && last[0]!.start === lastStart) {
      const earliest = last[last.length - 1]!.start;
      if (earliest > lower && earliest - this.slide <= lower) return last;
    }
    const windows: TimeWindow[] = [];
    for (let start = lastStart; start > lower; start -= this.slide) windows.push(new TimeWindow(start, start + this.size));
    if (windows.length !== 0) this.lastWindows = windows;
    return windows;
  }

  getSize(): number {
    return this.size;
  }

  getSlide(): number {
    return this.slide;
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
    return `SlidingEventTimeWindows(${this.size}, ${this.slide})`;
  }
}
