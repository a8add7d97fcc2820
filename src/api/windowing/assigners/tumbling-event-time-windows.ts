/*
 * TumblingEventTimeWindows: fixed-size, non-overlapping windows of event time, aligned to the
 * epoch plus an offset (for example windows of a day that start at local midnight:
 * of(Duration.ofDays(1), Duration.ofHours(-8)) for UTC+08:00).
 */
import { toMillis, type DurationLike } from '../../common/duration.ts';
import { EventTimeTrigger } from '../triggers/event-time-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import type { TimeWindow } from '../windows/time-window.ts';
import { TumblingTimeWindows } from './aligned-time-windows.ts';
import { hasTimestamp, missingTimestampError, type WindowAssignerContext } from './window-assigner.ts';
import { WindowStagger } from './window-stagger.ts';

export class TumblingEventTimeWindows extends TumblingTimeWindows {
  protected constructor(size: number, offset: number, windowStagger: WindowStagger) {
    super('TumblingEventTimeWindows', size, offset, windowStagger);
  }

  /**
   * Windows of `size`, starting at epoch + `offset` + k * size (|offset| < size); a stagger
   * shifts them per operator instance.
   */
  static of(size: DurationLike, offset: DurationLike = 0, windowStagger: WindowStagger = WindowStagger.ALIGNED): TumblingEventTimeWindows {
    return new TumblingEventTimeWindows(toMillis(size, 'TumblingEventTimeWindows size'), toMillis(offset, 'TumblingEventTimeWindows offset'), windowStagger);
  }

  assignWindows(_element: unknown, timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    if (!hasTimestamp(timestamp)) throw missingTimestampError();
    return this.windowsAt(timestamp, context);
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }
}
