/*
 * CheckpointedFunction: a user function that keeps operator state (state of its parallel instance
 * rather than of a key), as Flink's. The runtime calls initializeState() before open(): there the
 * function registers its state with descriptors and, when the job resumes from a checkpoint, finds
 * what it had — redistributed over the subtasks when the parallelism changed. snapshotState() is
 * called when a checkpoint is taken, just before the state is copied: a function that keeps data in
 * plain fields moves it into its state there. Broadcast state is operator state too: every
 * parallel instance holds the same map.
 */
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../state/state-descriptor.ts';
import type { AggregatingState, ListState, MapState, ReducingState, State, ValueState } from '../state/state.ts';

/** What every reader of a broadcast state may do; processElement() sides only get this. */
export interface ReadOnlyBroadcastState<K, V> {
  get(key: K): V | undefined;
  contains(key: K): boolean;
  keys(): Iterable<K>;
  values(): Iterable<V>;
  /** The entries as frozen [key, value] pairs. */
  immutableEntries(): Iterable<readonly [K, V]>;
  isEmpty(): boolean;
}

/** A broadcast state as its writer (processBroadcastElement) sees it. */
export interface BroadcastState<K, V> extends ReadOnlyBroadcastState<K, V>, State {
  put(key: K, value: V): void;
  putAll(entries: Iterable<readonly [K, V]> | ReadonlyMap<K, V>): void;
  remove(key: K): void;
  entries(): Iterable<[K, V]>;
}

/** Flink's OperatorStateStore: the operator state of one parallel instance. */
export interface OperatorStateStore {
  /** A list redistributed round-robin (an even split) over the subtasks when the parallelism changes. */
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  /** A list of which every subtask gets the union of all subtasks' elements on restore. */
  getUnionListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  /** A map that every subtask holds a copy of. */
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V>;
  getRegisteredStateNames(): ReadonlySet<string>;
  getRegisteredBroadcastStateNames(): ReadonlySet<string>;
}

/** Keyed state, as the runtime context offers it; only operators after keyBy() have one. */
export interface KeyedStateStore {
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

export interface FunctionInitializationContext {
  /** True when the operator was restored from a checkpoint or savepoint. */
  isRestored(): boolean;
  getOperatorStateStore(): OperatorStateStore;
  /** Undefined unless the operator is keyed. */
  getKeyedStateStore(): KeyedStateStore | undefined;
}

export interface FunctionSnapshotContext {
  getCheckpointId(): number;
  /** When the checkpoint was triggered, in epoch milliseconds. */
  getCheckpointTimestamp(): number;
}

export interface CheckpointedFunction {
  snapshotState(context: FunctionSnapshotContext): void | Promise<void>;
  initializeState(context: FunctionInitializationContext): void | Promise<void>;
}

/** Whether a function takes part in checkpoints through snapshotState() and initializeState(). */
export function isCheckpointedFunction(fn: unknown): fn is CheckpointedFunction {
  if (typeof fn !== 'object' || fn === null) return false;
  const f = fn as Record<string, unknown>;
  return typeof f['initializeState'] === 'function' && typeof f['snapshotState'] === 'function';
}
