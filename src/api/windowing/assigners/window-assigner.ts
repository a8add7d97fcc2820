/*
 * WindowAssigner: puts each element into zero or more windows. The window operator groups the
 * elements of a key by window (a pane) and evaluates a pane when its trigger fires. Assigners are
 * stateless and shared by all keys; the default trigger, the window serializer and whether windows
 * follow event time come from the assigner.
 */
import type { TypeSerializer } from '../../../runtime/serialization/type-serializer.ts';
import { FlinkError, ErrorCodes } from '../../../errors.ts';
import type { Trigger } from '../triggers/trigger.ts';
import type { Window } from '../windows/window.ts';

/** What an assigner may ask of the operator that runs it. */
export interface WindowAssignerContext {
  /** The current processing time of the task. */
  getCurrentProcessingTime(): number;
}

export abstract class WindowAssigner<T, W extends Window> {
  /**
   * The windows the element belongs to; `timestamp` is the element's event time (if any). Callers
   * must not modify the returned array: an assigner may return the same array again.
   */
  abstract assignWindows(element: T, timestamp: number, context: WindowAssignerContext): W[];

  /** The trigger used when the user sets none. */
  abstract getDefaultTrigger(): Trigger<T, W>;

  /** The serializer of the assigned windows (state namespaces, merging window sets). */
  abstract getWindowSerializer(): TypeSerializer<W>;

  /** True if windows follow event time (the operator then drops and side-outputs late elements). */
  abstract isEventTime(): boolean;
}

/**
 * The error of an event-time assigner given an element without a timestamp (Flink's
 * Long.MIN_VALUE marker, NO_TIMESTAMP here).
 */
export function missingTimestampError(): FlinkError {
  return new FlinkError(
    ErrorCodes.FLINK_TS_INVALID_PIPELINE,
    "Record has Long.MIN_VALUE timestamp (= no timestamp marker). Is the time characteristic set to 'ProcessingTime', or did you forget to call 'DataStream.assignTimestampsAndWatermarks(...)'?",
  );
}

/**
 * True if the element carries an event-time timestamp: Flink's `timestamp > Long.MIN_VALUE`, so
 * NO_TIMESTAMP (-Infinity), Number.MIN_SAFE_INTEGER and NaN all mean none.
 */
export function hasTimestamp(timestamp: number): boolean {
  return timestamp > Number.MIN_SAFE_INTEGER;
}
