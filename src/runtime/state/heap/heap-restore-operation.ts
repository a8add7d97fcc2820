/*
 * Restoring the heap backend from keyed state snapshots of any backend. Reading (readSnapshots)
 * validates a snapshot and keeps, per state, the raw entries of the key groups inside this
 * backend's range — the others belong to other subtasks after rescaling — checking that every key
 * lies in the key group it is filed under. Values stay bytes until the state is registered with a
 * descriptor: only then is it known how to read them (applyRestoredState), so a state that a job
 * registers later, or never, keeps its entries and is written back into the next snapshot.
 */
import { ErrorCodes, FlinkError } from '../../../errors.ts';
import { MapStateDescriptor, type StateDescriptor } from '../../../api/state/state-descriptor.ts';
import { StateTypes } from '../../../api/state/state.ts';
import { KeySerializer } from '../../serialization/key-serializer.ts';
import { computeKeyGroupForKeyHash } from '../key-group-range-assignment.ts';
import type { KeyGroupRange } from '../key-group-range.ts';
import { hashKey, normalizeKey } from '../key-hash.ts';
import { decodeByteList, decodeMapEntry, readKeyGroupBlock } from '../snapshot/key-group-block.ts';
import { KEYED_STATE_SNAPSHOT_VERSION, type KeyedStateSnapshot } from '../snapshot/keyed-state-snapshot.ts';
import { readTtlTimestamp, ttlUserBytes, ttlValue } from '../ttl/ttl-value.ts';
import type { RestoredEntry, RestoredState } from './heap-snapshot-strategy.ts';
import { checkRestoredMeta, restoredUserKeyReader, restoredValueReader, restoreError } from './registered-state-meta.ts';
import { namespaceKeyFromBytes, userMapKey, type UserMapKey } from './state-keys.ts';
import type { StateTable } from './state-table.ts';
import { TIMER_STATE_TYPE } from '../timers/timer-queue.ts';
import { VOID_NAMESPACE } from '../keyed-state-backend.ts';

export interface RestoreTarget {
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
  readonly where: string;
}

/** State kinds a snapshot may hold: the user's and timer queues. */
const STATE_TYPES = new Set<string>([...Object.values(StateTypes), TIMER_STATE_TYPE]);

function corrupt(where: string, message: string, cause?: unknown): FlinkError {
  return new FlinkError(ErrorCodes.FLINK_TS_ILLEGAL_STATE, `Corrupt keyed state snapshot for ${where}: ${message}`, cause === undefined ? {} : { cause });
}

function checkSnapshot(snapshot: KeyedStateSnapshot, index: number, target: RestoreTarget): void {
  const where = target.where;
  if (typeof snapshot !== 'object' || snapshot === null) throw corrupt(where, `snapshot ${index} is ${String(snapshot)}, not a snapshot`);
  if (snapshot.version !== KEYED_STATE_SNAPSHOT_VERSION) {
    throw corrupt(where, `snapshot ${index} has format version ${String(snapshot.version)}; this version of Flink.TS reads version ${KEYED_STATE_SNAPSHOT_VERSION}`);
  }
  if (snapshot.maxParallelism !== target.maxParallelism) {
    throw new FlinkError(
      ErrorCodes.FLINK_TS_ILLEGAL_STATE,
      `Cannot restore ${where}: the snapshot was taken with max parallelism ${String(snapshot.maxParallelism)}, the operator now has max parallelism ${target.maxParallelism}; ` +
        'keyed state can only be restored with the same max parallelism',
    );
  }
  if (!Array.isArray(snapshot.states)) throw corrupt(where, `snapshot ${index} has no list of states`);
  const names = new Set<string>();
  for (const meta of snapshot.states) {
    if (typeof meta !== 'object' || meta === null || typeof meta.name !== 'string' || !STATE_TYPES.has(meta.type)) {
      throw corrupt(where, `snapshot ${index} has invalid state meta data ${JSON.stringify(meta)}`);
    }
    if (names.has(meta.name)) throw corrupt(where, `snapshot ${index} lists state '${meta.name}' twice`);
    names.add(meta.name);
  }
  if (!(snapshot.keyGroups instanceof Map)) throw corrupt(where, `snapshot ${index} has no key-group blocks`);
}

/** The raw entries of the snapshots' key groups inside the target's range, per state name. */
export function readSnapshots(snapshots: readonly KeyedStateSnapshot[], target: RestoreTarget): Map<string, RestoredState> {
  const out = new Map<string, RestoredState>();
  const range = target.keyGroupRange;
  const where = target.where;
  snapshots.forEach((snapshot, index) => {
    checkSnapshot(snapshot, index, target);
    const states = snapshot.states.map((meta) => {
      let restored = out.get(meta.name);
      if (restored === undefined) {
        restored = { meta, groups: new Array<RestoredEntry[] | undefined>(range.numberOfKeyGroups).fill(undefined) };
        out.set(meta.name, restored);
      } else if (JSON.stringify(restored.meta) !== JSON.stringify(meta)) {
        throw corrupt(where, `the snapshots disagree on the meta data of state '${meta.name}': ${JSON.stringify(restored.meta)} and ${JSON.stringify(meta)}`);
      }
      return restored;
    });
    for (const [keyGroup, block] of snapshot.keyGroups) {
      if (!Number.isInteger(keyGroup) || keyGroup < 0 || keyGroup >= target.maxParallelism) throw corrupt(where, `snapshot ${index} has a block for key group ${String(keyGroup)}`);
      if (!range.contains(keyGroup)) continue;
      if (!(block instanceof Uint8Array)) throw corrupt(where, `the block of key group ${keyGroup} is not bytes`);
      const i = keyGroup - range.startKeyGroup;
      try {
        for (const entry of readKeyGroupBlock(block, `block of key group ${keyGroup}`)) {
          const restored = states[entry.stateIndex];
          if (restored === undefined) throw corrupt(where, `an entry of key group ${keyGroup} refers to state #${entry.stateIndex}, but the snapshot has ${states.length} states`);
          const key = KeySerializer.INSTANCE.deserialize(entry.key);
          const actual = computeKeyGroupForKeyHash(hashKey(key), target.maxParallelism);
          if (actual !== keyGroup) throw corrupt(where, `key ${JSON.stringify(String(key))} of state '${restored.meta.name}' is filed under key group ${keyGroup} but belongs to key group ${actual}`);
          const restoredEntry: RestoredEntry = {
            normalizedKey: normalizeKey(key),
            // Timer namespaces are written by their service's serializer, read when the queue is created.
            namespace: restored.meta.type === TIMER_STATE_TYPE ? VOID_NAMESPACE : namespaceKeyFromBytes(entry.namespace),
            keyBytes: entry.key,
            namespaceBytes: entry.namespace,
            value: entry.value,
          };
          (restored.groups[i] ??= []).push(restoredEntry);
        }
      } catch (e) {
        if (FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_ILLEGAL_STATE) throw e;
        throw corrupt(where, `cannot read key group ${keyGroup}: ${e instanceof Error ? e.message : String(e)}`, e);
      }
    }
  });
  return out;
}

/** Adds the restored entries of `restored` to the table of a state just registered with `descriptor`. */
export function applyRestoredState(restored: RestoredState, descriptor: StateDescriptor<unknown>, table: StateTable<unknown>, target: RestoreTarget, now: number): void {
  const where = target.where;
  checkRestoredMeta(descriptor, restored.meta, where);
  const reader = restoredValueReader(descriptor, restored.meta, where);
  const readStored = (bytes: Uint8Array): unknown => {
    const timestamp = reader.previousHasTtl ? readTtlTimestamp(bytes) : now;
    const user = reader.readUserValue(reader.previousHasTtl ? ttlUserBytes(bytes) : bytes);
    return reader.currentHasTtl ? ttlValue(user, timestamp) : user;
  };
  const readUserKey = descriptor instanceof MapStateDescriptor ? restoredUserKeyReader(descriptor, restored.meta, where) : null;
  restored.groups.forEach((entries, i) => {
    if (entries === undefined) return;
    for (const e of entries) {
      try {
        applyEntry(table, i, e, readStored, readUserKey);
      } catch (err) {
        if (FlinkError.isFlinkError(err)) throw err;
        throw restoreError(descriptor.name, where, `a value in key group ${target.keyGroupRange.startKeyGroup + i} cannot be read: ${err instanceof Error ? err.message : String(err)}`, err);
      }
    }
  });
}

function applyEntry(table: StateTable<unknown>, i: number, e: RestoredEntry, readStored: (bytes: Uint8Array) => unknown, readUserKey: ((bytes: Uint8Array) => unknown) | null): void {
  switch (table.type) {
    case StateTypes.LIST: {
      const items = decodeByteList(e.value).map(readStored);
      if (items.length === 0) return;
      const existing = table.getAt(i, e.normalizedKey, e.namespace) as unknown[] | undefined;
      table.putAt(i, e.normalizedKey, e.namespace, existing === undefined ? items : existing.concat(items));
      return;
    }
    case StateTypes.MAP: {
      const { userKey, value } = decodeMapEntry(e.value);
      const key = userMapKey(readUserKey!(userKey), table.userKeySerializer!);
      let map = table.getAt(i, e.normalizedKey, e.namespace) as Map<UserMapKey, unknown> | undefined;
      if (map === undefined) {
        map = new Map();
        table.putAt(i, e.normalizedKey, e.namespace, map);
      }
      map.set(key, readStored(value));
      return;
    }
    default:
      table.putAt(i, e.normalizedKey, e.namespace, readStored(e.value));
  }
}

/** The entries of both (restoring twice); new arrays, since a pending snapshot may hold the old ones. */
export function mergeRestoredStates(a: RestoredState, b: RestoredState, where: string): RestoredState {
  if (JSON.stringify(a.meta) !== JSON.stringify(b.meta)) {
    throw corrupt(where, `the snapshots disagree on the meta data of state '${a.meta.name}'`);
  }
  const groups = a.groups.map((entries, i) => {
    const more = b.groups[i];
    return more === undefined ? entries : entries === undefined ? more : entries.concat(more);
  });
  return { meta: a.meta, groups };
}
