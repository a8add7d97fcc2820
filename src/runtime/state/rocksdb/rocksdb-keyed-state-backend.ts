/*
 * The RocksDB keyed state backend of one keyed operator subtask (Flink's RocksDBKeyedStateBackend):
 * one database per instance in its own directory, one column family per state, keys laid out as
 * key group | key | namespace (rocksdb-key-layout.ts) so that key-group ranges can be snapshotted,
 * deleted and restored elsewhere. setCurrentKey serializes the key once; states cache the full
 * RocksDB key until the key or their namespace changes.
 */
import type { StateDescriptor } from '../../../api/state/state-descriptor.ts';
import { StateTypes, type State } from '../../../api/state/state.ts';
import { illegalState } from '../../../errors.ts';
import { getLogger } from '../../../utils/logger.ts';
import { KeySerializer } from '../../serialization/key-serializer.ts';
import { NamespaceSerializer } from '../../serialization/namespace-serializer.ts';
import { checkReregistration, stateMetaInfo } from '../heap/registered-state-meta.ts';
import { computeKeyGroupForKeyHash } from '../key-group-range-assignment.ts';
import type { KeyGroupRange } from '../key-group-range.ts';
import { hashKey } from '../key-hash.ts';
import {
  VOID_NAMESPACE,
  type InternalKvState,
  type KeyedStateBackend,
  type KeyedStateBackendParameters,
  type Namespace,
  type SnapshotRunner,
} from '../keyed-state-backend.ts';
import type { KeyedStateSnapshot, StateMetaInfo } from '../snapshot/keyed-state-snapshot.ts';
import { createStateWithTtlIfEnabled, isTtlEnabled } from '../ttl/ttl-state-factory.ts';
import { TtlTimeProvider } from '../ttl/ttl-time-provider.ts';
import type { RocksDBStateContext } from './abstract-rocksdb-state.ts';
import { createRocksDBState } from './rocksdb-state-factory.ts';
import { RocksDBFullSnapshotRunner } from './rocksdb-full-snapshot.ts';
import { INSTANCE_FORMAT, INSTANCE_FORMAT_VERSION, RocksDBInstance, type InstanceIdentity } from './rocksdb-instance.ts';
import { bytesEqual, decodeStateKey, keyGroupStart, serializeKeyPrefix } from './rocksdb-key-layout.ts';
import { createNativeCheckpoint, restoreFromNativeCheckpoint, type NativeCheckpointInfo } from './rocksdb-native-checkpoint.ts';
import { NativeSnapshot, NativeWriteBatch, type ColumnFamilyOptions, type NativeColumnFamily } from './rocksdb-native.ts';
import { restoreFullSnapshots, type RestoredStateTarget, type RestoreTarget } from './rocksdb-restore-operation.ts';
import { restoredStateRewrite, rewriteStoredBytes } from './rocksdb-state-meta.ts';
import { RocksDBStatisticsCollector, type RocksDBStatistics } from './rocksdb-statistics.ts';
import { RocksDBTtlCleanupCursor } from './rocksdb-ttl-cleanup.ts';
import { ttlCleanupHooks } from './rocksdb-ttl.ts';
import { RocksDBTimerQueue } from './rocksdb-timer-queue.ts';
import type { ChangelogOptions } from './rocksdb-changelog.ts';
import {
  RocksDBIncrementalSnapshotStrategy,
  type IncrementalKeyedStateHandle,
  type IncrementalSnapshotRunner,
  type IncrementalSnapshotTarget,
} from './rocksdb-incremental-snapshot.ts';
import { restoreIncrementalHandles } from './rocksdb-incremental-restore.ts';
import { TIMER_STATE_TYPE, timerStateMetaInfo } from '../timers/timer-queue.ts';
import { checkNotTimerStateName, checkRestoredTimerMeta } from '../timers/timer-snapshot.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';

const log = getLogger('rocksdb-state-backend');

/** Flink's defaults (state.backend.rocksdb.writebuffer.size / .count). */
export const DEFAULT_WRITE_BUFFER_SIZE = 64 * 1024 * 1024;
export const DEFAULT_MAX_WRITE_BUFFER_NUMBER = 2;

export interface RocksDBKeyedStateBackendOptions {
  /** The database directory of this instance: missing, empty, or left behind by an earlier run. */
  readonly directory: string;
  /** Column families created besides the states' own. */
  readonly columnFamilies?: readonly string[];
  readonly writeBufferSize?: number;
  readonly maxWriteBufferNumber?: number;
  /** RocksDB background threads (flushes and compactions). */
  readonly parallelismThreads?: number;
  readonly enableStatistics?: boolean;
  readonly ttlTimeProvider?: TtlTimeProvider;
}

interface RegisteredState {
  readonly meta: StateMetaInfo;
  readonly columnFamily: NativeColumnFamily;
  /** Both undefined while the state is restored but not registered again by a descriptor. */
  readonly descriptor: StateDescriptor<unknown> | undefined;
  readonly state: (State & InternalKvState) | undefined;
  /** The TTL of full-snapshot cleanup, or null. */
  readonly snapshotTtlMillis: number | null;
}

const STATE_TYPES = new Set<string>(Object.values(StateTypes));

const KEY_CHUNK = 512;

export class RocksDBKeyedStateBackend implements KeyedStateBackend, RocksDBStateContext, RestoreTarget {
  readonly type = 'rocksdb';
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
  readonly where: string;
  readonly directory: string;
  /** @internal the instance's database; replaced when a native checkpoint is restored into it. */
  instance: RocksDBInstance;
  private readonly parameters: KeyedStateBackendParameters;
  private readonly columnFamilyOptions: ColumnFamilyOptions;
  private readonly extraColumnFamilies: readonly string[];
  private readonly clock: TtlTimeProvider;
  private readonly states = new Map<string, RegisteredState>();
  private readonly timerQueues = new Map<string, RocksDBTimerQueue>();
  private incremental: RocksDBIncrementalSnapshotStrategy | null = null;
  /** Run on every setCurrentKey: incremental TTL cleanup with runCleanupForEveryRecord. */
  private readonly keySelectionListeners: (() => void)[] = [];
  private readonly runners = new Set<RocksDBFullSnapshotRunner>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly statistics: RocksDBStatisticsCollector;
  private readonly keyRangeStart: Uint8Array;
  private readonly keyRangeEnd: Uint8Array;
  keyVersion = 0;
  currentKeyPrefix: Uint8Array = new Uint8Array(0);
  private currentKey: unknown = undefined;
  private currentKeyGroup = -1;
  private disposed = false;

  constructor(parameters: KeyedStateBackendParameters, options: RocksDBKeyedStateBackendOptions) {
    this.parameters = parameters;
    this.keyGroupRange = parameters.keyGroupRange;
    this.maxParallelism = parameters.maxParallelism;
    this.where = parameters.where;
    this.directory = options.directory;
    this.clock = options.ttlTimeProvider ?? TtlTimeProvider.DEFAULT;
    this.extraColumnFamilies = options.columnFamilies ?? [];
    const writeBufferSize = options.writeBufferSize ?? DEFAULT_WRITE_BUFFER_SIZE;
    const maxWriteBufferNumber = options.maxWriteBufferNumber ?? DEFAULT_MAX_WRITE_BUFFER_NUMBER;
    this.columnFamilyOptions = {
      writeBufferSize,
      maxWriteBufferNumber,
      parallelismThreads: options.parallelismThreads ?? 1,
      enableStats: options.enableStatistics ?? false,
      disableWAL: true,
    };
    this.keyRangeStart = keyGroupStart(this.keyGroupRange.startKeyGroup);
    this.keyRangeEnd = keyGroupStart(this.keyGroupRange.endKeyGroup + 1);
    this.statistics = new RocksDBStatisticsCollector({ writeBufferSize, maxWriteBufferNumber });
    this.instance = RocksDBInstance.openFresh(this.directory, this.identity(), this.columnFamilyOptions);
    try {
      this.openExtraColumnFamilies();
    } catch (error) {
      this.instance.destroy();
      throw error;
    }
  }

  /** @internal what this backend writes into its database and checks in checkpoints. */
  identity(): InstanceIdentity {
    const p = this.parameters;
    return {
      format: INSTANCE_FORMAT,
      formatVersion: INSTANCE_FORMAT_VERSION,
      jobId: p.jobId,
      operatorIdentifier: p.operatorIdentifier,
      subtaskIndex: p.subtaskIndex,
      maxParallelism: p.maxParallelism,
      keyGroupRange: { startKeyGroup: this.keyGroupRange.startKeyGroup, endKeyGroup: this.keyGroupRange.endKeyGroup },
    };
  }

  /** @internal */
  openExtraColumnFamilies(): void {
    for (const name of this.extraColumnFamilies) this.instance.columnFamily(name);
  }

  setCurrentKey(key: unknown): void {
    // A primitive key equal to the current one has the same bytes: keep the cached prefix.
    if (key !== this.currentKey || this.keyVersion === 0 || (typeof key === 'object' && key !== null)) {
      const keyGroup = computeKeyGroupForKeyHash(hashKey(key, this.where), this.maxParallelism);
      if (!this.keyGroupRange.contains(keyGroup)) {
        throw illegalState(
          `Key ${String(key)} belongs to key group ${keyGroup}, which is not in ${this.where}'s range ${this.keyGroupRange.toString()}: ` +
            'the key selector must return the same key for a record on every call',
        );
      }
      this.currentKeyPrefix = serializeKeyPrefix(keyGroup, KeySerializer.INSTANCE.serialize(key));
      this.currentKey = key;
      this.currentKeyGroup = keyGroup;
      this.keyVersion++;
    }
    const listeners = this.keySelectionListeners;
    if (listeners.length !== 0) for (let i = 0; i < listeners.length; i++) listeners[i]!();
  }

  getCurrentKey(): unknown {
    return this.currentKey;
  }

  getCurrentKeyGroup(): number {
    return this.currentKeyGroup;
  }

  requireKey(what: string): void {
    this.checkOpen();
    if (this.keyVersion === 0) {
      throw illegalState(`${what} of ${this.where} was used without a current key: keyed state is only available in a keyed context (a KeyedStream's functions, while processing a record or timer)`);
    }
  }

  newWriteBatch(): NativeWriteBatch {
    return new NativeWriteBatch(this.instance.columnFamily('default'));
  }

  getPartitionedState<S extends State>(descriptor: StateDescriptor<any>): S & InternalKvState {
    const existing = this.states.get(descriptor?.name);
    if (existing?.state !== undefined) {
      if (existing.descriptor !== descriptor) checkReregistration(existing.descriptor!, descriptor, this.where);
      return existing.state as S & InternalKvState;
    }
    return this.register(descriptor, existing) as S & InternalKvState;
  }

  private register(descriptor: StateDescriptor<unknown>, restored: RegisteredState | undefined): State & InternalKvState {
    this.checkOpen();
    if (typeof descriptor !== 'object' || descriptor === null || typeof descriptor.name !== 'string' || !STATE_TYPES.has(descriptor.type)) {
      throw new TypeError(`Keyed state needs a state descriptor (ValueStateDescriptor, ListStateDescriptor, ...), got ${String(descriptor)}`);
    }
    checkNotTimerStateName(descriptor.name, this.where);
    const columnFamily = restored?.columnFamily ?? this.instance.columnFamily(descriptor.name);
    if (restored !== undefined) {
      const rewrite = restoredStateRewrite(descriptor, restored.meta, this.where, this.clock.currentTimestamp());
      if (rewrite !== null) {
        const n = rewriteStoredBytes(columnFamily, rewrite, () => this.newWriteBatch(), `state '${descriptor.name}' of ${this.where}`);
        log.info({ state: descriptor.name, where: this.where, entries: n }, 'Rewrote restored state for its new serializer or TTL setting');
      }
    }
    const meta = stateMetaInfo(descriptor);
    this.instance.writeStateMeta(meta);
    const ttlConfig = isTtlEnabled(descriptor) ? descriptor.ttlConfig! : null;
    let onAccess: (() => void) | null = null;
    if (ttlConfig !== null) {
      const range = { start: this.keyRangeStart, end: this.keyRangeEnd };
      const cursor = new RocksDBTtlCleanupCursor(columnFamily, descriptor.type, ttlConfig.ttlMillis, range, () => this.newWriteBatch());
      const hooks = ttlCleanupHooks(ttlConfig, cursor, this.clock);
      onAccess = hooks.onAccess;
      if (hooks.everyRecord && onAccess !== null) this.keySelectionListeners.push(onAccess);
    }
    const state = createStateWithTtlIfEnabled(descriptor, (internal) => createRocksDBState(internal, { context: this, columnFamily }), { timeProvider: this.clock, onAccess });
    this.states.set(descriptor.name, {
      meta,
      columnFamily,
      descriptor,
      state,
      snapshotTtlMillis: ttlConfig !== null && ttlConfig.cleanupStrategies.fullSnapshot ? ttlConfig.ttlMillis : null,
    });
    return state;
  }

  getTimerQueue(name: string, namespaceSerializer: TypeSerializer<unknown>): RocksDBTimerQueue {
    let queue = this.timerQueues.get(name);
    if (queue !== undefined) return queue;
    this.checkOpen();
    const restored = this.states.get(name);
    const readNamespace = restored === undefined ? null : checkRestoredTimerMeta(restored.meta, namespaceSerializer, this.where);
    const columnFamily = restored?.columnFamily ?? this.instance.columnFamily(name);
    if (restored === undefined) {
      const meta = timerStateMetaInfo(name, namespaceSerializer);
      this.instance.writeStateMeta(meta);
      this.states.set(name, { meta, columnFamily, descriptor: undefined, state: undefined, snapshotTtlMillis: null });
    }
    queue = new RocksDBTimerQueue(name, this, columnFamily, namespaceSerializer);
    if (readNamespace !== null) queue.reset(columnFamily, readNamespace);
    this.timerQueues.set(name, queue);
    return queue;
  }

  hasTimerQueue(name: string): boolean {
    return this.timerQueues.has(name) || this.states.get(name)?.meta.type === TIMER_STATE_TYPE;
  }

  /** Makes every timer queue read its key groups again after a restore wrote into (or replaced) the database. */
  private reloadTimerQueues(): void {
    for (const [name, queue] of this.timerQueues) {
      const registered = this.states.get(name);
      if (registered === undefined) continue;
      const readNamespace = checkRestoredTimerMeta(registered.meta, queue.namespaceSerializer, this.where);
      queue.reset(registered.columnFamily, readNamespace);
    }
  }

  *getKeys(stateName: string, namespace: Namespace = VOID_NAMESPACE): Iterable<unknown> {
    const registered = this.states.get(stateName);
    if (registered === undefined) return;
    const ns = NamespaceSerializer.DEFAULT.serialize(namespace);
    const cf = registered.columnFamily;
    let start = this.keyRangeStart;
    let previous: Uint8Array | undefined;
    // Chunks, so that no native iterator stays open while the caller works with a key.
    for (;;) {
      this.checkOpen();
      const keys: Uint8Array[] = [];
      let last: Uint8Array | undefined;
      let count = 0;
      const it = cf.iterate(start, this.keyRangeEnd);
      try {
        for (let e = it.next(); e !== undefined; e = count < KEY_CHUNK ? it.next() : undefined) {
          count++;
          last = e.key;
          const parts = decodeStateKey(e.key, `state '${stateName}' of ${this.where}`);
          if (!bytesEqual(parts.namespace, ns)) continue;
          if (previous !== undefined && bytesEqual(previous, parts.key)) continue;
          previous = parts.key;
          keys.push(parts.key);
        }
      } finally {
        it.close();
      }
      for (const key of keys) yield KeySerializer.INSTANCE.deserialize(key);
      if (count < KEY_CHUNK || last === undefined) return;
      start = new Uint8Array(last.length + 1);
      start.set(last, 0);
    }
  }

  snapshot(checkpointId: number): SnapshotRunner {
    this.checkOpen();
    const states = [...this.states.values()];
    const runner = new RocksDBFullSnapshotRunner({
      checkpointId,
      snapshot: new NativeSnapshot(states.map((s) => s.columnFamily)),
      states: states.map((s) => ({ meta: s.meta, columnFamily: s.columnFamily, ttlMillis: s.snapshotTtlMillis })),
      keyGroupRange: this.keyGroupRange,
      maxParallelism: this.maxParallelism,
      where: this.where,
      timestamp: this.clock.currentTimestamp(),
      onRelease: (r) => this.runners.delete(r),
    });
    this.runners.add(runner);
    return runner;
  }

  async restore(snapshots: readonly KeyedStateSnapshot[]): Promise<void> {
    this.checkOpen();
    const n = await restoreFullSnapshots(this, snapshots);
    this.reloadTimerQueues();
    log.debug({ where: this.where, entries: n, snapshots: snapshots.length }, 'Restored keyed state');
  }

  /**
   * @internal RestoreTarget: where a restored state's entries go. A state not registered yet is
   * recorded with the snapshot's meta data and keeps its bytes until a descriptor registers it; a
   * registered one gets the entries rewritten for its descriptor as they are written.
   */
  restoredStateTarget(meta: StateMetaInfo): RestoredStateTarget {
    this.checkOpen();
    const existing = this.states.get(meta.name);
    if (existing?.descriptor !== undefined) {
      return { columnFamily: existing.columnFamily, rewrite: restoredStateRewrite(existing.descriptor, meta, this.where, this.clock.currentTimestamp()) };
    }
    if (existing !== undefined) {
      if (JSON.stringify(existing.meta) !== JSON.stringify(meta)) {
        throw illegalState(`Cannot restore state '${meta.name}' into ${this.where}: the snapshots disagree on its meta data (${JSON.stringify(existing.meta)} and ${JSON.stringify(meta)})`);
      }
      return { columnFamily: existing.columnFamily, rewrite: null };
    }
    const columnFamily = this.instance.columnFamily(meta.name);
    this.states.set(meta.name, { meta, columnFamily, descriptor: undefined, state: undefined, snapshotTtlMillis: null });
    this.instance.writeStateMeta(meta);
    return { columnFamily, rewrite: null };
  }

  /** @internal whether the backend holds no state yet (a native checkpoint may then replace its database). */
  isPristine(): boolean {
    return this.states.size === 0;
  }

  /** @internal the column families of the states, for native checkpoint restores. */
  stateColumnFamilies(): NativeColumnFamily[] {
    return [...this.states.values()].map((s) => s.columnFamily);
  }

  /**
   * A RocksDB checkpoint of the whole database into `targetDirectory` (which must not exist): SST
   * files are hard links, so it is cheap; the base of incremental checkpoints.
   */
  createNativeCheckpoint(targetDirectory: string): Promise<NativeCheckpointInfo> {
    this.checkOpen();
    return this.track(createNativeCheckpoint(this, targetDirectory));
  }

  /**
   * Restores a native checkpoint: the key groups `keyGroupRange` (by default all the checkpoint
   * holds) that fall into this backend's range. Into an empty backend the checkpoint is copied
   * (hard links) and trimmed to the range; otherwise its entries are copied in.
   */
  restoreFromNativeCheckpoint(checkpointDirectory: string, keyGroupRange?: KeyGroupRange): Promise<void> {
    this.checkOpen();
    return this.track(restoreFromNativeCheckpoint(this, checkpointDirectory, keyGroupRange, this.columnFamilyOptions).then(() => this.reloadTimerQueues()));
  }

  /**
   * The synchronous part of an incremental checkpoint (a native checkpoint in a local directory;
   * await it with the task's input paused); materialize() then copies the SST files that the last
   * confirmed checkpoint does not hold into `target.sharedDirectory`. See rocksdb-incremental-snapshot.ts.
   */
  snapshotIncremental(checkpointId: number, target: IncrementalSnapshotTarget): Promise<IncrementalSnapshotRunner> {
    this.checkOpen();
    return this.incrementalStrategy().snapshot(checkpointId, target);
  }

  /** A checkpoint completed: its SST files become the base of the next incremental checkpoint. */
  notifyCheckpointComplete(checkpointId: number): void {
    this.incremental?.notifyCheckpointComplete(checkpointId);
  }

  notifyCheckpointAborted(checkpointId: number): void {
    this.incremental?.notifyCheckpointAborted(checkpointId);
  }

  /**
   * Restores incremental checkpoints (one handle per subtask that took them), keeping the key
   * groups of this backend's range. Restored into an empty backend of the same range from one
   * handle, the handle's SST files are the base of the next incremental checkpoint, unless
   * `adoptBase` is false (the next checkpoints go to another shared directory).
   */
  async restoreIncremental(handles: readonly { readonly handle: IncrementalKeyedStateHandle; readonly sharedDirectory: string; readonly privateDirectory: string }[], adoptBase = true): Promise<void> {
    this.checkOpen();
    const pristine = this.isPristine();
    await this.track(restoreIncrementalHandles(this, handles));
    // Changelog segments replayed after the materialization may have written timers.
    this.reloadTimerQueues();
    if (adoptBase && pristine) this.incrementalStrategy().adoptRestoredBase(handles);
  }

  /**
   * Logs every later change to the state (Flink's changelog state backend): called once, after
   * the restore and before the first write; see RocksDBIncrementalSnapshotStrategy.startChangelog.
   */
  startChangelog(options: ChangelogOptions): void {
    this.checkOpen();
    this.incrementalStrategy().startChangelog(options, this.isPristine());
  }

  private incrementalStrategy(): RocksDBIncrementalSnapshotStrategy {
    return (this.incremental ??= new RocksDBIncrementalSnapshotStrategy(this));
  }

  /** @internal forgets restored states after a failed native restore replaced the database. */
  forgetStates(): void {
    this.states.clear();
    this.keySelectionListeners.length = 0;
  }

  // Native work in flight (a checkpoint runs on a RocksDB thread) must end before the database closes.
  private track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    const done = (): void => {
      this.pending.delete(work);
    };
    work.then(done, done);
    return work;
  }

  getStatistics(): RocksDBStatistics {
    this.checkOpen();
    return this.statistics.collect(this.instance.openHandles(), this.stateColumnFamilies());
  }

  /** The RocksDB property of the database (for example 'rocksdb.stats'), for diagnostics. */
  getProperty(name: string): string | undefined {
    this.checkOpen();
    return this.instance.columnFamily('default').property(name);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.allSettled([...this.pending]);
    for (const runner of [...this.runners]) runner.release();
    this.instance.destroy();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private checkOpen(): void {
    if (this.disposed) throw illegalState(`The RocksDB state backend of ${this.where} was disposed`);
  }
}
