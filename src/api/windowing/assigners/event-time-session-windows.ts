/*
 * EventTimeSessionWindows: session windows of event time. An element opens the window
 * [timestamp, timestamp + gap); windows that overlap or touch merge, so a session ends after a
 * gap of inactivity.
 */
import { toMillis, type DurationLike } from '../../common/duration.ts';
import { EventTimeTrigger } from '../triggers/event-time-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import { TimeWindow, TimeWindowSerializer } from '../windows/time-window.ts';
import { DynamicEventTimeSessionWindows } from './dynamic-event-time-session-windows.ts';
import { MergingWindowAssigner, type MergeCallback } from './merging-window-assigner.ts';
import type { SessionWindowTimeGapExtractor } from './session-window-time-gap-extractor.ts';
import { hasTimestamp, missingTimestampError, type WindowAssignerContext } from './window-assigner.ts';

export class EventTimeSessionWindows extends MergingWindowAssigner<unknown, TimeWindow> {
  protected readonly sessionTimeout: number;

  protected constructor(sessionTimeout: number) {
    super();
    if (!(sessionTimeout > 0)) throw new RangeError('EventTimeSessionWindows parameters must satisfy 0 < size');
    this.sessionTimeout = sessionTimeout;
  }

  /** Sessions that end after `gap` (a Duration or milliseconds) without elements. */
  static withGap(gap: DurationLike): EventTimeSessionWindows {
    return new EventTimeSessionWindows(toMillis(gap, 'EventTimeSessionWindows gap'));
  }

  /** Sessions whose gap the extractor returns per element. */
  static withDynamicGap<T>(sessionWindowTimeGapExtractor: SessionWindowTimeGapExtractor<T>): DynamicEventTimeSessionWindows<T> {
    return DynamicEventTimeSessionWindows.withDynamicGap(sessionWindowTimeGapExtractor);
  }

  assignWindows(_element: unknown, timestamp: number, _context: WindowAssignerContext): TimeWindow[] {
    if (!hasTimestamp(timestamp)) throw missingTimestampError();
    return [new TimeWindow(timestamp, timestamp + this.sessionTimeout)];
  }

  mergeWindows(windows: readonly TimeWindow[], callback: MergeCallback<TimeWindow>): void {
    TimeWindow.mergeWindows(windows, callback);
  }

  getGap(): number {
    return this.sessionTimeout;
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
    return `EventTimeSessionWindows(${this.sessionTimeout})`;
  }
}
