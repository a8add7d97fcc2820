/*
 * DynamicEventTimeSessionWindows: session windows of event time whose gap comes from each
 * element. An element opens the window [timestamp, timestamp + gap); windows that overlap or
 * touch merge.
 */
import { EventTimeTrigger } from '../triggers/event-time-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import { TimeWindow, TimeWindowSerializer } from '../windows/time-window.ts';
import { MergingWindowAssigner, type MergeCallback } from './merging-window-assigner.ts';
import { gapExtractorOf, type SessionWindowTimeGapExtractor } from './session-window-time-gap-extractor.ts';
import { hasTimestamp, missingTimestampError, type WindowAssignerContext } from './window-assigner.ts';

export class DynamicEventTimeSessionWindows<T> extends MergingWindowAssigner<T, TimeWindow> {
  private readonly sessionWindowTimeGapExtractor: (element: T) => number;

  protected constructor(sessionWindowTimeGapExtractor: SessionWindowTimeGapExtractor<T>) {
    super();
    this.sessionWindowTimeGapExtractor = gapExtractorOf(sessionWindowTimeGapExtractor, 'DynamicEventTimeSessionWindows.withDynamicGap()');
  }

  /** Sessions whose gap the extractor returns per element (a Duration or milliseconds, > 0). */
  static withDynamicGap<T>(sessionWindowTimeGapExtractor: SessionWindowTimeGapExtractor<T>): DynamicEventTimeSessionWindows<T> {
    return new DynamicEventTimeSessionWindows(sessionWindowTimeGapExtractor);
  }

  assignWindows(element: T, timestamp: number, _context: WindowAssignerContext): TimeWindow[] {
    if (!hasTimestamp(timestamp)) throw missingTimestampError();
    const sessionTimeout = this.sessionWindowTimeGapExtractor(element);
    return [new TimeWindow(timestamp, timestamp + sessionTimeout)];
  }

  mergeWindows(windows: readonly TimeWindow[], callback: MergeCallback<TimeWindow>): void {
    TimeWindow.mergeWindows(windows, callback);
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return EventTimeTrigger.create();
  }

  getWindowSerializer(): TimeWindowSerializer {
    return TimeWindowSerializer.INSTANCE;
  }

  isEventTime(): boolean {
    return true;
  }

  override toString(): string {
    return 'DynamicEventTimeSessionWindows()';
  }
}
