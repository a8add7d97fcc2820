/*
 * Sinks, in both of Flink's forms: the SinkFunction (one invoke per record; RichSinkFunction adds
 * open/close and the runtime context) and Sink V2 (a Sink creates one SinkWriter per subtask, which
 * writes, flushes at end of input and closes). invoke and write may return a promise: the operator
 * then keeps the calls of a subtask strictly in order and applies backpressure.
 */
import type { FunctionLifecycle } from '../common/functions.ts';
import { AbstractRichFunction } from '../common/rich-functions.ts';
import type { JobInfo, TaskInfo } from '../common/runtime-context.ts';
import type { MetricGroup } from '../../runtime/metrics/metric-group.ts';
import type { ProcessingTimeService } from '../../runtime/tasks/processing-time-service.ts';

/** What a sink sees of the current record; valid only during the call it is passed to. */
export interface SinkContext {
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** The record's timestamp, or null when it has none. */
  timestamp(): number | null;
}

export interface SinkFunction<T> extends FunctionLifecycle {
  invoke(value: T, context: SinkContext): void | Promise<void>;
  /** End of input: called once every invocation has settled. Not called on failure or cancel. */
  finish?(): void | Promise<void>;
}

/** A SinkFunction object, or just its invoke as a plain function. */
export type SinkFunctionLike<T> = SinkFunction<T> | ((value: T, context: SinkContext) => void | Promise<void>);

export abstract class RichSinkFunction<T> extends AbstractRichFunction implements SinkFunction<T> {
  abstract invoke(value: T, context: SinkContext): void | Promise<void>;

  finish(): void | Promise<void> {}
}

// ---- Sink V2 ----

/** Flink's SinkWriter.Context. */
export interface SinkWriterContext {
  currentWatermark(): number;
  timestamp(): number | null;
}

/** What a Sink gets when it creates the writer of one subtask (Flink's WriterInitContext). */
export interface WriterInitContext {
  getSubtaskId(): number;
  getNumberOfParallelSubtasks(): number;
  getAttemptNumber(): number;
  metricGroup(): MetricGroup;
  getTaskInfo(): TaskInfo;
  getJobInfo(): JobInfo;
  getProcessingTimeService(): ProcessingTimeService;
}

export interface SinkWriter<T> {
  write(element: T, context: SinkWriterContext): void | Promise<void>;
  /** Called with endOfInput = true once all input was written; must make every record durable. */
  flush(endOfInput: boolean): void | Promise<void>;
  close(): void | Promise<void>;
}

export interface Sink<T> {
  createWriter(context: WriterInitContext): SinkWriter<T> | Promise<SinkWriter<T>>;
}
