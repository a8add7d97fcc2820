/*
 * Tests of key hashing, equality and normalization. Expected hash codes were produced by a Java 17
 * program calling String/Double/Long/Boolean/Date.hashCode and Arrays.hashCode on the same values.
 */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hashKey, hashString, keysEqual, normalizeKey } from '../../../src/runtime/state/key-hash.ts';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';

function isInvalidKey(pattern?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(FlinkError.isFlinkError(err));
    assert.equal(err.code, ErrorCodes.FLINK_TS_INVALID_KEY);
    assert.match(err.message, /a key must be a string, a number \(not NaN\), a bigint, a boolean, a Date, or an array/);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}

describe('hashKey', () => {
  it('hashes strings like Java String.hashCode (UTF-16 code units)', () => {
    const vectors: Array<[string, number]> = [
      ['a', 97], ['hello', 99162322], ['user-42', -147182656], ['', 0], ['Flink', 67968320],
      ['\u00e9t\u00e9', 227742], ['\ud83d\ude00', 1772899],
    ];
    for (const [s, h] of vectors) {
      assert.equal(hashKey(s), h, s);
      assert.equal(hashString(s), h, s);
    }
  });

  it('hashes int32 numbers to themselves like Integer.hashCode', () => {
    for (const n of [0, 1, -1, 42, 2147483647, -2147483648]) assert.equal(hashKey(n), n);
  });

  it('hashes other numbers like Double.hashCode', () => {
    const vectors: Array<[number, number]> = [
      [1.5, 1073217536], [-1.5, -1074266112], [3e9, -2115610101], [-3e9, 31873547], [0.1, -1507852285],
      [2147483648, 1105199104], [9007199254740991, -1128267776], [-9007199254740991, 1019215872],
      [Infinity, 2146435072], [-Infinity, -1048576], [1e300, -164130400], [5e-324, 1],
    ];
    for (const [n, h] of vectors) assert.equal(hashKey(n), h, String(n));
  });

  it('treats -0 as 0', () => {
    assert.equal(hashKey(-0), 0);
    assert.ok(Object.is(normalizeKey(-0), 0));
    assert.equal(hashKey([-0]), hashKey([0]));
  });

  it('hashes bigints like Long.hashCode, and beyond 64 bits by their decimal string', () => {
    const vectors: Array<[bigint, number]> = [
      [0n, 0], [1n, 1], [-1n, 0], [4294967296n, 1], [-4294967296n, -1],
      [9223372036854775807n, -2147483648], [-9223372036854775808n, -2147483648],
      [1700000000000n, -807048821], [123456789012345678n, -1484363771],
      [18446744073709551616n, 1823116550], [-9223372036854775809n, 1304595159],
    ];
    for (const [b, h] of vectors) assert.equal(hashKey(b), h, String(b));
  });

  it('hashes booleans like Boolean.hashCode and Dates like Date.hashCode', () => {
    assert.equal(hashKey(true), 1231);
    assert.equal(hashKey(false), 1237);
    const dates: Array<[number, number]> = [[0, 0], [1700000000000, -807048821], [-1, 0], [8640000000000000, -1027427832]];
    for (const [t, h] of dates) assert.equal(hashKey(new Date(t)), h, String(t));
  });

  it('hashes tuples like Arrays.hashCode, recursively', () => {
    assert.equal(hashKey(['a', 1]), 3969);
    assert.equal(hashKey(['user-42', 7, true]), 291419591);
    assert.equal(hashKey([]), 1);
    assert.equal(hashKey([['a', 'b'], 1.5]), 1073344543);
  });

  it('always returns a 32-bit signed int', () => {
    for (const k of ['x'.repeat(1000), 123456.789, 2 ** 52 + 1, -(2 ** 40), 2n ** 100n, new Date(), [[1, 'a'], 2n, false]]) {
      const h = hashKey(k);
      assert.equal(h, h | 0);
    }
  });

  it('rejects values that are not keys, naming what was returned', () => {
    assert.throws(() => hashKey(undefined), isInvalidKey(/returned undefined/));
    assert.throws(() => hashKey(null), isInvalidKey(/returned null/));
    assert.throws(() => hashKey(NaN), isInvalidKey(/returned NaN/));
    assert.throws(() => hashKey({ id: 1 }), isInvalidKey(/a plain object \{"id":1\}/));
    assert.throws(() => hashKey(new Map()), isInvalidKey(/an object of class Map/));
    assert.throws(() => hashKey(function keyFn() {}), isInvalidKey(/a function \(keyFn\)/));
    assert.throws(() => hashKey(Symbol('s')), isInvalidKey(/a symbol \(Symbol\(s\)\)/));
    assert.throws(() => hashKey(new Date(NaN)), isInvalidKey(/an invalid Date/));
    assert.throws(() => hashKey(['a', [1, undefined]]), isInvalidKey(/an array whose element \[1\]\[1\] is undefined/));
    assert.throws(() => hashKey([NaN]), isInvalidKey(/element \[0\] is NaN/));
  });

  it('puts the caller context into the message', () => {
    assert.throws(() => hashKey(null, "operator 'counts' (subtask 2/4)"), isInvalidKey(/^Invalid key in operator 'counts' \(subtask 2\/4\): /));
  });
});

describe('keysEqual', () => {
  it('compares primitives by value, Dates by time and tuples element-wise', () => {
    assert.ok(keysEqual('a', 'a'));
    assert.ok(keysEqual(0, -0));
    assert.ok(keysEqual(5n, 5n));
    assert.ok(keysEqual(new Date(5), new Date(5)));
    assert.ok(keysEqual(['a', [1, new Date(3)]], ['a', [1, new Date(3)]]));
    assert.ok(!keysEqual('1', 1));
    assert.ok(!keysEqual(1, 1n));
    assert.ok(!keysEqual(new Date(5), 5));
    assert.ok(!keysEqual(['a', 1], ['a', 1, 2]));
    assert.ok(!keysEqual(['a', 1], ['a', 2]));
    assert.ok(!keysEqual(['a'], 'a'));
  });

  it('agrees with hashKey: equal keys have equal hashes', () => {
    const pairs: Array<[unknown, unknown]> = [[-0, 0], [new Date(99), new Date(99)], [[1, ['x']], [1, ['x']]], [[-0], [0]]];
    for (const [a, b] of pairs) {
      assert.ok(keysEqual(a, b));
      assert.equal(hashKey(a), hashKey(b));
    }
  });
});

describe('normalizeKey', () => {
  it('returns primitives as themselves', () => {
    assert.equal(normalizeKey('abc'), 'abc');
    assert.equal(normalizeKey(1.5), 1.5);
    assert.equal(normalizeKey(true), true);
    assert.equal(normalizeKey(7n), 7n);
  });

  it('gives equal keys the same Map key and different keys different Map keys', () => {
    const keys: unknown[] = [
      'a', '1', 1, 1n, true, 'true', new Date(1), 'd1', '\u0000d1', '\u0000sx', '\u0000', '',
      [], [''], ['a', 1], ['a', '1'], ['a', 1n], [['a'], 1], [['a', 1]], ['a,1'], [new Date(1)], ['d1'],
      [true], ['true'], [Infinity], [-Infinity], ['Infinity'], [1e21], ['1e+21'], ['a"', 'b'], ['a', '"b'],
    ];
    const seen = new Map<unknown, unknown>();
    for (const k of keys) {
      const n = normalizeKey(k);
      assert.ok(!seen.has(n), `collision between ${String(seen.get(n))} and ${String(k)}`);
      seen.set(n, k);
    }
    assert.equal(normalizeKey(new Date(1)), normalizeKey(new Date(1)));
    assert.equal(normalizeKey(['a', [1, -0]]), normalizeKey(['a', [1, 0]]));
    const m = new Map<unknown, number>();
    m.set(normalizeKey(['k', 1]), 1);
    assert.equal(m.get(normalizeKey(['k', 1])), 1);
  });

  it('rejects what hashKey rejects', () => {
    assert.throws(() => normalizeKey(undefined), isInvalidKey());
    assert.throws(() => normalizeKey(NaN), isInvalidKey());
    assert.throws(() => normalizeKey({}), isInvalidKey());
    assert.throws(() => normalizeKey(['a', null]), isInvalidKey(/element \[1\] is null/));
    assert.throws(() => normalizeKey(new Date(NaN), 'operator x'), isInvalidKey(/in operator x/));
  });
});
