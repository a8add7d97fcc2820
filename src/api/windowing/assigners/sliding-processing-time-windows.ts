/*
 * SlidingProcessingTimeWindows: windows of `size` that start every `slide` of the processing time
 * at which elements arrive, listed from the one that starts last back to the earliest.
 */
import { toMillis, type DurationLike } from '../../common/duration.ts';
import { ProcessingTimeTrigger } from '../triggers/processing-time-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import { TimeWindow, TimeWindowSerializer } from '../windows/time-window.ts';
import { WindowAssigner, type WindowAssignerContext } from './window-assigner.ts';

export class SlidingProcessingTimeWindows extends WindowAssigner<unknown, TimeWindow> {
  private readonly size: number;
  private readonly slide: number;
  private readonly offset: number;

  private constructor(size: number, slide: number, offset: number) {
    super();
    if (!(Math.abs(offset) < slide) || !(size > 0)) throw new RangeError('SlidingProcessingTimeWindows parameters must satisfy abs(offset) < slide and size > 0');
    this.size = size;
    this.slide = slide;
    this.offset = offset;
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
    const now = context.getCurrentProcessingTime();
    const windows: TimeWindow[] = [];
    const lastStart = TimeWindow.getWindowStartWithOffset(now, this.offset, this.slide);
    for (let start = lastStart; start > now - this.size; start -= this.slide) windows.push(new TimeWindow(start, start + this.size));
    return windows;
  }

  getSize(): number {
    return this.size;
  }

  getSlide(): number {
    return this.slide;
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
    return `SlidingProcessingTimeWindows(${this.size}, ${this.slide})`;
  }
}
