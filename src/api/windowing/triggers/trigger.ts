/*
 * Trigger: decides when the window operator evaluates a window (a pane: one key and one window)
 * and when it drops its contents. The operator calls it for every element added to a window and
 * for every timer the trigger registered; with merging window assigners it also merges the
 * trigger's state and timers when windows merge. Triggers keep no fields of their own per window:
 * one trigger object serves every key and window, and all its state lives in partitioned state
 * obtained from the context, scoped to the current key and window.
 */
import { FlinkError, ErrorCodes } from '../../../errors.ts';
import type { MetricGroup } from '../../../runtime/metrics/metric-group.ts';
import type { AggregatingState, ListState, MapState, ReducingState, State, ValueState } from '../../state/state.ts';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueStateDescriptor,
} from '../../state/state-descriptor.ts';
import type { Window } from '../windows/window.ts';
import type { TriggerResult } from './trigger-result.ts';

/** The state a descriptor gives: ValueStateDescriptor<T> → ValueState<T>, and so on. */
export type StateFor<D> =
  D extends ValueStateDescriptor<infer T>
    ? ValueState<T>
    : D extends ReducingStateDescriptor<infer T>
      ? ReducingState<T>
      : D extends AggregatingStateDescriptor<infer IN, any, infer OUT>
        ? AggregatingState<IN, OUT>
        : D extends ListStateDescriptor<infer T>
          ? ListState<T>
          : D extends MapStateDescriptor<infer K, infer V>
            ? MapState<K, V>
            : State;

/** Descriptors of the states that can merge when windows merge (Flink's MergingState). */
export type MergingStateDescriptor = ListStateDescriptor<any> | ReducingStateDescriptor<any> | AggregatingStateDescriptor<any, any, any>;

/** What a trigger may do while it runs: read the clocks, set timers, use window-scoped state. */
export interface TriggerContext {
  /** The current processing time of the task. */
  getCurrentProcessingTime(): number;
  /** The metric group of the window operator (the same one user functions get). */
  getMetricGroup(): MetricGroup;
  /** The current event-time watermark of the operator. */
  getCurrentWatermark(): number;
  /** onProcessingTime is called with `time` once processing time reaches it (for this key and window). */
  registerProcessingTimeTimer(time: number): void;
  /** onEventTime is called with `time` once the watermark reaches it (for this key and window). */
  registerEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  /** State scoped to the key and window of the current call. */
  getPartitionedState<D extends StateDescriptor<any>>(stateDescriptor: D): StateFor<D>;
}

/** The context of onMerge: the window of the call is the merge result. */
export interface OnMergeContext extends TriggerContext {
  /** Merges the named state of the merged windows into the state of the merge result. */
  mergePartitionedState(stateDescriptor: MergingStateDescriptor): void;
}

export abstract class Trigger<T, W extends Window> {
  /** Called for every element added to a window; the result decides whether the window fires. */
  abstract onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult;

  /** Called when a processing-time timer registered through the context fires. */
  abstract onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult;

  /** Called when an event-time timer registered through the context fires. */
  abstract onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult;

  /** True if the trigger supports merging windows; then onMerge must be implemented. */
  canMerge(): boolean {
    return false;
  }

  /** Called when windows merged into `window`: merge state and set the timers of the new window. */
  onMerge(_window: W, _ctx: OnMergeContext): void {
    throw new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, `This trigger does not support merging: ${String(this)}`);
  }

  /**
   * Removes everything the trigger keeps for the window: its timers and its partitioned state.
   * Called when the window is purged at its cleanup time and for windows that merged away.
   */
  abstract clear(window: W, ctx: TriggerContext): void;
}
