/*
 * The heap keyed state backend of one keyed operator in one subtask (Flink's
 * HeapKeyedStateBackend): a StateTable per registered state, split by the key groups of the
 * subtask's range, holding values as objects. The operator sets the current key before each
 * record or timer; setCurrentKey computes the key group (hash, murmur) and the Map key
 * (normalizeKey) and caches nothing else, so a state access is one or two Map operations.
 * States with TTL are TTL wrappers (../ttl) over the same heap states holding TtlValues.
 * Snapshots: heap-snapshot-strategy.ts; restore: heap-restore-operation.ts.
 */
import { ErrorCodes, FlinkError, illegalState } from '../../../errors.ts';
import { MapStateDescriptor, type AggregatingStateDescriptor, type ListStateDescriptor, type ReducingStateDescriptor, type StateDescriptor, type ValueStateDescriptor } from '../../../api/state/state-descriptor.ts';
import { StateTypes, type State } from '../../../api/state/state.ts';
import { defaultSerializer } from '../../serialization/msgpack-serializer.ts';
import { computeKeyGroupForKeyHash } from '../key-group-range-assignment.ts';
import type { KeyGroupRange } from '../key-group-range.ts';
import { hashKey, normalizeKey } from '../key-hash.ts';
import {
  VOID_NAMESPACE,
  type InternalKvState,
  type KeyedStateBackend,
  type KeyedStateBackendStatistics,
  type Namespace,
  type SnapshotRunner,
} from '../keyed-state-backend.ts';
import type { KeyedStateSnapshot, StateMetaInfo } from '../snapshot/keyed-state-snapshot.ts';
import { ttlEntryCleaner, type TtlEntryCleaner } from '../ttl/ttl-cleanup.ts';
import { TtlIncrementalCleanup } from '../ttl/ttl-incremental-cleanup.ts';
import { createStateWithTtlIfEnabled, isTtlEnabled } from '../ttl/ttl-state-factory.ts';
import { TtlTimeProvider } from '../ttl/ttl-time-provider.ts';
import { HeapAggregatingState } from './heap-aggregating-state.ts';
import { HeapListState } from './heap-list-state.ts';
import { HeapMapState } from './heap-map-state.ts';
import { applyRestoredState, mergeRestoredStates, readSnapshots } from './heap-restore-operation.ts';
import { HeapReducingState } from './heap-reducing-state.ts';
import { HeapSnapshotRunner, type RestoredState } from './heap-snapshot-strategy.ts';
import { HeapValueState } from './heap-value-state.ts';
import { checkReregistration, stateMetaInfo } from './registered-state-meta.ts';
import { denormalizeKey, namespaceKey, type NormalizedKey } from './state-keys.ts';
import { StateTable, type CurrentKeyContext } from './state-table.ts';
import { HeapTimerQueue } from '../timers/heap-timer-queue.ts';
import { TIMER_STATE_TYPE, timerStateMetaInfo } from '../timers/timer-queue.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';
import { checkNotTimerStateName, checkRestoredTimerMeta, readTimerEntry } from '../timers/timer-snapshot.ts';

export interface HeapKeyedStateBackendOptions {
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
  /** "operator 'X' (subtask i/n)", for error messages. */
  readonly where?: string;
  /** The clock of state TTL; Date.now() by default. */
  readonly ttlTimeProvider?: TtlTimeProvider;
}

interface RegisteredState {
  readonly descriptor: StateDescriptor<unknown>;
  readonly state: State & InternalKvState;
  readonly table: StateTable<unknown>;
  readonly meta: StateMetaInfo;
  /** Full-snapshot TTL cleanup, or null. */
  readonly snapshotCleaner: TtlEntryCleaner | null;
}

const STATE_TYPES = new Set<string>(Object.values(StateTypes));

export class HeapKeyedStateBackend implements KeyedStateBackend, CurrentKeyContext {
  readonly type = 'hashmap';
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
  readonly where: string;
  readonly ttlTimeProvider: TtlTimeProvider;
  currentKey: unknown = undefined;
  currentNormalizedKey: NormalizedKey = 0;
  /** Index of the current key's group within this backend's range; -1 before the first key. */
  currentKeyGroupIndex = -1;
  private readonly registered = new Map<string, RegisteredState>();
  /** Restored states not registered yet (values still bytes). */
  private readonly restored = new Map<string, RestoredState>();
  private readonly timerQueues = new Map<string, HeapTimerQueue>();
  /** Run on every setCurrentKey: incremental TTL cleanup with runCleanupForEveryRecord. */
  private readonly keySelectionListeners: (() => void)[] = [];
  private disposed = false;

  constructor(options: HeapKeyedStateBackendOptions) {
    this.keyGroupRange = options.keyGroupRange;
    this.maxParallelism = options.maxParallelism;
    this.where = options.where ?? 'the keyed state backend';
    this.ttlTimeProvider = options.ttlTimeProvider ?? TtlTimeProvider.DEFAULT;
  }

  // ---- the current key ------------------------------------------------------------------------

  setCurrentKey(key: unknown): void {
    const keyGroup = computeKeyGroupForKeyHash(hashKey(key, this.where), this.maxParallelism);
    const index = keyGroup - this.keyGroupRange.startKeyGroup;
    if (index < 0 || index >= this.keyGroupRange.numberOfKeyGroups) {
      throw illegalState(
        `Key ${String(key)} belongs to key group ${keyGroup}, which is not in ${this.where}'s range ${this.keyGroupRange.toString()}: ` +
          'the key selector must return the same key for a record on every call',
      );
    }
    this.currentKey = key;
    this.currentNormalizedKey = normalizeKey(key);
    this.currentKeyGroupIndex = index;
    const listeners = this.keySelectionListeners;
    if (listeners.length !== 0) for (let i = 0; i < listeners.length; i++) listeners[i]!();
  }

  getCurrentKey(): unknown {
    return this.currentKey;
  }

  getCurrentKeyGroup(): number {
    return this.currentKeyGroupIndex < 0 ? -1 : this.keyGroupRange.startKeyGroup + this.currentKeyGroupIndex;
  }

  requireKey(what: string): void {
    if (this.currentKeyGroupIndex < 0) throw this.noKeyError(what);
  }

  noKeyError(what: string): FlinkError {
    return new FlinkError(
      ErrorCodes.FLINK_TS_ILLEGAL_STATE,
      `${what} in ${this.where} was used without a current key: keyed state and timers can only be used while a record or timer of a keyed stream ` +
        'is processed (no key is set outside of a keyed context, e.g. in open() or close())',
      { context: { where: this.where } },
    );
  }

  // ---- states ---------------------------------------------------------------------------------

  getPartitionedState<S extends State>(descriptor: StateDescriptor<any>): S & InternalKvState {
    const existing = this.registered.get(descriptor?.name);
    if (existing !== undefined) {
      if (existing.descriptor !== descriptor) checkReregistration(existing.descriptor, descriptor, this.where);
      return existing.state as S & InternalKvState;
    }
    return this.register(descriptor).state as S & InternalKvState;
  }

  private register(descriptor: StateDescriptor<unknown>): RegisteredState {
    if (this.disposed) throw illegalState(`The keyed state backend of ${this.where} is disposed`);
    if (typeof descriptor !== 'object' || descriptor === null || typeof descriptor.name !== 'string' || !STATE_TYPES.has(descriptor.type)) {
      throw new TypeError(`Keyed state needs a state descriptor (ValueStateDescriptor, ListStateDescriptor, ...), got ${String(descriptor)}`);
    }
    checkNotTimerStateName(descriptor.name, this.where);
    const ttlConfig = isTtlEnabled(descriptor) ? descriptor.ttlConfig! : null;
    let table: StateTable<unknown> | undefined;
    let onAccess: (() => void) | null = null;
    const incremental = ttlConfig?.cleanupStrategies.incremental ?? null;
    if (incremental !== null) {
      const cleanup = new TtlIncrementalCleanup(incremental.cleanupSize, { cleanupSome: (n, now) => table!.cleanupSome(n, now) }, this.ttlTimeProvider);
      onAccess = () => cleanup.stateAccessed();
    }
    const state = createStateWithTtlIfEnabled(
      descriptor,
      (internal) => {
        table = this.createTable(internal);
        return createHeapState(internal, table);
      },
      { timeProvider: this.ttlTimeProvider, onAccess },
    );
    if (ttlConfig !== null) table!.ttlCleaner = ttlEntryCleaner(descriptor.type, ttlConfig.ttlMillis);
    const registered: RegisteredState = {
      descriptor,
      state,
      table: table!,
      meta: stateMetaInfo(descriptor),
      snapshotCleaner: ttlConfig !== null && ttlConfig.cleanupStrategies.fullSnapshot ? table!.ttlCleaner : null,
    };
    const restored = this.restored.get(descriptor.name);
    if (restored !== undefined) {
      applyRestoredState(restored, descriptor, table!, this, this.ttlTimeProvider.currentTimestamp());
      this.restored.delete(descriptor.name);
    }
    if (incremental?.runCleanupForEveryRecord === true) this.keySelectionListeners.push(onAccess!);
    this.registered.set(descriptor.name, registered);
    return registered;
  }

  private createTable(descriptor: StateDescriptor<any>): StateTable<unknown> {
    const serializer = descriptor.serializer ?? defaultSerializer();
    let copyValue: (value: any) => unknown;
    switch (descriptor.type) {
      case StateTypes.LIST:
        copyValue = (list: unknown[]) => list.map((e) => serializer.copy(e));
        break;
      case StateTypes.MAP:
        copyValue = (map: Map<unknown, unknown>) => {
          const out = new Map<unknown, unknown>();
          for (const [k, v] of map) out.set(k, serializer.copy(v));
          return out;
        };
        break;
      default:
        copyValue = (value: unknown) => serializer.copy(value);
    }
    return new StateTable<unknown>({
      name: descriptor.name,
      type: descriptor.type,
      numberOfKeyGroups: this.keyGroupRange.numberOfKeyGroups,
      keyContext: this,
      valueSerializer: serializer,
      userKeySerializer: descriptor instanceof MapStateDescriptor ? (descriptor.keySerializer ?? defaultSerializer()) : null,
      copyValue,
    });
  }

  // ---- timers ---------------------------------------------------------------------------------

  getTimerQueue(name: string, namespaceSerializer: TypeSerializer<unknown>): HeapTimerQueue {
    let queue = this.timerQueues.get(name);
    if (queue !== undefined) return queue;
    if (this.disposed) throw illegalState(`The keyed state backend of ${this.where} is disposed`);
    queue = new HeapTimerQueue(this, namespaceSerializer);
    const restored = this.restored.get(name);
    if (restored !== undefined) {
      this.applyRestoredTimers(queue, restored);
      this.restored.delete(name);
    }
    this.timerQueues.set(name, queue);
    return queue;
  }

  hasTimerQueue(name: string): boolean {
    return this.timerQueues.has(name) || this.restored.get(name)?.meta.type === TIMER_STATE_TYPE;
  }

  private applyRestoredTimers(queue: HeapTimerQueue, restored: RestoredState): void {
    const readNamespace = checkRestoredTimerMeta(restored.meta, queue.namespaceSerializer, this.where);
    const where = `timer queue '${restored.meta.name}' of ${this.where}`;
    for (const entries of restored.groups) {
      if (entries === undefined) continue;
      for (const e of entries) {
        const timer = readTimerEntry(e.keyBytes, e.namespaceBytes, e.value, readNamespace, where);
        queue.addTimer(timer.key, timer.namespace, timer.timestamp);
      }
    }
  }

  getKeys(stateName: string, namespace: Namespace = VOID_NAMESPACE): Iterable<unknown> {
    const registered = this.registered.get(stateName);
    if (registered === undefined) return [];
    const ns = namespaceKey(namespace);
    const table = registered.table;
    const keys: unknown[] = [];
    if (ns !== VOID_NAMESPACE) {
      const inner = table.namespaces.get(ns);
      if (inner !== undefined) for (const key of inner.keys()) keys.push(denormalizeKey(key));
      return keys;
    }
    for (let i = 0; i < this.keyGroupRange.numberOfKeyGroups; i++) {
      const group = table.voidGroups[i];
      if (group !== undefined) for (const key of group.keys()) keys.push(denormalizeKey(key));
    }
    return keys;
  }

  // ---- snapshots ------------------------------------------------------------------------------

  snapshot(checkpointId: number): SnapshotRunner {
    if (this.disposed) throw illegalState(`The keyed state backend of ${this.where} is disposed`);
    const states = [...this.registered.values()].map((r) => ({ meta: r.meta, table: r.table, snapshot: r.table.snapshot(), cleaner: r.snapshotCleaner }));
    const timers = [...this.timerQueues].map(([name, queue]) => ({ meta: timerStateMetaInfo(name, queue.namespaceSerializer), namespaceSerializer: queue.namespaceSerializer, timers: queue.timers() }));
    return new HeapSnapshotRunner({
      timers,
      checkpointId,
      keyGroupRange: this.keyGroupRange,
      maxParallelism: this.maxParallelism,
      where: this.where,
      states,
      restored: [...this.restored.values()],
      now: this.ttlTimeProvider.currentTimestamp(),
    });
  }

  async restore(snapshots: readonly KeyedStateSnapshot[]): Promise<void> {
    if (this.disposed) throw illegalState(`The keyed state backend of ${this.where} is disposed`);
    const read = readSnapshots(snapshots, this);
    const now = this.ttlTimeProvider.currentTimestamp();
    for (const [name, restored] of read) {
      const registered = this.registered.get(name);
      const queue = this.timerQueues.get(name);
      if (registered !== undefined) {
        applyRestoredState(restored, registered.descriptor, registered.table, this, now);
      } else if (queue !== undefined) {
        this.applyRestoredTimers(queue, restored);
      } else {
        const previous = this.restored.get(name);
        this.restored.set(name, previous === undefined ? restored : mergeRestoredStates(previous, restored, this.where));
      }
    }
  }

  // ---- statistics and lifecycle ---------------------------------------------------------------

  getStatistics(): KeyedStateBackendStatistics {
    let numEntries = 0;
    for (const r of this.registered.values()) numEntries += r.table.size();
    for (const r of this.restored.values()) for (const g of r.groups) if (g !== undefined) numEntries += g.length;
    let numTimers = 0;
    for (const queue of this.timerQueues.values()) numTimers += queue.size;
    return {
      numEntries,
      metrics: { 'state.num-registered-states': this.registered.size, 'state.num-restored-unregistered-states': this.restored.size, 'state.num-timers': numTimers },
    };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const r of this.registered.values()) r.table.clearAll();
    this.registered.clear();
    this.restored.clear();
    for (const queue of this.timerQueues.values()) queue.clear();
    this.timerQueues.clear();
    this.keySelectionListeners.length = 0;
    this.currentKeyGroupIndex = -1;
  }
}

function createHeapState(descriptor: StateDescriptor<any>, table: StateTable<any>): State & InternalKvState {
  switch (descriptor.type) {
    case StateTypes.VALUE:
      return new HeapValueState(descriptor as ValueStateDescriptor<unknown>, table);
    case StateTypes.LIST:
      return new HeapListState(descriptor as ListStateDescriptor<unknown>, table);
    case StateTypes.MAP:
      return new HeapMapState(descriptor as MapStateDescriptor<unknown, unknown>, table);
    case StateTypes.REDUCING:
      return new HeapReducingState(descriptor as ReducingStateDescriptor<unknown>, table);
    case StateTypes.AGGREGATING:
      return new HeapAggregatingState(descriptor as AggregatingStateDescriptor<unknown, unknown, unknown>, table);
  }
  throw new TypeError(`Unknown state type ${String(descriptor.type)}`);
}
