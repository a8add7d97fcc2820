/*
 * Flink's WindowOperatorBuilder: turns what a WindowedStream (or AllWindowedStream) was told —
 * assigner, trigger, evictor, allowed lateness, late-data tag — and the window function into an
 * operator factory. Without an evictor, reduce and aggregate keep one value per pane
 * (ReducingState / AggregatingState named 'window-contents') and process/apply keep the elements
 * (ListState); with an evictor every pane keeps its elements with their timestamps and an
 * EvictingWindowOperator runs reduce or aggregate over them when the pane fires. User functions
 * are copied per subtask, as Flink deserializes one copy per subtask.
 */
import { ErrorCodes, FlinkError, invalidPipeline } from '../../../errors.ts';
import { copyFunctionForSubtask } from '../../../api/common/function-copy.ts';
import { resolveMethod, type KeySelector, type ReduceFunction } from '../../../api/common/functions.ts';
import type { OutputTag } from '../../../api/common/output-tag.ts';
import { AbstractRichFunction } from '../../../api/common/rich-functions.ts';
import { AggregatingStateDescriptor, ListStateDescriptor, ReducingStateDescriptor } from '../../../api/state/state-descriptor.ts';
import type { AggregateFunction } from '../../../api/state/state.ts';
import { MergingWindowAssigner } from '../../../api/windowing/assigners/merging-window-assigner.ts';
import type { WindowAssigner } from '../../../api/windowing/assigners/window-assigner.ts';
import type { Evictor } from '../../../api/windowing/evictors/evictor.ts';
import type { TimestampedValue } from '../../../api/windowing/evictors/timestamped-value.ts';
import { Trigger } from '../../../api/windowing/triggers/trigger.ts';
import type { Window } from '../../../api/windowing/windows/window.ts';
import type { OperatorFactory } from '../../../graph/transformation.ts';
import { EvictingWindowOperator } from './evicting-window-operator.ts';
import {
  InternalIterableWindowFunction,
  InternalSingleValueWindowFunction,
  aggregateApplyWindowFunctionCall,
  reduceApplyWindowFunctionCall,
  type InternalWindowFunction,
  type WindowFunctionCall,
} from './internal-window-function.ts';
import { WindowOperator } from './window-operator.ts';

const WINDOW_STATE_NAME = 'window-contents';

/** A user window function: the object whose lifecycle the operator drives, and how to call it. */
export interface WindowFunctionSpec<IN, OUT, K, W extends Window> {
  readonly fn: unknown;
  readonly call: (fn: any) => WindowFunctionCall<IN, OUT, K, W>;
}

interface Settings<T, W extends Window> {
  readonly trigger: Trigger<T, W>;
  readonly evictor: Evictor<T, W> | null;
  readonly allowedLateness: number;
  readonly lateDataOutputTag: OutputTag<T> | null;
}

export class WindowOperatorBuilder<T, K, W extends Window> {
  readonly windowAssigner: WindowAssigner<T, W>;
  private readonly keySelector: KeySelector<T, K>;
  private windowTrigger: Trigger<T, W>;
  private windowEvictor: Evictor<T, W> | null = null;
  private lateness = 0;
  private lateDataOutputTag: OutputTag<T> | null = null;

  constructor(windowAssigner: WindowAssigner<T, W>, keySelector: KeySelector<T, K>) {
    this.windowAssigner = windowAssigner;
    this.keySelector = keySelector;
    this.windowTrigger = windowAssigner.getDefaultTrigger();
  }

  trigger(trigger: Trigger<T, W>): void {
    if (!(trigger instanceof Trigger)) throw invalidPipeline(`Window triggers cannot be null; expected a Trigger, got ${String(trigger)}`);
    if (this.windowAssigner instanceof MergingWindowAssigner && !trigger.canMerge()) {
      throw new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, 'A merging window assigner cannot be used with a trigger that does not support merging.');
    }
    this.windowTrigger = trigger;
  }

  allowedLateness(millis: number): void {
    if (!(millis >= 0)) throw invalidPipeline('The allowed lateness cannot be negative.');
    this.lateness = millis;
  }

  sideOutputLateData(outputTag: OutputTag<T>): void {
    if (outputTag === null || outputTag === undefined) throw invalidPipeline('Side output tag must not be null.');
    this.lateDataOutputTag = outputTag;
  }

  evictor(evictor: Evictor<T, W>): void {
    if (evictor === null || evictor === undefined || typeof evictor.evictBefore !== 'function' || typeof evictor.evictAfter !== 'function') {
      throw invalidPipeline(`Evictor cannot be null; expected an object with evictBefore() and evictAfter(), got ${String(evictor)}`);
    }
    this.windowEvictor = evictor;
  }

  getAllowedLateness(): number {
    return this.lateness;
  }

  /** Incremental reduce, then `fn` on the single result. */
  reduce<R>(reduceFunction: ReduceFunction<T>, fn: WindowFunctionSpec<T, R, K, W>): OperatorFactory {
    if (reduceFunction instanceof AbstractRichFunction) throw new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, 'ReduceFunction of apply can not be a RichFunction.');
    resolveMethod(reduceFunction, 'reduce', 'The reduce function');
    const settings = this.settings();
    return (subtask) => {
      const reducer = copyFunctionForSubtask(reduceFunction, subtask);
      const userFunction = copyFunctionForSubtask(fn.fn, subtask);
      const call = fn.call(userFunction);
      if (settings.evictor !== null) return this.evicting(settings, new InternalIterableWindowFunction<T, R, K, W>(reduceApplyWindowFunctionCall(reducer, call)), userFunction);
      const descriptor = new ReducingStateDescriptor<T>(WINDOW_STATE_NAME, reducer);
      return this.plain(settings, descriptor, new InternalSingleValueWindowFunction<T, R, K, W>(call), userFunction);
    };
  }

  /** Incremental aggregation (one accumulator per pane), then `fn` on the single result. */
  aggregate<ACC, V, R>(aggregateFunction: AggregateFunction<T, ACC, V>, fn: WindowFunctionSpec<V, R, K, W>): OperatorFactory {
    if (aggregateFunction instanceof AbstractRichFunction) throw new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, 'This aggregate function cannot be a RichFunction.');
    const methods = ['createAccumulator', 'add', 'getResult', ...(this.windowAssigner instanceof MergingWindowAssigner ? ['merge'] : [])];
    for (const m of methods) {
      if (typeof (aggregateFunction as unknown as Record<string, unknown>)?.[m] !== 'function') {
        throw invalidPipeline(`The AggregateFunction must be an object with ${methods.map((n) => `${n}()`).join(', ')} methods; ${m}() is missing`);
      }
    }
    const settings = this.settings();
    return (subtask) => {
      const aggregator = copyFunctionForSubtask(aggregateFunction, subtask);
      const userFunction = copyFunctionForSubtask(fn.fn, subtask);
      const call = fn.call(userFunction);
      if (settings.evictor !== null) return this.evicting(settings, new InternalIterableWindowFunction<T, R, K, W>(aggregateApplyWindowFunctionCall(aggregator, call)), userFunction);
      const descriptor = new AggregatingStateDescriptor<T, ACC, V>(WINDOW_STATE_NAME, aggregator);
      return this.plain(settings, descriptor, new InternalSingleValueWindowFunction<V, R, K, W>(call), userFunction);
    };
  }

  /** `fn` on all elements of the pane (process and apply). */
  apply<R>(fn: WindowFunctionSpec<T, R, K, W>): OperatorFactory {
    const settings = this.settings();
    return (subtask) => {
      const userFunction = copyFunctionForSubtask(fn.fn, subtask);
      const internal = new InternalIterableWindowFunction<T, R, K, W>(fn.call(userFunction));
      if (settings.evictor !== null) return this.evicting(settings, internal, userFunction);
      return this.plain(settings, new ListStateDescriptor<T>(WINDOW_STATE_NAME), internal, userFunction);
    };
  }

  /** Flink names the operator after the assigner's class. */
  generateOperatorName(): string {
    return this.windowAssigner.constructor.name;
  }

  private settings(): Settings<T, W> {
    return { trigger: this.windowTrigger, evictor: this.windowEvictor, allowedLateness: this.lateness, lateDataOutputTag: this.lateDataOutputTag };
  }

  private plain<ACC, R>(settings: Settings<T, W>, descriptor: ListStateDescriptor<T> | ReducingStateDescriptor<T> | AggregatingStateDescriptor<T, any, any>, fn: InternalWindowFunction<ACC, R, K, W>, userFunction: unknown) {
    return new WindowOperator<K, T, ACC, R, W>({
      // Per subtask: assigners keep per-instance fields (the stagger offset).
      windowAssigner: copyFunctionForSubtask(this.windowAssigner, 1),
      keySelector: this.keySelector,
      windowStateDescriptor: descriptor,
      windowFunction: fn,
      userFunction,
      trigger: settings.trigger,
      allowedLateness: settings.allowedLateness,
      lateDataOutputTag: settings.lateDataOutputTag,
    });
  }

  private evicting<R>(settings: Settings<T, W>, fn: InternalWindowFunction<Iterable<T>, R, K, W>, userFunction: unknown) {
    return new EvictingWindowOperator<K, T, R, W>({
      windowAssigner: copyFunctionForSubtask(this.windowAssigner, 1),
      keySelector: this.keySelector,
      windowStateDescriptor: new ListStateDescriptor<TimestampedValue<T>>(WINDOW_STATE_NAME),
      windowFunction: fn,
      userFunction,
      trigger: settings.trigger,
      evictor: settings.evictor!,
      allowedLateness: settings.allowedLateness,
      lateDataOutputTag: settings.lateDataOutputTag,
    });
  }
}
