/*
 * DynamicProcessingTimeSessionWindows: session windows of processing time whose gap comes from
 * each element. An element opens [now, now + gap); windows that overlap or touch merge.
 */
import { ProcessingTimeTrigger } from '../triggers/processing-time-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import { TimeWindow, TimeWindowSerializer } from '../windows/time-window.ts';
import { MergingWindowAssigner, type MergeCallback } from './merging-window-assigner.ts';
import { gapExtractorOf, type SessionWindowTimeGapExtractor } from './session-window-time-gap-extractor.ts';
import type { WindowAssignerContext } from './window-assigner.ts';

export class DynamicProcessingTimeSessionWindows<T> extends MergingWindowAssigner<T, TimeWindow> {
  private readonly sessionWindowTimeGapExtractor: (element: T) => number;

  protected constructor(sessionWindowTimeGapExtractor: SessionWindowTimeGapExtractor<T>) {
    super();
    this.sessionWindowTimeGapExtractor = gapExtractorOf(sessionWindowTimeGapExtractor, 'DynamicProcessingTimeSessionWindows.withDynamicGap()');
  }

  /** Sessions whose gap the extractor returns per element (a Duration or milliseconds, > 0). */
  static withDynamicGap<T>(sessionWindowTimeGapExtractor: SessionWindowTimeGapExtractor<T>): DynamicProcessingTimeSessionWindows<T> {
    return new DynamicProcessingTimeSessionWindows(sessionWindowTimeGapExtractor);
  }

  assignWindows(element: T, _timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    const currentProcessingTime = context.getCurrentProcessingTime();
    const sessionTimeout = this.sessionWindowTimeGapExtractor(element);
    return [new TimeWindow(currentProcessingTime, currentProcessingTime + sessionTimeout)];
  }

  mergeWindows(windows: readonly TimeWindow[], callback: MergeCallback<TimeWindow>): void {
    TimeWindow.mergeWindows(windows, callback);
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  getWindowSerializer(): TimeWindowSerializer {
    return TimeWindowSerializer.INSTANCE;
  }

  isEventTime(): boolean {
    return false;
  }

  override toString(): string {
    return 'DynamicProcessingTimeSessionWindows()';
  }
}
