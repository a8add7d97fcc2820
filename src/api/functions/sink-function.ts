/*
 * Sinks, in both of Flink's forms: the SinkFunction (one invoke per record; RichSinkFunction adds
 * open/close and the runtime context) and Sink V2 (a Sink creates one SinkWriter per subtask, which
 * writes, flushes at end of input and closes). invoke and write may return a promise: the operator
 * then keeps the calls of a subtask strictly in order and applies backpressure, and a checkpoint
 * waits for the pending ones.
 *
 * A Sink V2 may also commit (Flink's TwoPhaseCommittingSink / SupportsCommitter): its writer
 * hands over committables at each checkpoint (prepareCommit), they become part of the checkpoint,
 * and the sink's Committer commits them once the checkpoint completed, or on recovery. A writer
 * with state (Flink's StatefulSinkWriter) snapshots it at each checkpoint and is restored by
 * restoreWriter(). Committables and writer state are kept in operator state (MessagePack): plain
 * data.
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
  /** A stateful sink: the writer of a restored subtask, from the writer states given to it. */
  restoreWriter?(context: WriterInitContext, recoveredState: readonly unknown[]): SinkWriter<T> | Promise<SinkWriter<T>>;
  /** A committing sink: the committer of a subtask, which commits its writer's committables. */
  createCommitter?(context: WriterInitContext): Committer<unknown> | Promise<Committer<unknown>>;
}

/** Flink's CommittingSinkWriter: a writer whose output becomes visible only when committed. */
export interface CommittingSinkWriter<T, CommT> extends SinkWriter<T> {
  /** Before a checkpoint's barrier (after flush(false)) and at end of input: what to commit. */
  prepareCommit(): CommT[] | Promise<CommT[]>;
}

/** Flink's StatefulSinkWriter: a writer whose state is part of each checkpoint. */
export interface StatefulSinkWriter<T, WriterStateT> extends SinkWriter<T> {
  snapshotState(checkpointId: number): WriterStateT[] | Promise<WriterStateT[]>;
}

/** One committable handed to a Committer, and what became of it (Flink's Committer.CommitRequest). */
export interface CommitRequest<CommT> {
  getCommittable(): CommT;
  /** How often this committable was retried (retryLater) before. */
  getNumberOfRetries(): number;
  /** The commit failed for a known reason: the job fails with it. */
  signalFailedWithKnownReason(error: unknown): void;
  signalFailedWithUnknownReason(error: unknown): void;
  /** Try again with the next checkpoint's commit. */
  retryLater(): void;
  updateAndRetryLater(committable: CommT): void;
  /** It had been committed before (a commit repeated on recovery). */
  signalAlreadyCommitted(): void;
}

/** Flink's Committer: commits must be idempotent, as recovery repeats those not known to be done. */
export interface Committer<CommT> {
  commit(requests: readonly CommitRequest<CommT>[]): void | Promise<void>;
  close(): void | Promise<void>;
}
