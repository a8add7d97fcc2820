/*
 * Tests of KeyMap, the per-namespace table of heap state: against a JS Map on random operations
 * with keys that are dense, strided by powers of two, negative, near the int32 limits, or not
 * int32 at all (strings, fractions, big numbers, booleans), including deletions that shift
 * entries back, growing and shrinking, sizing up front, and the switch to the scrambling hash
 * when keys pile up.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyMap } from '../../../../src/runtime/state/heap/key-map.ts';
import type { NormalizedKey } from '../../../../src/runtime/state/heap/state-keys.ts';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Applies random sets and deletes of `keys` to a KeyMap and a Map and compares them throughout. */
function compare(keys: readonly NormalizedKey[], seed: number, operations: number): void {
  const next = random(seed);
  const table = new KeyMap<string>();
  const expected = new Map<NormalizedKey, string>();
  for (let op = 0; op < operations; op++) {
    const key = keys[Math.floor(next() * keys.length)]!;
    const r = next();
    if (r < 0.55) {
      table.set(key, `v${op}`);
      expected.set(key, `v${op}`);
    } else if (r < 0.85) {
      assert.equal(table.delete(key), expected.delete(key), `delete ${String(key)} at ${op}`);
    } else {
      assert.equal(table.get(key), expected.get(key), `get ${String(key)} at ${op}`);
      assert.equal(table.has(key), expected.has(key));
    }
    if (op % 997 === 0) check(table, expected);
  }
  check(table, expected);
  for (const key of [...expected.keys()]) {
    assert.ok(table.delete(key));
    expected.delete(key);
  }
  check(table, expected);
}

function check(table: KeyMap<string>, expected: Map<NormalizedKey, string>): void {
  assert.equal(table.size, expected.size);
  for (const [key, value] of expected) assert.equal(table.get(key), value, `get ${String(key)}`);
  const entries = [...table.entries()];
  assert.equal(entries.length, expected.size);
  for (const [key, value] of entries) assert.equal(expected.get(key), value);
  assert.deepEqual(new Map(table.toMap()), expected);
  assert.deepEqual(new Set(table.keys()), new Set(expected.keys()));
}

const range = (n: number, f: (i: number) => NormalizedKey) => Array.from({ length: n }, (_, i) => f(i));

describe('KeyMap', () => {
  it('agrees with a Map on dense keys', () => compare(range(3000, (i) => i), 1, 40_000));
  it('agrees with a Map on keys strided by powers of two', () => {
    for (const stride of [2, 64, 2048, 1 << 16, 1 << 22]) compare(range(1500, (i) => i * stride), stride, 12_000);
  });
  it('agrees with a Map on negative keys and keys near the int32 limits', () => {
    compare([...range(500, (i) => -i), ...range(200, (i) => 2147483647 - i), ...range(200, (i) => -2147483648 + i)], 3, 20_000);
  });
  it('agrees with a Map on random int32 keys', () => {
    const next = random(4);
    compare(range(5000, () => (Math.floor(next() * 4294967296) | 0)), 5, 40_000);
  });
  it('agrees with a Map on keys that are not int32', () => {
    compare([...range(300, (i) => `k${i}`), ...range(200, (i) => i + 0.5), 2 ** 40, -(2 ** 33), true, false, 10n, ...range(300, (i) => i)], 6, 20_000);
  });
  it('keeps its entries through growing and shrinking', () => {
    const table = new KeyMap<number>();
    for (let k = 0; k < 100_000; k++) table.set(k, k);
    assert.equal(table.size, 100_000);
    for (let k = 0; k < 100_000; k += 2) assert.ok(table.delete(k));
    for (let k = 0; k < 100_000; k++) assert.equal(table.get(k), k % 2 === 0 ? undefined : k);
    for (let k = 1; k < 100_000; k += 2) assert.ok(table.delete(k));
    assert.equal(table.size, 0);
    assert.deepEqual([...table.entries()], []);
  });
  it('takes an expected size up front and tells the most keys it held', () => {
    for (const expected of [0, 10, 5000, 1e9]) {
      const table = new KeyMap<number>(expected);
      for (let k = 0; k < 3000; k++) table.set(k, k);
      table.set('s', 1);
      for (let k = 0; k < 2000; k++) table.delete(k);
      assert.equal(table.size, 1001);
      assert.equal(table.peakSize, 3001);
      for (let k = 2000; k < 3000; k++) assert.equal(table.get(k), k);
    }
  });

  it('stays correct when keys pile up in one run of slots', () => {
    // Keys that fold into the same slots: multiples of the capacity with the folded bits cancelled.
    const keys = range(2000, (i) => (i << 22) ^ (i << 11) ^ i);
    compare(keys, 7, 20_000);
  });
});
