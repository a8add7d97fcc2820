/*
 * The timers of a keyed operator as state of its keyed state backend (Flink's
 * KeyGroupedInternalPriorityQueue of TimerHeapInternalTimer, created through the backend's
 * PriorityQueueSetFactory): a set of (key, namespace, timestamp) that hands out its elements in
 * timestamp order. The backend owns the queues it creates, snapshots them with its states and
 * restores them by key group, so timers survive checkpoints and rescaling.
 */
import type { StateMetaInfo } from '../snapshot/keyed-state-snapshot.ts';
import { KeySerializer } from '../../serialization/key-serializer.ts';
import type { TypeSerializer } from '../../serialization/type-serializer.ts';

export interface InternalTimer<N = unknown> {
  readonly timestamp: number;
  readonly key: unknown;
  /** VOID_NAMESPACE, or the window of a window operator's timer. */
  readonly namespace: N;
}

export interface InternalTimerQueue {
  /** Adds the timer of the backend's current key; false when it was already there (timers are a set). */
  add(namespace: unknown, timestamp: number): boolean;
  /** Removes the timer of the backend's current key, if there. */
  delete(namespace: unknown, timestamp: number): void;
  /** The earliest timestamp of a timer in the queue. */
  peekTimestamp(): number | undefined;
  /**
   * Removes and hands to `fire` every timer with a timestamp up to `time`, in timestamp order. A
   * timer is removed before it fires, so `fire` may add and delete timers, due ones included,
   * which then fire in turn. `fire` sets the timer's key as the backend's current key.
   */
  fireUntil(time: number, fire: (timer: InternalTimer) => void): void;
  readonly size: number;
}

/** The kind under which timer queues appear in a snapshot's state meta data. */
export const TIMER_STATE_TYPE = 'TIMER';

/** Flink's names of the queues of a timer service: `_timer_state/event_<name>`, `_timer_state/processing_<name>`. */
export function timerQueueName(serviceName: string, domain: 'event' | 'processing'): string {
  return `_timer_state/${domain}_${serviceName}`;
}

export function timerStateMetaInfo(name: string, namespaceSerializer: TypeSerializer<unknown>): StateMetaInfo {
  return {
    name,
    type: TIMER_STATE_TYPE,
    keySerializer: KeySerializer.INSTANCE.snapshotConfiguration(),
    namespaceSerializer: namespaceSerializer.snapshotConfiguration(),
    valueSerializer: { id: 'timer-timestamp', version: 1 },
  };
}

/**
 * A timer's timestamp as 8 bytes that sort like the numbers: big-endian two's complement with
 * the sign bit flipped. In snapshots a timer is a map-state-like entry (key, namespace) ->
 * { timestamp -> empty }, which is also how the RocksDB backend stores it.
 */
export function encodeTimerTimestamp(timestamp: number): Uint8Array {
  const out = new Uint8Array(8);
  const big = BigInt.asUintN(64, BigInt(timestamp)) ^ 0x8000000000000000n;
  new DataView(out.buffer).setBigUint64(0, big);
  return out;
}

export function decodeTimerTimestamp(bytes: Uint8Array, where: string): number {
  if (bytes.length !== 8) throw new Error(`Corrupt timer in ${where}: a timestamp of ${bytes.length} bytes, expected 8`);
  const big = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0) ^ 0x8000000000000000n;
  return Number(BigInt.asIntN(64, big));
}
