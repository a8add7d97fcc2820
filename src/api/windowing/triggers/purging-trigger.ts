/*
 * PurgingTrigger: wraps a trigger so that whenever it fires, the window is also purged
 * (FIRE becomes FIRE_AND_PURGE). Everything else is delegated unchanged.
 */
import type { Window } from '../windows/window.ts';
import { Trigger, type OnMergeContext, type TriggerContext } from './trigger.ts';
import { TriggerResult } from './trigger-result.ts';

export class PurgingTrigger<T, W extends Window> extends Trigger<T, W> {
  private readonly nestedTrigger: Trigger<T, W>;

  private constructor(nestedTrigger: Trigger<T, W>) {
    super();
    this.nestedTrigger = nestedTrigger;
  }

  /** A purging trigger around `nestedTrigger`. */
  static of<T, W extends Window>(nestedTrigger: Trigger<T, W>): PurgingTrigger<T, W> {
    if (!(nestedTrigger instanceof Trigger)) throw new TypeError(`PurgingTrigger.of(trigger): expected a Trigger, got ${String(nestedTrigger)}`);
    return new PurgingTrigger(nestedTrigger);
  }

  onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nestedTrigger.onElement(element, timestamp, window, ctx));
  }

  onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nestedTrigger.onEventTime(time, window, ctx));
  }

  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nestedTrigger.onProcessingTime(time, window, ctx));
  }

  clear(window: W, ctx: TriggerContext): void {
    this.nestedTrigger.clear(window, ctx);
  }

  override canMerge(): boolean {
    return this.nestedTrigger.canMerge();
  }

  override onMerge(window: W, ctx: OnMergeContext): void {
    this.nestedTrigger.onMerge(window, ctx);
  }

  getNestedTrigger(): Trigger<T, W> {
    return this.nestedTrigger;
  }

  override toString(): string {
    return `PurgingTrigger(${String(this.nestedTrigger)})`;
  }
}

function purging(result: TriggerResult): TriggerResult {
  return result.isFire() ? TriggerResult.FIRE_AND_PURGE : result;
}
