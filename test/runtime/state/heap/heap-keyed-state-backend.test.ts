/*
 * Tests of HeapKeyedStateBackend: state scoped to the current key, tables by name, storage by key
 * group within the backend's range, keys by value (tuples, dates), and the errors for a key
 * outside the range, an invalid key, and state used without a key.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError } from 'flink-ts';
import { HeapKeyedStateBackend } from '../../../../src/runtime/state/heap/heap-keyed-state-backend.ts';
import { KeyGroupRange } from '../../../../src/runtime/state/key-group-range.ts';
import { assignToKeyGroup, computeKeyGroupRangeForOperatorIndex } from '../../../../src/runtime/state/key-group-range-assignment.ts';

const MAX_PARALLELISM = 128;

function fullBackend(): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend(KeyGroupRange.of(0, MAX_PARALLELISM - 1), MAX_PARALLELISM, "operator 'test' (subtask 1/1)");
}

/** A key of `prefix` + n that falls into (or, with inRange false, outside) `range`. */
function keyIn(range: KeyGroupRange, inRange: boolean, prefix = 'k'): string {
  for (let i = 0; ; i++) {
    const key = `${prefix}${i}`;
    if (range.contains(assignToKeyGroup(key, MAX_PARALLELISM)) === inRange) return key;
  }
}

describe('HeapKeyedStateBackend', () => {
  it('keeps a value per key', () => {
    const b = fullBackend();
    const t = b.getOrCreateTable<number>('count');
    b.setCurrentKey('a');
    assert.equal(t.get(), undefined);
    t.put(1);
    b.setCurrentKey('b');
    assert.equal(t.get(), undefined);
    t.put(2);
    b.setCurrentKey('a');
    assert.equal(t.get(), 1);
    assert.equal(b.getCurrentKey(), 'a');
    assert.equal(t.size(), 2);
  });

  it('keeps tables apart by name and returns the same table for a name', () => {
    const b = fullBackend();
    const x = b.getOrCreateTable<string>('x');
    const y = b.getOrCreateTable<string>('y');
    assert.equal(b.getOrCreateTable('x'), x);
    b.setCurrentKey(7);
    x.put('in x');
    assert.equal(y.get(), undefined);
    assert.equal(x.name, 'x');
  });

  it('removes the value of the current key only', () => {
    const b = fullBackend();
    const t = b.getOrCreateTable<number>('v');
    for (const k of ['a', 'b']) {
      b.setCurrentKey(k);
      t.put(1);
    }
    b.setCurrentKey('a');
    t.remove();
    assert.equal(t.get(), undefined);
    b.setCurrentKey('b');
    assert.equal(t.get(), 1);
    assert.equal(t.size(), 1);
  });

  it('treats keys that are equal by value as the same key (tuples, dates, -0)', () => {
    const b = fullBackend();
    const t = b.getOrCreateTable<string>('v');
    b.setCurrentKey(['user', 1]);
    t.put('tuple');
    b.setCurrentKey(['user', 1]);
    assert.equal(t.get(), 'tuple');
    b.setCurrentKey(['user', '1']);
    assert.equal(t.get(), undefined, 'a different element type is a different key');
    b.setCurrentKey(new Date(1000));
    t.put('date');
    b.setCurrentKey(new Date(1000));
    assert.equal(t.get(), 'date');
    b.setCurrentKey(0);
    t.put('zero');
    b.setCurrentKey(-0);
    assert.equal(t.get(), 'zero');
    b.setCurrentKey('1');
    assert.equal(t.get(), undefined, 'the string "1" is not the number 1');
  });

  it('stores entries by key group, readable per key group for snapshots', () => {
    const b = fullBackend();
    const t = b.getOrCreateTable<number>('v');
    const keys = Array.from({ length: 50 }, (_, i) => `key-${i}`);
    for (const [i, k] of keys.entries()) {
      b.setCurrentKey(k);
      t.put(i);
    }
    const seen = new Map<unknown, number>();
    for (const kg of b.keyGroupRange) {
      for (const [k, v] of t.entriesOfKeyGroup(kg)) {
        assert.equal(assignToKeyGroup(k, MAX_PARALLELISM), kg, `${String(k)} is stored in its key group`);
        seen.set(k, v);
      }
    }
    assert.equal(seen.size, 50);
    assert.equal(seen.get('key-7'), 7);
  });

  it('accepts keys of its key-group range and rejects others, naming key, key group, range and operator', () => {
    const range = computeKeyGroupRangeForOperatorIndex(MAX_PARALLELISM, 4, 1);
    const b = new HeapKeyedStateBackend(range, MAX_PARALLELISM, "operator 'Keyed Reduce' (subtask 2/4)");
    const t = b.getOrCreateTable<number>('v');
    const inside = keyIn(range, true);
    b.setCurrentKey(inside);
    t.put(1);
    const outside = keyIn(range, false);
    assert.throws(
      () => b.setCurrentKey(outside),
      (e: unknown) =>
        FlinkError.isFlinkError(e) &&
        e.code === ErrorCodes.FLINK_TS_ILLEGAL_STATE &&
        e.message.includes(`Key ${outside} belongs to key group ${assignToKeyGroup(outside, MAX_PARALLELISM)}`) &&
        e.message.includes("operator 'Keyed Reduce' (subtask 2/4)") &&
        e.message.includes(range.toString()),
    );
    assert.equal(b.getCurrentKey(), inside, 'a rejected key does not become current');
    assert.equal(t.get(), 1);
  });

  it('indexes its tables from the start of its range', () => {
    const range = KeyGroupRange.of(64, 127);
    const b = new HeapKeyedStateBackend(range, MAX_PARALLELISM, 'x');
    const t = b.getOrCreateTable<string>('v');
    const key = keyIn(range, true);
    b.setCurrentKey(key);
    t.put('v');
    const kg = assignToKeyGroup(key, MAX_PARALLELISM);
    assert.equal(b.currentKeyGroupIndex, kg - 64);
    assert.deepEqual([...t.entriesOfKeyGroup(kg)], [[key, 'v']]);
  });

  it('rejects keys that cannot be hashed', () => {
    const b = fullBackend();
    for (const bad of [Number.NaN, { id: 1 }, null, undefined, [1, Number.NaN]]) {
      assert.throws(() => b.setCurrentKey(bad), (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_INVALID_KEY && e.message.includes("operator 'test'"));
    }
  });

  it('requireKey fails until a key is set', () => {
    const b = fullBackend();
    assert.throws(() => b.requireKey(), (e: unknown) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_ILLEGAL_STATE && /outside of a keyed context/.test(e.message) && e.message.includes("operator 'test'"));
    b.setCurrentKey('a');
    b.requireKey();
  });
});
