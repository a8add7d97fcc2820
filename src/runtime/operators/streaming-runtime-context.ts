/*
 * The RuntimeContext of one operator in one subtask: task and job info, this subtask's
 * accumulators (merged by the job at the end), the operator's metric group, and its keyed state,
 * which lives in the operator's keyed state backend (none in a non-keyed operator).
 */
import { VOID_NAMESPACE } from '../state/keyed-state-backend.ts';
import { ErrorCodes, FlinkError, illegalState } from '../../errors.ts';
import type { AggregatingState, ListState, MapState, ReducingState, State, StateType, ValueState } from '../../api/state/state.ts';
import { StateTypes } from '../../api/state/state.ts';
import type { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, StateDescriptor, ValueStateDescriptor } from '../../api/state/state-descriptor.ts';
import type { KeyedStateBackend } from '../state/keyed-state-backend.ts';
import { DoubleCounter, Histogram, IntCounter, LongCounter, type Accumulator } from '../../api/common/accumulators.ts';
import type { JobInfo, OpenContext, RuntimeContext, TaskInfo } from '../../api/common/runtime-context.ts';
import type { MetricGroup } from '../metrics/metric-group.ts';

export class StreamingRuntimeContext implements RuntimeContext, OpenContext {
  private readonly taskInfo: TaskInfo;
  private readonly jobInfo: JobInfo;
  private readonly accumulators: Map<string, Accumulator<unknown, unknown>>;
  private readonly metricGroup: MetricGroup;
  private keyedStateBackend: KeyedStateBackend | null = null;
  private operatorName: string | null = null;
  private readonly checkpointingEnabled: boolean;

  /** `checkpointingEnabled`: the job takes periodic checkpoints (Flink's StreamConfig.isCheckpointingEnabled). */
  constructor(taskInfo: TaskInfo, jobInfo: JobInfo, accumulators: Map<string, Accumulator<unknown, unknown>>, metricGroup: MetricGroup, checkpointingEnabled = false) {
    this.taskInfo = taskInfo;
    this.jobInfo = jobInfo;
    this.accumulators = accumulators;
    this.metricGroup = metricGroup;
    this.checkpointingEnabled = checkpointingEnabled;
  }

  /**
   * Whether the job takes periodic checkpoints (Flink's StreamingRuntimeContext#isCheckpointingEnabled):
   * committing sinks then commit through checkpoints, the last time through the final checkpoint
   * after end of input; without, they commit at end of input.
   */
  isCheckpointingEnabled(): boolean {
    return this.checkpointingEnabled;
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

  /** Called when the operator is set up: its keyed state backend (null when not keyed) and name. */
  setKeyedStateBackend(backend: KeyedStateBackend | null, operatorName: string): void {
    this.keyedStateBackend = backend;
    this.operatorName = operatorName;
  }

  getState<T>(stateProperties: ValueStateDescriptor<T>): ValueState<T> {
    return this.keyedState(stateProperties, StateTypes.VALUE, 'getState', 'ValueStateDescriptor');
  }
  getListState<T>(stateProperties: ListStateDescriptor<T>): ListState<T> {
    return this.keyedState(stateProperties, StateTypes.LIST, 'getListState', 'ListStateDescriptor');
  }
  getMapState<K, V>(stateProperties: MapStateDescriptor<K, V>): MapState<K, V> {
    return this.keyedState(stateProperties, StateTypes.MAP, 'getMapState', 'MapStateDescriptor');
  }
  getReducingState<T>(stateProperties: ReducingStateDescriptor<T>): ReducingState<T> {
    return this.keyedState(stateProperties, StateTypes.REDUCING, 'getReducingState', 'ReducingStateDescriptor');
  }
  getAggregatingState<IN, ACC, OUT>(stateProperties: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT> {
    return this.keyedState(stateProperties, StateTypes.AGGREGATING, 'getAggregatingState', 'AggregatingStateDescriptor');
  }

  private keyedState<S extends State>(descriptor: StateDescriptor<any>, type: StateType, method: string, descriptorClass: string): S {
    const backend = this.keyedStateBackend;
    if (backend === null) {
      const operator = this.operatorName ?? this.taskInfo.taskName;
      throw new FlinkError(
        ErrorCodes.FLINK_TS_ILLEGAL_STATE,
        `Keyed state can only be used on a 'keyed stream', i.e., after a 'keyBy()' operation. Operator '${operator}' ` +
          `(subtask ${this.taskInfo.indexOfThisSubtask + 1}/${this.taskInfo.numberOfParallelSubtasks}) is not keyed but asked for state '${String(descriptor?.name)}'.`,
        { context: { operator, subtask: this.taskInfo.indexOfThisSubtask } },
      );
    }
    if (typeof descriptor !== 'object' || descriptor === null) throw new TypeError(`${method}() needs a ${descriptorClass}, got ${String(descriptor)}`);
    if (descriptor.type !== type) throw new TypeError(`${method}() needs a ${descriptorClass}, got ${String(descriptor)} (a ${String(descriptor.type)} state)`);
    const state = backend.getPartitionedState<S>(descriptor);
    // Key-level state, as Flink's DefaultKeyedStateStore: a window operator may have left the
    // state scoped to a window namespace.
    state.setCurrentNamespace(VOID_NAMESPACE);
    return state;
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
