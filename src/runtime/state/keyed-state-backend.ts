/*
 * The contract of a keyed state backend (heap or RocksDB): one per keyed operator and subtask,
 * owning the key groups of the subtask's range. The operator sets the current key before each
 * record or timer; states created from descriptors then read and write that key's entry, in the
 * current namespace (VOID_NAMESPACE outside windows). Snapshots are key-group partitioned so that
 * any set of key groups can be restored into another subtask (rescaling), and their slow part runs
 * off the processing path. The backend also holds the operator's timers (getTimerQueue), so
 * they are part of its snapshots as in Flink.
 */
import type { State } from '../../api/state/state.ts';
import type { StateDescriptor } from '../../api/state/state-descriptor.ts';
import type { KeyGroupRange } from './key-group-range.ts';
import type { KeyedStateSnapshot } from './snapshot/keyed-state-snapshot.ts';
import type { InternalTimerQueue } from './timers/timer-queue.ts';
import type { TypeSerializer } from '../serialization/type-serializer.ts';

/** The namespace of state that is not scoped to a window. */
export const VOID_NAMESPACE = Symbol.for('flink-ts.VoidNamespace');
export type Namespace = typeof VOID_NAMESPACE | unknown;

/** What the runtime sees of a state beyond the user interface. */
export interface InternalKvState<N = Namespace> extends State {
  readonly descriptor: StateDescriptor<unknown>;
  /** Scopes later calls to this namespace (a window); VOID_NAMESPACE by default. */
  setCurrentNamespace(namespace: N): void;
  /** Merges the state of `sources` into `target` for the current key (merging windows). */
  mergeNamespaces(target: N, sources: readonly N[]): void;
}

/** A snapshot whose synchronous part is done; `materialize` does the slow part asynchronously. */
export interface SnapshotRunner {
  readonly checkpointId: number;
  materialize(): Promise<KeyedStateSnapshot>;
}

export interface KeyedStateBackendStatistics {
  /** State entries over all states and key groups (approximate on RocksDB). */
  readonly numEntries: number;
  /** Backend-specific figures with Flink's metric names (e.g. rocksdb.cur-size-all-mem-tables). */
  readonly metrics: Readonly<Record<string, number>>;
}

export interface KeyedStateBackend {
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
  /** 'hashmap' or 'rocksdb'. */
  readonly type: string;

  setCurrentKey(key: unknown): void;
  getCurrentKey(): unknown;
  /** The absolute key group of the current key. */
  getCurrentKeyGroup(): number;
  /** Throws FLINK_TS_ILLEGAL_STATE saying `what` needs a key when no key is set. */
  requireKey(what: string): void;

  /** The state for a descriptor, created on first use; the same object on later calls. */
  getPartitionedState<S extends State>(descriptor: StateDescriptor<any>): S & InternalKvState;

  /**
   * The timer queue `name` (timerQueueName(): `_timer_state/event_<service>` or
   * `_timer_state/processing_<service>`), created on first use with the timers restored for it;
   * the same object on later calls. Timer queues are snapshotted and restored with the states;
   * `namespaceSerializer` writes their namespaces (a NamespaceSerializer over the window
   * serializer in window operators, NamespaceSerializer.DEFAULT otherwise).
   */
  getTimerQueue(name: string, namespaceSerializer: TypeSerializer<unknown>): InternalTimerQueue;

  /** Whether the timer queue `name` exists: created, or restored and waiting to be created. */
  hasTimerQueue(name: string): boolean;

  /** Keys that have an entry in the named state under the namespace (Flink's getKeys). */
  getKeys(stateName: string, namespace?: Namespace): Iterable<unknown>;

  /** Takes the synchronous part of a snapshot of every state in the backend's key-group range. */
  snapshot(checkpointId: number): SnapshotRunner;

  /** Loads the key groups of the snapshots that fall into this backend's range; others are skipped. */
  restore(snapshots: readonly KeyedStateSnapshot[]): Promise<void>;

  getStatistics(): KeyedStateBackendStatistics;

  /** Releases resources (files, native handles). The backend cannot be used afterwards. */
  dispose(): Promise<void>;
}

export interface KeyedStateBackendParameters {
  readonly jobId: string;
  /** The operator's uid or a stable id derived from it; names the backend's files. */
  readonly operatorIdentifier: string;
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
  readonly subtaskIndex: number;
  /** "operator 'X' (subtask i/n)", for error messages. */
  readonly where: string;
}

/** A state backend: the factory of keyed state backends, chosen per job. */
export interface StateBackend {
  readonly type: string;
  createKeyedStateBackend(parameters: KeyedStateBackendParameters): KeyedStateBackend | Promise<KeyedStateBackend>;
}
