/*
 * SlidingProcessingTimeWindows: windows of `size` that start every `slide` of the processing time
 * at which elements arrive, listed from the one that starts last back to the earliest.
 */
import { toMillis, type DurationLike } from '../../common/duration.ts';
import { ProcessingTimeTrigger } from '../triggers/processing-time-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import type { TimeWindow } from '../windows/time-window.ts';
import { SlidingTimeWindows } from './aligned-time-windows.ts';
import type { WindowAssignerContext } from './window-assigner.ts';

export class SlidingProcessingTimeWindows extends SlidingTimeWindows {
  private constructor(size: number, slide: number, offset: number) {
    super('SlidingProcessingTimeWindows', size, slide, offset);
  }

  /** Windows of `size` of processing time starting every `slide`, at epoch + `offset` + k * slide. */
  static of(size: DurationLike, slide: DurationLike, offset: DurationLike = 0): SlidingProcessingTimeWindows {
    return new SlidingProcessingTimeWindows(
      toMillis(size, 'SlidingProcessingTimeWindows size'),
      toMillis(slide, 'SlidingProcessingTimeWindows slide'),
      toMillis(offset, 'SlidingProcessingTimeWindows offset'),
    );
  }

  assignWindows(_element: unknown, _timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    return this.windowsAt(context.getCurrentProcessingTime());
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }
}
