/*
 * RuntimeContext: what a rich user function sees of the subtask it runs in (task and job info,
 * accumulators, metrics). State getters join it with the state backends.
 */
import type { Accumulator } from './accumulators.ts';
import type { MetricGroup } from '../../runtime/metrics/metric-group.ts';

export interface TaskInfo {
  readonly taskName: string;
  readonly taskNameWithSubtasks: string;
  readonly indexOfThisSubtask: number;
  readonly numberOfParallelSubtasks: number;
  readonly maxNumberOfParallelSubtasks: number;
  readonly attemptNumber: number;
}

export interface JobInfo {
  readonly jobId: string;
  readonly jobName: string;
}

export interface RuntimeContext {
  getTaskInfo(): TaskInfo;
  getJobInfo(): JobInfo;
  getIndexOfThisSubtask(): number;
  getNumberOfParallelSubtasks(): number;
  getMaxNumberOfParallelSubtasks(): number;
  getAttemptNumber(): number;
  getTaskName(): string;
  getTaskNameWithSubtasks(): string;
  addAccumulator<V, R>(name: string, accumulator: Accumulator<V, R>): void;
  getAccumulator<V, R>(name: string): Accumulator<V, R> | undefined;
  getIntCounter(name: string): Accumulator<number, number>;
  getLongCounter(name: string): Accumulator<number, number>;
  getDoubleCounter(name: string): Accumulator<number, number>;
  getHistogram(name: string): Accumulator<number, Map<number, number>>;
  getMetricGroup(): MetricGroup;
}

/** Passed to `open()`; Flink 1.19+ replaced `open(Configuration)` by `open(OpenContext)`. */
export interface OpenContext {
  getRuntimeContext(): RuntimeContext;
}
