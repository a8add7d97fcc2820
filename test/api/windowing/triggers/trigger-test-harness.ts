/*
 * A harness that drives one trigger the way the window operator does, for one key: elements,
 * watermarks and processing time, merges and clears, with window-scoped state kept in memory
 * (per state name and window key) and timers recorded per window. Modelled on Flink's
 * TriggerTestHarness, so the trigger tests read like Flink's.
 */
import { resolveMethod } from '../../../../src/api/common/functions.ts';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
  type StateDescriptor,
} from '../../../../src/api/state/state-descriptor.ts';
import type { MergingStateDescriptor, OnMergeContext, StateFor, Trigger, TriggerContext } from '../../../../src/api/windowing/triggers/trigger.ts';
import type { TriggerResult } from '../../../../src/api/windowing/triggers/trigger-result.ts';
import type { Window } from '../../../../src/api/windowing/windows/window.ts';
import type { MetricGroup } from '../../../../src/runtime/metrics/metric-group.ts';

interface Timer<W> {
  readonly timestamp: number;
  readonly window: W;
}

/** Timers per window, deduplicated by (window, timestamp) like the operator's timer service. */
class TimerQueue<W extends Window> {
  private readonly timers = new Map<string, Timer<W>>();

  add(window: W, timestamp: number): void {
    this.timers.set(`${window.key()}@${timestamp}`, { window, timestamp });
  }

  delete(window: W, timestamp: number): void {
    this.timers.delete(`${window.key()}@${timestamp}`);
  }

  count(window?: W): number {
    if (window === undefined) return this.timers.size;
    let n = 0;
    for (const t of this.timers.values()) if (t.window.key() === window.key()) n++;
    return n;
  }

  /** Removes and returns, in timestamp order, the timers at or before `time`. */
  pollUpTo(time: number): Timer<W>[] {
    const due = [...this.timers.entries()].filter(([, t]) => t.timestamp <= time).sort((a, b) => a[1].timestamp - b[1].timestamp);
    for (const [id] of due) this.timers.delete(id);
    return due.map(([, t]) => t);
  }
}

export interface Firing<W> {
  readonly window: W;
  readonly result: TriggerResult;
}

export class TriggerTestHarness<T, W extends Window> {
  readonly trigger: Trigger<T, W>;
  /** state name → window key → value (accumulator for aggregating state, array for list state). */
  private readonly states = new Map<string, Map<string, unknown>>();
  private readonly eventTimers = new TimerQueue<W>();
  private readonly processingTimers = new TimerQueue<W>();
  private watermark = Number.MIN_SAFE_INTEGER;
  private processingTime = 0;

  constructor(trigger: Trigger<T, W>) {
    this.trigger = trigger;
  }

  numEventTimeTimers(window?: W): number {
    return this.eventTimers.count(window);
  }

  numProcessingTimeTimers(window?: W): number {
    return this.processingTimers.count(window);
  }

  /** Entries over all states, or those of one window. */
  numStateEntries(window?: W): number {
    let n = 0;
    for (const table of this.states.values()) {
      if (window === undefined) n += table.size;
      else if (table.has(window.key())) n++;
    }
    return n;
  }

  currentWatermark(): number {
    return this.watermark;
  }

  /** Injects one element into the trigger for the window; the result of onElement(). */
  processElement(element: T, timestamp: number, window: W): TriggerResult {
    return this.trigger.onElement(element, timestamp, window, this.context(window));
  }

  /** Advances the watermark and fires the event-time timers it passes, in timestamp order. */
  advanceWatermark(time: number): Firing<W>[] {
    this.watermark = time;
    return this.eventTimers.pollUpTo(time).map((t) => ({ window: t.window, result: this.trigger.onEventTime(t.timestamp, t.window, this.context(t.window)) }));
  }

  /** Advances the watermark, which must fire exactly one timer, of `window`; its result. */
  advanceWatermarkFor(time: number, window: W): TriggerResult {
    return single(this.advanceWatermark(time), window);
  }

  advanceProcessingTime(time: number): Firing<W>[] {
    this.processingTime = time;
    return this.processingTimers.pollUpTo(time).map((t) => ({ window: t.window, result: this.trigger.onProcessingTime(t.timestamp, t.window, this.context(t.window)) }));
  }

  advanceProcessingTimeFor(time: number, window: W): TriggerResult {
    return single(this.advanceProcessingTime(time), window);
  }

  /** Sets processing time without firing timers (the time elements see). */
  setProcessingTime(time: number): void {
    this.processingTime = time;
  }

  /** Calls onEventTime directly, as a cleanup timer of the operator would. */
  invokeOnEventTime(timestamp: number, window: W): TriggerResult {
    return this.trigger.onEventTime(timestamp, window, this.context(window));
  }

  /** Calls onProcessingTime directly. */
  invokeOnProcessingTime(timestamp: number, window: W): TriggerResult {
    return this.trigger.onProcessingTime(timestamp, window, this.context(window));
  }

  /** onMerge() for the merge result, then clear() of every merged window, as the operator does. */
  mergeWindows(targetWindow: W, mergedWindows: W[]): void {
    this.trigger.onMerge(targetWindow, this.mergeContext(targetWindow, mergedWindows));
    for (const mergedWindow of mergedWindows) this.clearTriggerState(mergedWindow);
  }

  clearTriggerState(window: W): void {
    this.trigger.clear(window, this.context(window));
  }

  private context(window: W): TriggerContext {
    const getPartitionedState = <D extends StateDescriptor<any>>(descriptor: D): StateFor<D> => this.stateFor(descriptor, window) as StateFor<D>;
    return {
      getCurrentProcessingTime: () => this.processingTime,
      getMetricGroup: () => null as unknown as MetricGroup,
      getCurrentWatermark: () => this.watermark,
      registerProcessingTimeTimer: (time) => this.processingTimers.add(window, time),
      registerEventTimeTimer: (time) => this.eventTimers.add(window, time),
      deleteProcessingTimeTimer: (time) => this.processingTimers.delete(window, time),
      deleteEventTimeTimer: (time) => this.eventTimers.delete(window, time),
      getPartitionedState,
    };
  }

  private mergeContext(target: W, sources: W[]): OnMergeContext {
    return {
      ...this.context(target),
      mergePartitionedState: (descriptor: MergingStateDescriptor) => this.mergeState(descriptor, target, sources),
    };
  }

  private table(name: string): Map<string, unknown> {
    let table = this.states.get(name);
    if (table === undefined) {
      table = new Map();
      this.states.set(name, table);
    }
    return table;
  }

  private stateFor(descriptor: StateDescriptor<any>, window: W): unknown {
    const table = this.table(descriptor.name);
    const key = window.key();
    const clear = () => {
      table.delete(key);
      if (table.size === 0) this.states.delete(descriptor.name);
    };
    const put = (value: unknown) => this.table(descriptor.name).set(key, value);
    const current = () => this.states.get(descriptor.name)?.get(key);
    if (descriptor instanceof ValueStateDescriptor) {
      return {
        value: () => (current() === undefined ? descriptor.defaultValue : current()),
        update: (v: unknown) => (v === undefined || v === null ? clear() : put(v)),
        clear,
      };
    }
    if (descriptor instanceof ReducingStateDescriptor) {
      const reduce = resolveMethod<(a: unknown, b: unknown) => unknown>(descriptor.reduceFunction, 'reduce', 'reduce function');
      return { get: current, add: (v: unknown) => put(current() === undefined ? v : reduce(current(), v)), clear };
    }
    if (descriptor instanceof ListStateDescriptor) {
      return {
        get: current,
        add: (v: unknown) => put([...((current() as unknown[]) ?? []), v]),
        addAll: (vs: Iterable<unknown>) => put([...((current() as unknown[]) ?? []), ...vs]),
        update: (vs: Iterable<unknown>) => ([...vs].length === 0 ? clear() : put([...vs])),
        clear,
      };
    }
    if (descriptor instanceof AggregatingStateDescriptor) {
      const fn = descriptor.aggregateFunction;
      return {
        get: () => (current() === undefined ? undefined : fn.getResult(current())),
        add: (v: unknown) => put(fn.add(v, current() === undefined ? fn.createAccumulator() : current())),
        clear,
      };
    }
    throw new Error(`The trigger harness has no ${descriptor.type} state`);
  }

  private mergeState(descriptor: MergingStateDescriptor, target: W, sources: W[]): void {
    const table = this.table(descriptor.name);
    let merged = table.get(target.key());
    for (const source of sources) {
      if (source.key() === target.key()) continue;
      const value = table.get(source.key());
      if (value === undefined) continue;
      table.delete(source.key());
      if (merged === undefined) merged = value;
      else if (descriptor instanceof ReducingStateDescriptor) merged = resolveMethod<(a: unknown, b: unknown) => unknown>(descriptor.reduceFunction, 'reduce', 'reduce function')(merged, value);
      else if (descriptor instanceof ListStateDescriptor) merged = [...(merged as unknown[]), ...(value as unknown[])];
      else merged = descriptor.aggregateFunction.merge(merged, value);
    }
    if (merged !== undefined) table.set(target.key(), merged);
    if (table.size === 0) this.states.delete(descriptor.name);
  }
}

function single<W extends Window>(firings: Firing<W>[], window: W): TriggerResult {
  if (firings.length !== 1) throw new Error(`Must have exactly one timer firing. Fired timers: ${firings.map((f) => `${String(f.window)}=${String(f.result)}`).join(', ')}`);
  if (!firings[0].window.equals(window)) throw new Error(`Trigger fired for another window: ${String(firings[0].window)}`);
  return firings[0].result;
}
