/*
 * SlidingEventTimeWindows: windows of `size` that start every `slide` of event time, so that an
 * element belongs to about size / slide windows. Windows are listed from the one that starts
 * last back to the earliest, as Flink lists them.
 */
import { toMillis, type DurationLike } from '../../common/duration.ts';
import { EventTimeTrigger } from '../triggers/event-time-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import type { TimeWindow } from '../windows/time-window.ts';
import { SlidingTimeWindows } from './aligned-time-windows.ts';
import { hasTimestamp, missingTimestampError, type WindowAssignerContext } from './window-assigner.ts';

export class SlidingEventTimeWindows extends SlidingTimeWindows {
  /** At most this many windows per element. */
  static readonly MAX_WINDOW_NUM = 10_000_000;

  protected constructor(size: number, slide: number, offset: number) {
    super('SlidingEventTimeWindows', size, slide, offset);
    if (Math.trunc(size / slide) > SlidingEventTimeWindows.MAX_WINDOW_NUM) {
      throw new RangeError(`SlidingEventTimeWindows parameters must satisfy size / slide <= ${SlidingEventTimeWindows.MAX_WINDOW_NUM}`);
    }
  }

  /** Windows of `size` starting every `slide`, at epoch + `offset` + k * slide (|offset| < slide). */
  static of(size: DurationLike, slide: DurationLike, offset: DurationLike = 0): SlidingEventTimeWindows {
    return new SlidingEventTimeWindows(
      toMillis(size, 'SlidingEventTimeWindows size'),
      toMillis(slide, 'SlidingEventTimeWindows slide'),
      toMillis(offset, 'SlidingEventTimeWindows offset'),
    );
  }

  assignWindows(_element: unknown, timestamp: number, _context: WindowAssignerContext): TimeWindow[] {
    if (!hasTimestamp(timestamp)) throw missingTimestampError();
    return this.windowsAt(timestamp);
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }
}
