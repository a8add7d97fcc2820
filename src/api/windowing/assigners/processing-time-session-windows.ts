/*
 * ProcessingTimeSessionWindows: session windows of processing time. An element opens the window
 * [now, now + gap); windows that overlap or touch merge.
 */
import { toMillis, type DurationLike } from '../../common/duration.ts';
import { ProcessingTimeTrigger } from '../triggers/processing-time-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import { TimeWindow, TimeWindowSerializer } from '../windows/time-window.ts';
import { DynamicProcessingTimeSessionWindows } from './dynamic-processing-time-session-windows.ts';
import { MergingWindowAssigner, type MergeCallback } from './merging-window-assigner.ts';
import type { SessionWindowTimeGapExtractor } from './session-window-time-gap-extractor.ts';
import type { WindowAssignerContext } from './window-assigner.ts';

export class ProcessingTimeSessionWindows extends MergingWindowAssigner<unknown, TimeWindow> {
  protected readonly sessionTimeout: number;

  protected constructor(sessionTimeout: number) {
    super();
    if (!(sessionTimeout > 0)) throw new RangeError('ProcessingTimeSessionWindows parameters must satisfy 0 < size');
    this.sessionTimeout = sessionTimeout;
  }

  /** Sessions that end after `gap` (a Duration or milliseconds) of processing time without elements. */
  static withGap(gap: DurationLike): ProcessingTimeSessionWindows {
    return new ProcessingTimeSessionWindows(toMillis(gap, 'ProcessingTimeSessionWindows gap'));
  }

  /** Sessions whose gap the extractor returns per element. */
  static withDynamicGap<T>(sessionWindowTimeGapExtractor: SessionWindowTimeGapExtractor<T>): DynamicProcessingTimeSessionWindows<T> {
    return DynamicProcessingTimeSessionWindows.withDynamicGap(sessionWindowTimeGapExtractor);
  }

  assignWindows(_element: unknown, _timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    const currentProcessingTime = context.getCurrentProcessingTime();
    return [new TimeWindow(currentProcessingTime, currentProcessingTime + this.sessionTimeout)];
  }

  mergeWindows(windows: readonly TimeWindow[], callback: MergeCallback<TimeWindow>): void {
    TimeWindow.mergeWindows(windows, callback);
  }

  getGap(): number {
    return this.sessionTimeout;
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
    return `ProcessingTimeSessionWindows(${this.sessionTimeout})`;
  }
}
