/*
 * Full snapshots of the RocksDB backend in the portable format (Flink's RocksFullSnapshotStrategy):
 * the synchronous part pins a RocksDB snapshot of every state's column family; `materialize` then
 * walks the pinned view off the processing path, yielding to the event loop every few thousand
 * entries, and writes one block per key group with the same encodings as the heap backend. Map
 * entries become `u32 len | user key | value`; with full-snapshot TTL cleanup, expired values and
 * list elements are left out.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { TIMER_STATE_TYPE } from '../timers/timer-queue.ts';
import { decodeTimerKey } from './rocksdb-timer-queue.ts';
import { StateTypes } from '../../../api/state/state.ts';
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import type { KeyGroupRange } from '../key-group-range.ts';
import type { SnapshotRunner } from '../keyed-state-backend.ts';
import { KeyGroupBlockWriter, encodeMapEntry } from '../snapshot/key-group-block.ts';
import { KEYED_STATE_SNAPSHOT_VERSION, type KeyedStateSnapshot, type StateMetaInfo } from '../snapshot/keyed-state-snapshot.ts';
import { decodeStateKey, keyGroupOf, keyGroupStart } from './rocksdb-key-layout.ts';
import type { NativeColumnFamily, NativeSnapshot } from './rocksdb-native.ts';
import { pruneExpired } from './rocksdb-ttl.ts';

/** Entries written between two yields to the event loop. */
const ENTRIES_PER_SLICE = 4096;

export interface SnapshotState {
  readonly meta: StateMetaInfo;
  readonly columnFamily: NativeColumnFamily;
  /** The TTL when the state asks for cleanup in full snapshots, else null. */
  readonly ttlMillis: number | null;
}

export class RocksDBFullSnapshotRunner implements SnapshotRunner {
  readonly checkpointId: number;
  private readonly snapshot: NativeSnapshot;
  private readonly states: readonly SnapshotState[];
  private readonly keyGroupRange: KeyGroupRange;
  private readonly maxParallelism: number;
  private readonly where: string;
  private readonly timestamp: number;
  private readonly onRelease: (runner: RocksDBFullSnapshotRunner) => void;
  private started = false;

  constructor(options: {
    checkpointId: number;
    snapshot: NativeSnapshot;
    states: readonly SnapshotState[];
    keyGroupRange: KeyGroupRange;
    maxParallelism: number;
    where: string;
    timestamp: number;
    onRelease: (runner: RocksDBFullSnapshotRunner) => void;
  }) {
    this.checkpointId = options.checkpointId;
    this.snapshot = options.snapshot;
    this.states = options.states;
    this.keyGroupRange = options.keyGroupRange;
    this.maxParallelism = options.maxParallelism;
    this.where = options.where;
    this.timestamp = options.timestamp;
    this.onRelease = options.onRelease;
  }

  /** Drops the pinned view without materializing (the backend is disposed or the checkpoint aborted). */
  release(): void {
    this.snapshot.release();
    this.onRelease(this);
  }

  async materialize(): Promise<KeyedStateSnapshot> {
    if (this.started) throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Snapshot ${this.checkpointId} of ${this.where} was already materialized`);
    this.started = true;
    try {
      const writers = new Map<number, KeyGroupBlockWriter>();
      let sinceYield = 0;
      const range = this.keyGroupRange;
      const start = keyGroupStart(range.startKeyGroup);
      const end = keyGroupStart(range.endKeyGroup + 1);
      for (let index = 0; index < this.states.length; index++) {
        this.checkOpen();
        const { meta, columnFamily, ttlMillis } = this.states[index]!;
        const isMap = meta.type === StateTypes.MAP;
        // Timers have their own key layout (rocksdb-timer-queue.ts); snapshots hold them as map entries timestamp -> empty.
        const isTimer = meta.type === TIMER_STATE_TYPE;
        const it = this.snapshot.iterate(columnFamily, start, end);
        try {
          for (let e = it.next(); e !== undefined; e = it.next()) {
            const stored = ttlMillis === null ? e.value : pruneExpired(meta.type, e.value, ttlMillis, this.timestamp);
            if (stored !== undefined) {
              const keyGroup = keyGroupOf(e.key);
              let writer = writers.get(keyGroup);
              if (writer === undefined) {
                writer = new KeyGroupBlockWriter();
                writers.set(keyGroup, writer);
              }
              if (isTimer) {
                const timer = decodeTimerKey(e.key, `timer queue '${meta.name}' of ${this.where}`);
                writer.writeEntry(index, timer.key, timer.namespace, encodeMapEntry(timer.timestampBytes, stored));
              } else {
                const parts = decodeStateKey(e.key, `state '${meta.name}' of ${this.where}`);
                writer.writeEntry(index, parts.key, parts.namespace, isMap ? encodeMapEntry(parts.userKey, stored) : stored);
              }
            }
            if (++sinceYield === ENTRIES_PER_SLICE) {
              sinceYield = 0;
              await yieldToEventLoop();
              this.checkOpen();
            }
          }
        } finally {
          it.close();
        }
      }
      const keyGroups = new Map<number, Uint8Array>();
      for (const keyGroup of [...writers.keys()].sort((a, b) => a - b)) keyGroups.set(keyGroup, writers.get(keyGroup)!.finish());
      return {
        version: KEYED_STATE_SNAPSHOT_VERSION,
        backendType: 'rocksdb',
        maxParallelism: this.maxParallelism,
        keyGroupRange: { startKeyGroup: range.startKeyGroup, endKeyGroup: range.endKeyGroup },
        states: this.states.map((s) => s.meta),
        keyGroups,
      };
    } finally {
      this.release();
    }
  }

  private checkOpen(): void {
    if (this.snapshot.isReleased) {
      throw new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Snapshot ${this.checkpointId} of ${this.where} was released before it was materialized (the state backend was disposed)`);
    }
  }
}
