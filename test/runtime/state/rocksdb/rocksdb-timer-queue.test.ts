/*
 * Tests of the RocksDB timer queue beyond the backend suite: only the head of each key group is
 * in memory (at most CACHE_SIZE timers), refilled from RocksDB in timestamp order; registrations,
 * deletes and duplicates beyond the cached head; and a randomized comparison with the heap queue.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NamespaceSerializer } from '../../../../src/runtime/serialization/namespace-serializer.ts';
import { KeyGroupRange } from '../../../../src/runtime/state/key-group-range.ts';
import { assignToKeyGroup } from '../../../../src/runtime/state/key-group-range-assignment.ts';
import { VOID_NAMESPACE } from '../../../../src/runtime/state/keyed-state-backend.ts';
import { CACHE_SIZE, composeTimerKey, decodeTimerKey, encodeTimerKey, type RocksDBTimerQueue } from '../../../../src/runtime/state/rocksdb/rocksdb-timer-queue.ts';
import { HeapKeyedStateBackend } from '../../../../src/runtime/state/heap/heap-keyed-state-backend.ts';
import type { InternalTimerQueue } from '../../../../src/runtime/state/timers/timer-queue.ts';
import type { KeyedStateBackend } from '../../../../src/runtime/state/keyed-state-backend.ts';
import { rocksBackend, skipRocksDB } from './rocksdb-test-helpers.ts';

const NAME = '_timer_state/event_user-timers';

function cachedPerGroup(queue: RocksDBTimerQueue): number[] {
  return (queue as unknown as { groups: { timers: unknown[] }[] }).groups.map((g) => g.timers.length);
}

function drain(backend: KeyedStateBackend, queue: InternalTimerQueue, until = Number.MAX_SAFE_INTEGER): string[] {
  const out: string[] = [];
  queue.fireUntil(until, (t) => {
    backend.setCurrentKey(t.key);
    out.push(`${String(t.key)}@${t.timestamp}/${String(t.namespace)}`);
  });
  return out;
}

/** A deterministic pseudo-random sequence. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('RocksDB timer keys', () => {
  it('order by key group, then timestamp (negative ones first), and decode to their parts', () => {
    const prefix = (group: number, key: string) => {
      const k = new TextEncoder().encode(key);
      return Uint8Array.from([group >> 8, group & 0xff, 0, 0, 0, k.length, ...k]);
    };
    const keys = [encodeTimerKey(prefix(1, 'b'), -5, new Uint8Array(0)), encodeTimerKey(prefix(1, 'a'), 3, Uint8Array.of(1, 2)), encodeTimerKey(prefix(1, 'a'), 2 ** 40, new Uint8Array(0)), encodeTimerKey(prefix(2, 'a'), -1, new Uint8Array(0))];
    const sorted = [...keys].sort((a, b) => Buffer.compare(a, b));
    assert.deepEqual(sorted, keys);
    const parts = decodeTimerKey(keys[1]!, 'test');
    assert.equal(parts.keyGroup, 1);
    assert.equal(parts.timestamp, 3);
    assert.deepEqual([...parts.namespace], [1, 2]);
    assert.equal(new TextDecoder().decode(parts.key), 'a');
    assert.deepEqual(composeTimerKey(1, parts.key, parts.namespace, parts.timestampBytes), keys[1]);
    assert.throws(() => decodeTimerKey(keys[1]!.subarray(0, 15), 'queue X'), /Corrupt timer key in queue X/);
  });
});

describe('RocksDBTimerQueue', { skip: skipRocksDB }, () => {
  it('keeps at most CACHE_SIZE timers of a key group in memory and fires all of them in order', async (t) => {
    const b = rocksBackend(t, { keyGroupRange: KeyGroupRange.of(0, 3), maxParallelism: 128 });
    const queue = b.getTimerQueue(NAME, NamespaceSerializer.DEFAULT);
    // Three keys of key groups 0..3.
    const inRange: number[] = [];
    for (let k = 0; inRange.length < 3; k++) {
      try {
        b.setCurrentKey(k);
        inRange.push(k);
      } catch {
        // another key group
      }
    }
    const rnd = random(7);
    const expected: string[] = [];
    for (let i = 0; i < 1500; i++) {
      const key = inRange[i % 3]!;
      const ts = Math.floor(rnd() * 100_000) - 50_000;
      b.setCurrentKey(key);
      if (queue.add(VOID_NAMESPACE, ts)) expected.push(`${key}@${ts}`);
    }
    for (const n of cachedPerGroup(queue)) assert.ok(n <= CACHE_SIZE, `at most ${CACHE_SIZE} cached, got ${n}`);
    // Duplicates beyond the cache are written again but stay one timer.
    b.setCurrentKey(inRange[0]);
    queue.add(VOID_NAMESPACE, 49_999);
    queue.add(VOID_NAMESPACE, 49_999);
    const unique = [...new Set([...expected, `${inRange[0]}@49999`])];
    assert.equal(queue.size, unique.length);
    const fired = drain(b, queue).map((s) => s.replace(/\/.*/, ''));
    assert.deepEqual([...fired].sort(), [...unique].sort());
    const times = fired.map((s) => Number(s.split('@')[1]));
    assert.deepEqual(times, [...times].sort((x, y) => x - y), 'in timestamp order across refills');
    assert.equal(queue.size, 0);
  });

  it('behaves like the heap queue under random adds, deletes and watermarks', async (t) => {
    // Two key groups, so that each holds several times CACHE_SIZE timers.
    const range = KeyGroupRange.of(0, 1);
    const rocks = rocksBackend(t, { keyGroupRange: range });
    const heap = new HeapKeyedStateBackend({ keyGroupRange: range, maxParallelism: 128, where: 'heap' });
    const keys: number[] = [];
    for (let k = 0; keys.length < 6; k++) if (range.contains(assignToKeyGroup(k, 128))) keys.push(k);
    let maxCached = 0;
    let maxTimers = 0;
    const qr = rocks.getTimerQueue(NAME, NamespaceSerializer.DEFAULT);
    const qh = heap.getTimerQueue(NAME, NamespaceSerializer.DEFAULT);
    const rnd = random(42);
    let watermark = 0;
    for (let step = 0; step < 6000; step++) {
      const key = keys[Math.floor(rnd() * keys.length)]!;
      const ts = watermark + Math.floor(rnd() * 5000);
      const ns = rnd() < 0.5 ? VOID_NAMESPACE : `w${Math.floor(rnd() * 3)}`;
      const op = rnd();
      rocks.setCurrentKey(key);
      heap.setCurrentKey(key);
      if (op < 0.7) {
        qr.add(ns, ts);
        qh.add(ns, ts);
      } else if (op < 0.85) {
        qr.delete(ns, ts);
        qh.delete(ns, ts);
      } else if (op < 0.99) {
        maxCached = Math.max(maxCached, ...cachedPerGroup(qr));
        maxTimers = Math.max(maxTimers, qh.size);
      } else {
        watermark += Math.floor(rnd() * 1500);
        assert.deepEqual(drain(rocks, qr, watermark).sort(), drain(heap, qh, watermark).sort(), `step ${step}`);
        assert.equal(qr.peekTimestamp(), qh.peekTimestamp());
      }
    }
    assert.equal(maxCached, CACHE_SIZE, 'the caches filled up (and were bounded)');
    assert.ok(maxTimers > 2 * CACHE_SIZE, `timers beyond the caches: ${maxTimers}`);
    assert.equal(qr.size, qh.size);
    assert.deepEqual(drain(rocks, qr).sort(), drain(heap, qh).sort());
  });
});
