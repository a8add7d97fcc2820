/*
 * Loading state into a RocksDB backend: from portable keyed state snapshots (any backend's), and
 * key-group ranges copied from or trimmed in native checkpoints. Writes go in atomic batches of a
 * thousand entries, with a yield to the event loop between batches.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { TIMER_STATE_TYPE } from '../timers/timer-queue.ts';
import { composeTimerKey } from './rocksdb-timer-queue.ts';
import { StateTypes } from '../../../api/state/state.ts';
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import type { KeyGroupRange } from '../key-group-range.ts';
import { decodeMapEntry, readKeyGroupBlock } from '../snapshot/key-group-block.ts';
import { KEYED_STATE_SNAPSHOT_VERSION, type KeyedStateSnapshot, type StateMetaInfo } from '../snapshot/keyed-state-snapshot.ts';
import { KeySerializer } from '../../serialization/key-serializer.ts';
import { computeKeyGroupForKeyHash } from '../key-group-range-assignment.ts';
import { hashKey } from '../key-hash.ts';
import { composeStateKey, keyGroupStart } from './rocksdb-key-layout.ts';
import type { NativeColumnFamily, NativeWriteBatch } from './rocksdb-native.ts';
import type { StoredBytesRewrite } from './rocksdb-state-meta.ts';

const BATCH_ENTRIES = 1000;

export interface RestoredStateTarget {
  readonly columnFamily: NativeColumnFamily;
  /** Set when the state is registered and its descriptor reads the bytes differently. */
  readonly rewrite: StoredBytesRewrite | null;
}

export interface RestoreTarget {
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
  readonly where: string;
  /** Where a restored state's entries go (registers the state if it is new). */
  restoredStateTarget(meta: StateMetaInfo): RestoredStateTarget;
  newWriteBatch(): NativeWriteBatch;
}

/** Commits a batch when it is full and yields; the caller commits the last one. */
class BatchedWriter {
  private readonly target: RestoreTarget;
  private batch: NativeWriteBatch;
  written = 0;

  constructor(target: RestoreTarget) {
    this.target = target;
    this.batch = target.newWriteBatch();
  }

  async put(cf: NativeColumnFamily, key: Uint8Array, value: Uint8Array): Promise<void> {
    this.batch.put(cf, key, value);
    this.written++;
    if (this.batch.size >= BATCH_ENTRIES) await this.flush();
  }

  async remove(cf: NativeColumnFamily, key: Uint8Array): Promise<void> {
    this.batch.remove(cf, key);
    this.written++;
    if (this.batch.size >= BATCH_ENTRIES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.batch.size === 0) return;
    this.batch.commit();
    this.batch = this.target.newWriteBatch();
    await yieldToEventLoop();
  }

  finish(): void {
    if (this.batch.size > 0) this.batch.commit();
    else this.batch.abort();
  }
}

function checkSnapshot(snapshot: KeyedStateSnapshot, target: RestoreTarget): void {
  if (typeof snapshot !== 'object' || snapshot === null) throw corrupt(target, `${String(snapshot)} is not a snapshot`);
  if (snapshot.version !== KEYED_STATE_SNAPSHOT_VERSION) {
    throw corrupt(target, `it has format version ${String(snapshot.version)}; this version of Flink.TS reads version ${KEYED_STATE_SNAPSHOT_VERSION}`);
  }
  if (snapshot.maxParallelism !== target.maxParallelism) {
    throw new FlinkError(
      ErrorCodes.FLINK_TS_ILLEGAL_STATE,
      `Cannot restore ${target.where}: the snapshot was taken with max parallelism ${snapshot.maxParallelism}, the operator now has max parallelism ${target.maxParallelism}; ` +
        'the max parallelism of a keyed operator cannot change across a restore',
    );
  }
  if (!Array.isArray(snapshot.states)) throw corrupt(target, 'it has no list of states');
  if (!(snapshot.keyGroups instanceof Map)) throw corrupt(target, 'it has no key-group blocks');
}

function corrupt(target: RestoreTarget, message: string, cause?: unknown): FlinkError {
  return new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Corrupt keyed state snapshot for ${target.where}: ${message}`, cause === undefined ? {} : { cause });
}

/** Why `bytes` is not a list in the encodeByteList format, or undefined if it is one. */
function byteListProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length < 4) return `${bytes.length} bytes, fewer than its element count`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0);
  let at = 4;
  for (let i = 0; i < n; i++) {
    if (at + 4 > bytes.length) return `element ${i} of ${n} starts past the end (${bytes.length} bytes)`;
    at += 4 + view.getUint32(at);
    if (at > bytes.length) return `element ${i} of ${n} runs past the end (${bytes.length} bytes)`;
  }
  return at === bytes.length ? undefined : `${bytes.length - at} bytes after its ${n} elements`;
}

/** Writes the key groups of `snapshots` that lie in the target's range; returns the entries written. */
export async function restoreFullSnapshots(target: RestoreTarget, snapshots: readonly KeyedStateSnapshot[]): Promise<number> {
  const writer = new BatchedWriter(target);
  try {
    for (const snapshot of snapshots) {
      checkSnapshot(snapshot, target);
      // States are registered even when none of their entries fall into this range.
      const states = snapshot.states.map((meta) => ({ meta, target: target.restoredStateTarget(meta), isMap: meta.type === StateTypes.MAP, isTimer: meta.type === TIMER_STATE_TYPE, isList: meta.type === StateTypes.LIST }));
      for (const [keyGroup, block] of snapshot.keyGroups) {
        if (!Number.isInteger(keyGroup) || keyGroup < 0 || keyGroup >= target.maxParallelism) throw corrupt(target, `it has a block for key group ${String(keyGroup)}`);
        if (!target.keyGroupRange.contains(keyGroup)) continue;
        if (!(block instanceof Uint8Array)) throw corrupt(target, `the block of key group ${keyGroup} is not bytes`);
        const entries: { cf: NativeColumnFamily; key: Uint8Array; value: Uint8Array }[] = [];
        try {
          for (const entry of readKeyGroupBlock(block, `block of key group ${keyGroup}`)) {
            const state = states[entry.stateIndex];
            if (state === undefined) throw corrupt(target, `an entry of key group ${keyGroup} refers to state #${entry.stateIndex}, but the snapshot has ${states.length} states`);
            const actual = computeKeyGroupForKeyHash(hashKey(KeySerializer.INSTANCE.deserialize(entry.key)), target.maxParallelism);
            if (actual !== keyGroup) throw corrupt(target, `a key of state '${state.meta.name}' is filed under key group ${keyGroup} but belongs to key group ${actual}`);
            const { columnFamily, rewrite } = state.target;
            let value = entry.value;
            let userKey: Uint8Array | undefined;
            if (state.isTimer) {
              const timestamp = decodeMapEntry(entry.value).userKey;
              if (timestamp.length !== 8) throw corrupt(target, `a timer of '${state.meta.name}' in key group ${keyGroup} has a timestamp of ${timestamp.length} bytes`);
              entries.push({ cf: state.target.columnFamily, key: composeTimerKey(keyGroup, entry.key, entry.namespace, timestamp), value: new Uint8Array(0) });
              continue;
            }
            if (state.isMap) {
              const parts = decodeMapEntry(entry.value);
              value = parts.value;
              userKey = rewrite?.userKey == null ? parts.userKey : rewrite.userKey(parts.userKey);
            } else if (state.isList) {
              const problem = byteListProblem(value);
              if (problem !== undefined) throw corrupt(target, `a value of state '${state.meta.name}' in key group ${keyGroup} is not a list: ${problem}`);
            }
            if (rewrite?.value != null) value = rewrite.value(value);
            entries.push({ cf: columnFamily, key: composeStateKey(keyGroup, entry.key, entry.namespace, userKey), value });
          }
        } catch (e) {
          if (FlinkError.isFlinkError(e)) throw e;
          throw corrupt(target, `cannot read key group ${keyGroup}: ${e instanceof Error ? e.message : String(e)}`, e);
        }
        for (const e of entries) await writer.put(e.cf, e.key, e.value);
      }
    }
  } finally {
    writer.finish();
  }
  return writer.written;
}

/** Deletes every entry of `cf` whose key group is outside `keep` (key groups < maxParallelism). */
export async function deleteKeyGroupsOutside(target: RestoreTarget, cf: NativeColumnFamily, keep: KeyGroupRange): Promise<number> {
  const writer = new BatchedWriter(target);
  const ranges: [number, number][] = [
    [0, keep.startKeyGroup],
    [keep.endKeyGroup + 1, target.maxParallelism],
  ];
  try {
    for (const [from, to] of ranges) {
      if (from >= to) continue;
      const start = keyGroupStart(from);
      const end = keyGroupStart(to);
      // Collect first: the iterator must not stay open across the yields of the writer.
      for (;;) {
        const keys: Uint8Array[] = [];
        const it = cf.iterate(start, end);
        try {
          for (let e = it.next(); e !== undefined && keys.length < BATCH_ENTRIES; e = it.next()) keys.push(e.key);
        } finally {
          it.close();
        }
        for (const key of keys) await writer.remove(cf, key);
        await writer.flush();
        if (keys.length < BATCH_ENTRIES) break;
      }
      cf.compact(start, end);
    }
  } finally {
    writer.finish();
  }
  return writer.written;
}

/** Copies the entries of key groups `keep` from `source` into `target` (a native checkpoint opened read-only). */
export async function copyKeyGroups(target: RestoreTarget, source: NativeColumnFamily, into: NativeColumnFamily, keep: KeyGroupRange): Promise<number> {
  const writer = new BatchedWriter(target);
  const end = keyGroupStart(keep.endKeyGroup + 1);
  let start = keyGroupStart(keep.startKeyGroup);
  try {
    for (;;) {
      const entries: { key: Uint8Array; value: Uint8Array }[] = [];
      const it = source.iterate(start, end);
      try {
        for (let e = it.next(); e !== undefined && entries.length < BATCH_ENTRIES; e = it.next()) entries.push(e);
      } finally {
        it.close();
      }
      for (const e of entries) await writer.put(into, e.key, e.value);
      if (entries.length < BATCH_ENTRIES) break;
      const last = entries[entries.length - 1]!.key;
      start = new Uint8Array(last.length + 1);
      start.set(last, 0);
    }
  } finally {
    writer.finish();
  }
  return writer.written;
}
