/*
 * The contexts of the window operator, as Flink's WindowOperator.Context and WindowContext: what a
 * trigger sees (clocks, timers and state of the current key and window, merging of state when
 * windows merge), what a window function sees (clocks, per-window and per-key state, side
 * outputs), and the state stores behind windowState() and globalState(). The operator reuses one
 * of each, setting key and window before every call; they keep nothing else.
 */
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import type { OutputTag } from '../../../api/common/output-tag.ts';
import type { KeyedStateStore } from '../../../api/functions/checkpointed-function.ts';
import { StateTypes, type AggregatingState, type ListState, type MapState, type ReducingState, type State, type StateType, type ValueState } from '../../../api/state/state.ts';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueStateDescriptor,
} from '../../../api/state/state-descriptor.ts';
import type { EvictorContext } from '../../../api/windowing/evictors/evictor.ts';
import type { MergingStateDescriptor, OnMergeContext, StateFor, Trigger } from '../../../api/windowing/triggers/trigger.ts';
import type { TriggerResult } from '../../../api/windowing/triggers/trigger-result.ts';
import type { Window } from '../../../api/windowing/windows/window.ts';
import type { MetricGroup } from '../../metrics/metric-group.ts';
import { VOID_NAMESPACE, type KeyedStateBackend } from '../../state/keyed-state-backend.ts';
import type { InternalTimerService } from '../internal-timer-service.ts';
import type { Output } from '../output.ts';
import type { WindowTimers } from './window-timers.ts';
import type { InternalWindowContext, InternalWindowFunction } from './internal-window-function.ts';

/** The state namespace of a window: its key(), which equal windows share. */
export function windowNamespace(window: Window): string {
  return window.key();
}

/** Flink's WindowOperator.Context: a trigger's view of the current key and window. */
export class WindowTriggerContext<W extends Window> implements OnMergeContext {
  key: unknown = undefined;
  window!: W;
  /** The windows that merged into `window`, during onMerge. */
  mergedWindows: readonly W[] | null = null;
  private readonly backend: KeyedStateBackend;
  private readonly timers: InternalTimerService;
  private readonly windowTimers: WindowTimers;
  private readonly metricGroup: MetricGroup;
  private readonly trigger: Trigger<any, W>;

  constructor(backend: KeyedStateBackend, timers: InternalTimerService, windowTimers: WindowTimers, metricGroup: MetricGroup, trigger: Trigger<any, W>) {
    this.backend = backend;
    this.timers = timers;
    this.windowTimers = windowTimers;
    this.metricGroup = metricGroup;
    this.trigger = trigger;
  }

  getMetricGroup(): MetricGroup {
    return this.metricGroup;
  }

  getCurrentWatermark(): number {
    return this.timers.currentWatermark;
  }

  getCurrentProcessingTime(): number {
    return this.timers.currentProcessingTime();
  }

  getPartitionedState<D extends StateDescriptor<any>>(stateDescriptor: D): StateFor<D> {
    const state = this.backend.getPartitionedState(stateDescriptor);
    state.setCurrentNamespace(windowNamespace(this.window));
    return state as unknown as StateFor<D>;
  }

  mergePartitionedState(stateDescriptor: MergingStateDescriptor): void {
    const merged = this.mergedWindows;
    if (merged === null || merged.length === 0) return;
    const type: StateType = stateDescriptor?.type;
    if (type !== StateTypes.LIST && type !== StateTypes.REDUCING && type !== StateTypes.AGGREGATING) {
      throw new TypeError('The given state descriptor does not refer to a mergeable state (MergingState)');
    }
    const state = this.backend.getPartitionedState<State>(stateDescriptor);
    state.mergeNamespaces(windowNamespace(this.window), merged.map(windowNamespace));
  }

  registerProcessingTimeTimer(time: number): void {
    this.windowTimers.register(this.window, time, false);
  }

  registerEventTimeTimer(time: number): void {
    this.windowTimers.register(this.window, time, true);
  }

  deleteProcessingTimeTimer(time: number): void {
    this.windowTimers.delete(this.window, time, false);
  }

  deleteEventTimeTimer(time: number): void {
    this.windowTimers.delete(this.window, time, true);
  }

  onElement(element: unknown, timestamp: number): TriggerResult {
    return this.trigger.onElement(element, timestamp, this.window, this);
  }

  onProcessingTime(time: number): TriggerResult {
    return this.trigger.onProcessingTime(time, this.window, this);
  }

  onEventTime(time: number): TriggerResult {
    return this.trigger.onEventTime(time, this.window, this);
  }

  onMerge(mergedWindows: readonly W[]): void {
    this.mergedWindows = mergedWindows;
    try {
      this.trigger.onMerge(this.window, this);
    } finally {
      this.mergedWindows = null;
    }
  }

  clear(): void {
    this.trigger.clear(this.window, this);
  }

  toString(): string {
    return `Context{key=${String(this.key)}, window=${String(this.window)}}`;
  }
}

/**
 * Keyed state in one namespace: VOID_NAMESPACE for globalState(), the current window for
 * windowState(). Each call scopes the (shared) state object to the namespace, as Flink's
 * DefaultKeyedStateStore does.
 */
export class NamespacedStateStore implements KeyedStateStore {
  private readonly backend: KeyedStateBackend;
  private readonly namespace: () => unknown;

  constructor(backend: KeyedStateBackend, namespace: () => unknown) {
    this.backend = backend;
    this.namespace = namespace;
  }

  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T> {
    return this.state(descriptor, StateTypes.VALUE, 'getState');
  }
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.state(descriptor, StateTypes.LIST, 'getListState');
  }
  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V> {
    return this.state(descriptor, StateTypes.MAP, 'getMapState');
  }
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T> {
    return this.state(descriptor, StateTypes.REDUCING, 'getReducingState');
  }
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT> {
    return this.state(descriptor, StateTypes.AGGREGATING, 'getAggregatingState');
  }

  private state<S extends State>(descriptor: StateDescriptor<any>, type: StateType, method: string): S {
    if (typeof descriptor !== 'object' || descriptor === null || descriptor.type !== type) {
      throw new TypeError(`${method}() needs a ${type.toLowerCase()} state descriptor, got ${String(descriptor)}`);
    }
    const state = this.backend.getPartitionedState<S>(descriptor);
    state.setCurrentNamespace(this.namespace());
    return state;
  }
}

/** windowState() of merging (session) windows, which Flink does not allow. */
export class MergingWindowStateStore implements KeyedStateStore {
  getState<T>(_descriptor: ValueStateDescriptor<T>): ValueState<T> {
    throw MergingWindowStateStore.unsupported();
  }
  getListState<T>(_descriptor: ListStateDescriptor<T>): ListState<T> {
    throw MergingWindowStateStore.unsupported();
  }
  getMapState<K, V>(_descriptor: MapStateDescriptor<K, V>): MapState<K, V> {
    throw MergingWindowStateStore.unsupported();
  }
  getReducingState<T>(_descriptor: ReducingStateDescriptor<T>): ReducingState<T> {
    throw MergingWindowStateStore.unsupported();
  }
  getAggregatingState<IN, ACC, OUT>(_descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT> {
    throw MergingWindowStateStore.unsupported();
  }

  private static unsupported(): FlinkError {
    return new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, 'Per-window state is not allowed when using merging windows.');
  }
}

/** Flink's WindowOperator.WindowContext: what the window function sees of the operator. */
export class WindowContext<W extends Window> implements InternalWindowContext {
  window!: W;
  private readonly timers: InternalTimerService;
  private readonly out: Output<unknown>;
  private readonly windowFunction: InternalWindowFunction<any, any, any, W>;
  private readonly perWindowState: KeyedStateStore;
  private readonly keyedState: KeyedStateStore;

  constructor(backend: KeyedStateBackend, timers: InternalTimerService, output: Output<unknown>, windowFunction: InternalWindowFunction<any, any, any, W>, merging: boolean) {
    this.timers = timers;
    this.out = output;
    this.windowFunction = windowFunction;
    this.perWindowState = merging ? new MergingWindowStateStore() : new NamespacedStateStore(backend, () => windowNamespace(this.window));
    this.keyedState = new NamespacedStateStore(backend, () => VOID_NAMESPACE);
  }

  /** The window is purged: the window function removes its per-window state. */
  clear(): void {
    this.windowFunction.clear(this.window, this);
  }

  currentProcessingTime(): number {
    return this.timers.currentProcessingTime();
  }

  currentWatermark(): number {
    return this.timers.currentWatermark;
  }

  windowState(): KeyedStateStore {
    return this.perWindowState;
  }

  globalState(): KeyedStateStore {
    return this.keyedState;
  }

  output<X>(outputTag: OutputTag<X>, value: X): void {
    if (outputTag === null || outputTag === undefined) throw new TypeError('OutputTag must not be null.');
    this.out.collectSide(outputTag, value, this.window.maxTimestamp());
  }

  toString(): string {
    return `WindowContext{Window = ${String(this.window)}}`;
  }
}

/** Flink's EvictingWindowOperator.EvictorContext. */
export class WindowEvictorContext implements EvictorContext {
  key: unknown = undefined;
  private readonly timers: InternalTimerService;
  private readonly metricGroup: MetricGroup;

  constructor(timers: InternalTimerService, metricGroup: MetricGroup) {
    this.timers = timers;
    this.metricGroup = metricGroup;
  }

  getCurrentProcessingTime(): number {
    return this.timers.currentProcessingTime();
  }

  getMetricGroup(): MetricGroup {
    return this.metricGroup;
  }

  getCurrentWatermark(): number {
    return this.timers.currentWatermark;
  }

  getKey(): unknown {
    return this.key;
  }
}

