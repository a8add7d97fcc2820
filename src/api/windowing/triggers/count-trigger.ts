/*
 * CountTrigger: fires a window each time it has received `maxCount` more elements. The count is
 * reducing state of the window, so it adds up when session windows merge.
 */
import { ReducingStateDescriptor } from '../../state/state-descriptor.ts';
import type { Window } from '../windows/window.ts';
import { Trigger, type OnMergeContext, type TriggerContext } from './trigger.ts';
import { TriggerResult } from './trigger-result.ts';

export class CountTrigger<W extends Window = Window> extends Trigger<unknown, W> {
  private readonly maxCount: number;
  private readonly stateDesc = new ReducingStateDescriptor<number>('count', (a: number, b: number) => a + b);

  private constructor(maxCount: number) {
    super();
    this.maxCount = maxCount;
  }

  /** A trigger that fires once the number of elements in a pane reaches `maxCount`. */
  static of<W extends Window = Window>(maxCount: number): CountTrigger<W> {
    if (typeof maxCount !== 'number' || Number.isNaN(maxCount)) throw new TypeError(`CountTrigger.of(maxCount): maxCount must be a number, got ${String(maxCount)}`);
    return new CountTrigger<W>(maxCount);
  }

  onElement(_element: unknown, _timestamp: number, _window: W, ctx: TriggerContext): TriggerResult {
    const count = ctx.getPartitionedState(this.stateDesc);
    count.add(1);
    if ((count.get() ?? 0) >= this.maxCount) {
      count.clear();
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }

  onEventTime(_time: number, _window: W, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(_time: number, _window: W, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  clear(_window: W, ctx: TriggerContext): void {
    ctx.getPartitionedState(this.stateDesc).clear();
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(_window: W, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.stateDesc);
  }

  getMaxCount(): number {
    return this.maxCount;
  }

  override toString(): string {
    return `CountTrigger(${this.maxCount})`;
  }
}
