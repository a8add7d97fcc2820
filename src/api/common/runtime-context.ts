/*
 * RuntimeContext: what a rich user function sees of the subtask it runs in (task and job info,
 * accumulators, metrics) and its keyed state, scoped to the key of the record or timer being
 * processed (only in operators after keyBy()).
 */
import type { Accumulator } from './accumulators.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../state/state.ts';
import type { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor } from '../state/state-descriptor.ts';
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
  /** Keyed state: the same state object for a descriptor name on every call. */
  getState<T>(stateProperties: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(stateProperties: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(stateProperties: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(stateProperties: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(stateProperties: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

/** Passed to `open()`; Flink 1.19+ replaced `open(Configuration)` by `open(OpenContext)`. */
export interface OpenContext {
  getRuntimeContext(): RuntimeContext;
}
