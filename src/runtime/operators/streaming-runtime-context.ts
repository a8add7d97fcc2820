/*
 * The RuntimeContext of one operator in one subtask: task and job info, this subtask's
 * accumulators (merged by the job at the end) and the operator's metric group.
 */
import { illegalState } from '../../errors.ts';
import { DoubleCounter, Histogram, IntCounter, LongCounter, type Accumulator } from '../../api/common/accumulators.ts';
import type { JobInfo, OpenContext, RuntimeContext, TaskInfo } from '../../api/common/runtime-context.ts';
import type { MetricGroup } from '../metrics/metric-group.ts';

export class StreamingRuntimeContext implements RuntimeContext, OpenContext {
  private readonly taskInfo: TaskInfo;
  private readonly jobInfo: JobInfo;
  private readonly accumulators: Map<string, Accumulator<unknown, unknown>>;
  private readonly metricGroup: MetricGroup;

  constructor(taskInfo: TaskInfo, jobInfo: JobInfo, accumulators: Map<string, Accumulator<unknown, unknown>>, metricGroup: MetricGroup) {
    this.taskInfo = taskInfo;
    this.jobInfo = jobInfo;
    this.accumulators = accumulators;
    this.metricGroup = metricGroup;
  }

  getRuntimeContext(): RuntimeContext {
    return this;
  }
  getTaskInfo(): TaskInfo {
    return this.taskInfo;
  }
  getJobInfo(): JobInfo {
    return this.jobInfo;
  }
  getIndexOfThisSubtask(): number {
    return this.taskInfo.indexOfThisSubtask;
  }
  getNumberOfParallelSubtasks(): number {
    return this.taskInfo.numberOfParallelSubtasks;
  }
  getMaxNumberOfParallelSubtasks(): number {
    return this.taskInfo.maxNumberOfParallelSubtasks;
  }
  getAttemptNumber(): number {
    return this.taskInfo.attemptNumber;
  }
  getTaskName(): string {
    return this.taskInfo.taskName;
  }
  getTaskNameWithSubtasks(): string {
    return this.taskInfo.taskNameWithSubtasks;
  }
  getMetricGroup(): MetricGroup {
    return this.metricGroup;
  }

  addAccumulator<V, R>(name: string, accumulator: Accumulator<V, R>): void {
    if (this.accumulators.has(name)) {
      throw illegalState(`The accumulator '${name}' already exists and cannot be added a second time in ${this.taskInfo.taskNameWithSubtasks}`);
    }
    this.accumulators.set(name, accumulator as Accumulator<unknown, unknown>);
  }

  getAccumulator<V, R>(name: string): Accumulator<V, R> | undefined {
    return this.accumulators.get(name) as Accumulator<V, R> | undefined;
  }

  getIntCounter(name: string): Accumulator<number, number> {
    return this.getOrAdd(name, () => new IntCounter());
  }
  getLongCounter(name: string): Accumulator<number, number> {
    return this.getOrAdd(name, () => new LongCounter());
  }
  getDoubleCounter(name: string): Accumulator<number, number> {
    return this.getOrAdd(name, () => new DoubleCounter());
  }
  getHistogram(name: string): Accumulator<number, Map<number, number>> {
    return this.getOrAdd(name, () => new Histogram());
  }

  private getOrAdd<A extends Accumulator<any, any>>(name: string, create: () => A): A {
    let acc = this.accumulators.get(name);
    if (acc === undefined) {
      acc = create();
      this.accumulators.set(name, acc);
    }
    return acc as A;
  }
}
