/*
 * NeverTrigger: a trigger that never fires; the default of GlobalWindows, whose single window
 * fires only through a trigger the user sets.
 */
import type { GlobalWindow } from '../windows/global-window.ts';
import { Trigger, type OnMergeContext, type TriggerContext } from './trigger.ts';
import { TriggerResult } from './trigger-result.ts';

export class NeverTrigger extends Trigger<unknown, GlobalWindow> {
  onElement(_element: unknown, _timestamp: number, _window: GlobalWindow, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onEventTime(_time: number, _window: GlobalWindow, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(_time: number, _window: GlobalWindow, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  clear(_window: GlobalWindow, _ctx: TriggerContext): void {}

  override onMerge(_window: GlobalWindow, _ctx: OnMergeContext): void {}

  override toString(): string {
    return 'NeverTrigger()';
  }
}
