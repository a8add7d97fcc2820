/*
 * EventTimeTrigger: fires a TimeWindow once the watermark passes its end (window.maxTimestamp()).
 * An element for a window the watermark has already passed (a late element within the allowed
 * lateness) fires it immediately. Default trigger of the event-time assigners.
 */
import type { TimeWindow } from '../windows/time-window.ts';
import { Trigger, type OnMergeContext, type TriggerContext } from './trigger.ts';
import { TriggerResult } from './trigger-result.ts';

export class EventTimeTrigger extends Trigger<unknown, TimeWindow> {
  private constructor() {
    super();
  }

  /** A trigger that fires once the watermark passes the end of the window. */
  static create(): EventTimeTrigger {
    return new EventTimeTrigger();
  }

  onElement(_element: unknown, _timestamp: number, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    if (window.maxTimestamp() <= ctx.getCurrentWatermark()) {
      // The watermark is already past the window: fire now.
      return TriggerResult.FIRE;
    }
    ctx.registerEventTimeTimer(window.maxTimestamp());
    return TriggerResult.CONTINUE;
  }

  onEventTime(time: number, window: TimeWindow, _ctx: TriggerContext): TriggerResult {
    return time === window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }

  onProcessingTime(_time: number, _window: TimeWindow, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  clear(window: TimeWindow, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(window: TimeWindow, ctx: OnMergeContext): void {
    // Only while the watermark has not passed the merged window: otherwise onElement() fires it,
    // and a timer would fire it a second time.
    const windowMaxTimestamp = window.maxTimestamp();
    if (windowMaxTimestamp > ctx.getCurrentWatermark()) ctx.registerEventTimeTimer(windowMaxTimestamp);
  }

  override toString(): string {
    return 'EventTimeTrigger()';
  }
}
