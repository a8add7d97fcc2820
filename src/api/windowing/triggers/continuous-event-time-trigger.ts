/*
 * ContinuousEventTimeTrigger: fires a window every `interval` of event time (at multiples of the
 * interval, as the watermark passes them) and once more when the watermark passes the window's
 * end. The next fire time is reducing state (the minimum wins when windows merge) and is never
 * later than the end of the window.
 */
import { toMillis, type DurationLike } from '../../common/duration.ts';
import type { ReducingState } from '../../state/state.ts';
import { ReducingStateDescriptor } from '../../state/state-descriptor.ts';
import type { Window } from '../windows/window.ts';
import { Trigger, type OnMergeContext, type TriggerContext } from './trigger.ts';
import { TriggerResult } from './trigger-result.ts';

export class ContinuousEventTimeTrigger<W extends Window = Window> extends Trigger<unknown, W> {
  private readonly interval: number;
  /** When windows merge, the earliest fire time becomes the fire time of the result. */
  private readonly stateDesc = new ReducingStateDescriptor<number>('fire-time', (a: number, b: number) => Math.min(a, b));

  private constructor(interval: number) {
    super();
    this.interval = interval;
  }

  /** A trigger that fires every `interval` of event time (a Duration or milliseconds). */
  static of<W extends Window = Window>(interval: DurationLike): ContinuousEventTimeTrigger<W> {
    const ms = toMillis(interval, 'ContinuousEventTimeTrigger.of(interval): interval');
    if (!(ms > 0)) throw new RangeError(`ContinuousEventTimeTrigger.of(interval): the interval must be positive, got ${ms} ms`);
    return new ContinuousEventTimeTrigger<W>(ms);
  }

  onElement(_element: unknown, timestamp: number, window: W, ctx: TriggerContext): TriggerResult {
    if (window.maxTimestamp() <= ctx.getCurrentWatermark()) {
      // The watermark is already past the window: fire now.
      return TriggerResult.FIRE;
    }
    ctx.registerEventTimeTimer(window.maxTimestamp());
    const fireTimestamp = ctx.getPartitionedState(this.stateDesc);
    if (fireTimestamp.get() === undefined) this.registerNextFireTimestamp(timestamp - (timestamp % this.interval), window, ctx, fireTimestamp);
    return TriggerResult.CONTINUE;
  }

  onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    if (time === window.maxTimestamp()) return TriggerResult.FIRE;
    const fireTimestampState = ctx.getPartitionedState(this.stateDesc);
    const fireTimestamp = fireTimestampState.get();
    if (fireTimestamp !== undefined && fireTimestamp === time) {
      fireTimestampState.clear();
      this.registerNextFireTimestamp(time, window, ctx, fireTimestampState);
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(_time: number, _window: W, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  clear(_window: W, ctx: TriggerContext): void {
    const fireTimestamp = ctx.getPartitionedState(this.stateDesc);
    const timestamp = fireTimestamp.get();
    if (timestamp !== undefined) {
      ctx.deleteEventTimeTimer(timestamp);
      fireTimestamp.clear();
    }
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(window: W, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.stateDesc);
    const nextFireTimestamp = ctx.getPartitionedState(this.stateDesc).get();
    if (nextFireTimestamp !== undefined) ctx.registerEventTimeTimer(nextFireTimestamp);
  }

  getInterval(): number {
    return this.interval;
  }

  override toString(): string {
    return `ContinuousEventTimeTrigger(${this.interval})`;
  }

  private registerNextFireTimestamp(time: number, window: W, ctx: TriggerContext, fireTimestampState: ReducingState<number>): void {
    const nextFireTimestamp = Math.min(time + this.interval, window.maxTimestamp());
    fireTimestampState.add(nextFireTimestamp);
    ctx.registerEventTimeTimer(nextFireTimestamp);
  }
}
