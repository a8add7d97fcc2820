/*
 * Functions of the broadcast state pattern, as Flink's BroadcastProcessFunction and
 * KeyedBroadcastProcessFunction: one input is broadcast to every parallel instance and may write
 * the broadcast state (processBroadcastElement); the other input is partitioned as usual and may
 * only read it (processElement), so that every instance keeps the same broadcast state. The keyed
 * variant also has keyed state and timers for the non-broadcast side, and can visit the keyed
 * state of every key from the broadcast side (applyToKeyedState). Contexts are reused between
 * calls: read them during the call, do not keep them.
 */
import type { Collector, FunctionLifecycle } from '../common/functions.ts';
import type { OutputTag } from '../common/output-tag.ts';
import { AbstractRichFunction } from '../common/rich-functions.ts';
import type { MapStateDescriptor, StateDescriptor } from '../state/state-descriptor.ts';
import type { State } from '../state/state.ts';
import type { BroadcastState, ReadOnlyBroadcastState } from './checkpointed-function.ts';
import type { TimeDomain, TimerService } from './process-function.ts';

/** What both sides see. */
export interface BaseBroadcastProcessContext {
  /** The timestamp of the current record (or firing timer); null when it has none. */
  timestamp(): number | null;
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** Emits to a side output with the timestamp of the current record. */
  output<X>(outputTag: OutputTag<X>, value: X): void;
}

/** The non-broadcast side: broadcast state is read-only here (put/remove/clear throw). */
export interface ReadOnlyBroadcastContext extends BaseBroadcastProcessContext {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V>;
}

/** The broadcast side: broadcast state is writable. */
export interface BroadcastContext extends BaseBroadcastProcessContext {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V>;
}

export interface KeyedReadOnlyBroadcastContext<K> extends ReadOnlyBroadcastContext {
  timerService(): TimerService;
  getCurrentKey(): K;
}

export interface KeyedBroadcastOnTimerContext<K> extends KeyedReadOnlyBroadcastContext<K> {
  timeDomain(): TimeDomain;
}

/** Called per key by applyToKeyedState, with that key set as the current key of `state`. */
export type KeyedStateFunction<K, S extends State> = (key: K, state: S) => void;

export interface KeyedBroadcastContext<K> extends BroadcastContext {
  /** Calls `fn` for every key that has a value in the keyed state of `descriptor` (Flink's applyToKeyedState). */
  applyToKeyedState<S extends State>(descriptor: StateDescriptor<any>, fn: KeyedStateFunction<K, S>): void;
}

export abstract class BroadcastProcessFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement(value: IN1, ctx: ReadOnlyBroadcastContext, out: Collector<OUT>): void;
  abstract processBroadcastElement(value: IN2, ctx: BroadcastContext, out: Collector<OUT>): void;
}

export abstract class KeyedBroadcastProcessFunction<K, IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement(value: IN1, ctx: KeyedReadOnlyBroadcastContext<K>, out: Collector<OUT>): void;
  abstract processBroadcastElement(value: IN2, ctx: KeyedBroadcastContext<K>, out: Collector<OUT>): void;

  onTimer(_timestamp: number, _ctx: KeyedBroadcastOnTimerContext<K>, _out: Collector<OUT>): void {}
}

export type BroadcastProcessFunctionLike<IN1, IN2, OUT> =
  | BroadcastProcessFunction<IN1, IN2, OUT>
  | ({
      processElement(value: IN1, ctx: ReadOnlyBroadcastContext, out: Collector<OUT>): void;
      processBroadcastElement(value: IN2, ctx: BroadcastContext, out: Collector<OUT>): void;
    } & FunctionLifecycle);

export type KeyedBroadcastProcessFunctionLike<K, IN1, IN2, OUT> =
  | KeyedBroadcastProcessFunction<K, IN1, IN2, OUT>
  | ({
      processElement(value: IN1, ctx: KeyedReadOnlyBroadcastContext<K>, out: Collector<OUT>): void;
      processBroadcastElement(value: IN2, ctx: KeyedBroadcastContext<K>, out: Collector<OUT>): void;
      onTimer?(timestamp: number, ctx: KeyedBroadcastOnTimerContext<K>, out: Collector<OUT>): void;
    } & FunctionLifecycle);
