/*
 * ProcessingTimeTrigger: fires a TimeWindow once processing time passes its end
 * (window.maxTimestamp()). Default trigger of the processing-time assigners.
 */
import type { TimeWindow } from '../windows/time-window.ts';
import { Trigger, type OnMergeContext, type TriggerContext } from './trigger.ts';
import { TriggerResult } from './trigger-result.ts';

export class ProcessingTimeTrigger extends Trigger<unknown, TimeWindow> {
  private constructor() {
    super();
  }

  /** A trigger that fires once processing time passes the end of the window. */
  static create(): ProcessingTimeTrigger {
    return new ProcessingTimeTrigger();
  }

  onElement(_element: unknown, _timestamp: number, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    ctx.registerProcessingTimeTimer(window.maxTimestamp());
    return TriggerResult.CONTINUE;
  }

  onEventTime(_time: number, _window: TimeWindow, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(_time: number, _window: TimeWindow, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.FIRE;
  }

  clear(window: TimeWindow, ctx: TriggerContext): void {
    ctx.deleteProcessingTimeTimer(window.maxTimestamp());
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(window: TimeWindow, ctx: OnMergeContext): void {
    // Only while processing time has not passed the merged window, as in onElement().
    const windowMaxTimestamp = window.maxTimestamp();
    if (windowMaxTimestamp > ctx.getCurrentProcessingTime()) ctx.registerProcessingTimeTimer(windowMaxTimestamp);
  }

  override toString(): string {
    return 'ProcessingTimeTrigger()';
  }
}
