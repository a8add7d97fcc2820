/*
 * ContinuousProcessingTimeTrigger: fires a window every `interval` of processing time (at
 * multiples of the interval), the last time no later than the window's end. The next fire time is
 * reducing state (the minimum wins when windows merge).
 */
import { toMillis, type DurationLike } from '../../common/duration.ts';
import type { ReducingState } from '../../state/state.ts';
import { ReducingStateDescriptor } from '../../state/state-descriptor.ts';
import type { Window } from '../windows/window.ts';
import { Trigger, type OnMergeContext, type TriggerContext } from './trigger.ts';
import { TriggerResult } from './trigger-result.ts';

export class ContinuousProcessingTimeTrigger<W extends Window = Window> extends Trigger<unknown, W> {
  private readonly interval: number;
  /** When windows merge, the earliest fire time becomes the fire time of the result. */
  private readonly stateDesc = new ReducingStateDescriptor<number>('fire-time', (a: number, b: number) => Math.min(a, b));

  private constructor(interval: number) {
    super();
    this.interval = interval;
  }

  /** A trigger that fires every `interval` of processing time (a Duration or milliseconds). */
  static of<W extends Window = Window>(interval: DurationLike): ContinuousProcessingTimeTrigger<W> {
    const ms = toMillis(interval, 'ContinuousProcessingTimeTrigger.of(interval): interval');
    if (!(ms > 0)) throw new RangeError(`ContinuousProcessingTimeTrigger.of(interval): the interval must be positive, got ${ms} ms`);
    return new ContinuousProcessingTimeTrigger<W>(ms);
  }

  onElement(_element: unknown, _timestamp: number, window: W, ctx: TriggerContext): TriggerResult {
    const fireTimestampState = ctx.getPartitionedState(this.stateDesc);
    const now = ctx.getCurrentProcessingTime();
    if (fireTimestampState.get() === undefined) this.registerNextFireTimestamp(now - (now % this.interval), window, ctx, fireTimestampState);
    return TriggerResult.CONTINUE;
  }

  onEventTime(_time: number, _window: W, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    const fireTimestampState = ctx.getPartitionedState(this.stateDesc);
    if (fireTimestampState.get() === time) {
      fireTimestampState.clear();
      this.registerNextFireTimestamp(time, window, ctx, fireTimestampState);
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }

  clear(_window: W, ctx: TriggerContext): void {
    // The state may have been merged into another window already.
    const fireTimestamp = ctx.getPartitionedState(this.stateDesc);
    const timestamp = fireTimestamp.get();
    if (timestamp !== undefined) {
      ctx.deleteProcessingTimeTimer(timestamp);
      fireTimestamp.clear();
    }
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(_window: W, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.stateDesc);
    const nextFireTimestamp = ctx.getPartitionedState(this.stateDesc).get();
    if (nextFireTimestamp !== undefined) ctx.registerProcessingTimeTimer(nextFireTimestamp);
  }

  getInterval(): number {
    return this.interval;
  }

  override toString(): string {
    return `ContinuousProcessingTimeTrigger(${this.interval})`;
  }

  private registerNextFireTimestamp(time: number, window: W, ctx: TriggerContext, fireTimestampState: ReducingState<number>): void {
    const nextFireTimestamp = Math.min(time + this.interval, window.maxTimestamp());
    fireTimestampState.add(nextFireTimestamp);
    ctx.registerProcessingTimeTimer(nextFireTimestamp);
  }
}
