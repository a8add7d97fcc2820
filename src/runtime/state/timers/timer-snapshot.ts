/*
 * Timers in keyed state snapshots, the same for every backend: a timer queue is a state of kind
 * TIMER whose entries are (key, namespace, encodeMapEntry(timestamp bytes, empty)), filed under
 * the key group of the timer's key, so timers restore by key group like any state.
 */
import { KeySerializer } from '../../serialization/key-serializer.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';
import { computeKeyGroupForKeyHash } from '../key-group-range-assignment.ts';
import type { KeyGroupRange } from '../key-group-range.ts';
import { hashKey } from '../key-hash.ts';
import { decodeMapEntry, encodeMapEntry, type KeyGroupBlockWriter } from '../snapshot/key-group-block.ts';
import type { StateMetaInfo } from '../snapshot/keyed-state-snapshot.ts';
import { restoreError, resolveReader } from '../heap/registered-state-meta.ts';
import { decodeTimerTimestamp, encodeTimerTimestamp, TIMER_STATE_TYPE, type InternalTimer } from './timer-queue.ts';

const EMPTY = new Uint8Array(0);

/** The timers of a queue per key-group index of `range`, for a snapshot's asynchronous part. */
export function timersByKeyGroup(timers: readonly InternalTimer[], range: KeyGroupRange, maxParallelism: number, where: string): (InternalTimer[] | undefined)[] {
  const groups = new Array<InternalTimer[] | undefined>(range.numberOfKeyGroups).fill(undefined);
  for (const timer of timers) {
    const index = computeKeyGroupForKeyHash(hashKey(timer.key, where), maxParallelism) - range.startKeyGroup;
    (groups[index] ??= []).push(timer);
  }
  return groups;
}

export function writeTimerEntries(writer: KeyGroupBlockWriter, stateIndex: number, timers: readonly InternalTimer[], namespaceSerializer: TypeSerializer<unknown>): void {
  for (const timer of timers) {
    writer.writeEntry(
      stateIndex,
      KeySerializer.INSTANCE.serialize(timer.key),
      namespaceSerializer.serialize(timer.namespace),
      encodeMapEntry(encodeTimerTimestamp(timer.timestamp), EMPTY),
    );
  }
}

/** Checks that restored meta data describes a timer queue whose keys and namespaces can be read. */
export function checkRestoredTimerMeta(meta: StateMetaInfo, namespaceSerializer: TypeSerializer<unknown>, where: string): (bytes: Uint8Array) => unknown {
  if (meta.type !== TIMER_STATE_TYPE) {
    throw restoreError(meta.name, where, `it was a ${meta.type} state and is now used as a timer queue (names starting with '_timer_state/' are reserved for timers)`);
  }
  resolveReader(KeySerializer.INSTANCE, meta.keySerializer, meta.name, where, 'keys');
  return resolveReader(namespaceSerializer, meta.namespaceSerializer, meta.name, where, 'namespaces').read;
}

/** A timer from a snapshot entry's parts. */
export function readTimerEntry(key: Uint8Array, namespace: Uint8Array, value: Uint8Array, readNamespace: (bytes: Uint8Array) => unknown, where: string): InternalTimer {
  return {
    key: KeySerializer.INSTANCE.deserialize(key),
    namespace: readNamespace(namespace),
    timestamp: decodeTimerTimestamp(decodeMapEntry(value).userKey, where),
  };
}

/** User states may not take the names of timer queues. */
export function checkNotTimerStateName(name: string, where: string): void {
  if (name.startsWith('_timer_state/')) {
    throw new TypeError(`State name '${name}' in ${where} is reserved: names starting with '_timer_state/' belong to the timers of the operator`);
  }
}
