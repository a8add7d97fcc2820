/*
 * TumblingProcessingTimeWindows: fixed-size, non-overlapping windows of the processing time at
 * which elements arrive, aligned to the epoch plus an offset.
 */
import { toMillis, type DurationLike } from '../../common/duration.ts';
import { ProcessingTimeTrigger } from '../triggers/processing-time-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import type { TimeWindow } from '../windows/time-window.ts';
import { TumblingTimeWindows } from './aligned-time-windows.ts';
import type { WindowAssignerContext } from './window-assigner.ts';
import { WindowStagger } from './window-stagger.ts';

export class TumblingProcessingTimeWindows extends TumblingTimeWindows {
  private constructor(size: number, offset: number, windowStagger: WindowStagger) {
    super('TumblingProcessingTimeWindows', size, offset, windowStagger);
  }

  /** Windows of `size` of processing time, starting at epoch + `offset` + k * size (|offset| < size). */
  static of(size: DurationLike, offset: DurationLike = 0, windowStagger: WindowStagger = WindowStagger.ALIGNED): TumblingProcessingTimeWindows {
    return new TumblingProcessingTimeWindows(toMillis(size, 'TumblingProcessingTimeWindows size'), toMillis(offset, 'TumblingProcessingTimeWindows offset'), windowStagger);
  }

  assignWindows(_element: unknown, _timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    return this.windowsAt(context.getCurrentProcessingTime(), context);
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }
}
