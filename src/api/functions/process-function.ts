/*
 * ProcessFunction: the lowest-level user function of a one-input stream, as Flink's. It sees each
 * record with its timestamp, can emit to side outputs and, on keyed streams only, set timers.
 * The contexts passed in are reused by the operator for every call: read them during the call,
 * do not keep them.
 */
import type { Collector, FunctionLifecycle } from '../common/functions.ts';
import type { OutputTag } from '../common/output-tag.ts';
import { AbstractRichFunction } from '../common/rich-functions.ts';

export const TimeDomain = {
  EVENT_TIME: 'EVENT_TIME',
  PROCESSING_TIME: 'PROCESSING_TIME',
} as const;
export type TimeDomain = (typeof TimeDomain)[keyof typeof TimeDomain];

/** Clocks and timers; timers are per key, so only keyed operators accept register/delete. */
export interface TimerService {
  currentProcessingTime(): number;
  currentWatermark(): number;
  registerEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
}

export interface ProcessFunctionContext {
  /** The timestamp of the current record, or of the firing timer; null when the record has none. */
  timestamp(): number | null;
  timerService(): TimerService;
  /** Emits to a side output, with the timestamp of the current record (or timer). */
  output<X>(outputTag: OutputTag<X>, value: X): void;
}

export interface OnTimerContext extends ProcessFunctionContext {
  timeDomain(): TimeDomain;
}

export abstract class ProcessFunction<I, O> extends AbstractRichFunction {
  abstract processElement(value: I, ctx: ProcessFunctionContext, out: Collector<O>): void;

  onTimer(_timestamp: number, _ctx: OnTimerContext, _out: Collector<O>): void {}
}

/** Any accepted form of a ProcessFunction: a subclass, an object with the same methods, or a plain function. */
export type ProcessFunctionLike<I, O> =
  | ProcessFunction<I, O>
  | ({
      processElement(value: I, ctx: ProcessFunctionContext, out: Collector<O>): void;
      onTimer?(timestamp: number, ctx: OnTimerContext, out: Collector<O>): void;
    } & FunctionLifecycle)
  | ((value: I, ctx: ProcessFunctionContext, out: Collector<O>) => void);
