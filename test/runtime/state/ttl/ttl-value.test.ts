/*
 * Tests of the TTL value encoding (8-byte big-endian timestamp, then the value's bytes), expiry,
 * TtlSerializer, and the per-kind cleanup of stored values.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StateTypes } from '../../../../src/api/state/state.ts';
import { MsgpackSerializer } from '../../../../src/runtime/serialization/msgpack-serializer.ts';
import { Compatibility } from '../../../../src/runtime/serialization/type-serializer.ts';
import { ttlEntryCleaner } from '../../../../src/runtime/state/ttl/ttl-cleanup.ts';
import { encodeTtlBytes, isExpired, isExpiredBytes, readTtlTimestamp, TtlSerializer, ttlUserBytes, ttlValue } from '../../../../src/runtime/state/ttl/ttl-value.ts';

describe('TTL value encoding', () => {
  it('writes the timestamp as an 8-byte big-endian long before the value bytes', () => {
    const bytes = encodeTtlBytes(0x0102030405, new Uint8Array([9, 8]));
    assert.deepEqual([...bytes], [0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05, 9, 8]);
    assert.equal(readTtlTimestamp(bytes), 0x0102030405);
    assert.deepEqual([...ttlUserBytes(bytes)], [9, 8]);
    const view = new DataView(bytes.buffer);
    assert.equal(view.getBigInt64(0), 0x0102030405n, 'readable as a Java long');
  });

  it('round-trips current, large and negative timestamps', () => {
    for (const ts of [0, 1, Date.now(), 2 ** 40 + 7, Number.MAX_SAFE_INTEGER, -1, -(2 ** 33) - 5]) {
      const bytes = encodeTtlBytes(ts, new Uint8Array(0));
      assert.equal(readTtlTimestamp(bytes), ts);
      assert.equal(new DataView(bytes.buffer).getBigInt64(0), BigInt(ts));
    }
    assert.throws(() => readTtlTimestamp(new Uint8Array(3)), RangeError);
  });

  it('expires a value once timestamp + ttl <= now', () => {
    assert.equal(isExpired(1000, 100, 1099), false);
    assert.equal(isExpired(1000, 100, 1100), true);
    assert.equal(isExpiredBytes(encodeTtlBytes(1000, new Uint8Array(0)), 100, 1100), true);
  });
});

describe('TtlSerializer', () => {
  const s = new TtlSerializer<{ a: number }>(MsgpackSerializer.INSTANCE);

  it('serializes TtlValues and copies the user value', () => {
    const v = ttlValue({ a: 1 }, 12345);
    const back = s.deserialize(s.serialize(v));
    assert.deepEqual(back, v);
    const copy = s.copy(v);
    assert.deepEqual(copy, v);
    assert.notEqual(copy.userValue, v.userValue);
  });

  it('delegates compatibility to the user serializer and refuses values without timestamps', () => {
    assert.equal(s.resolveSchemaCompatibility(s.snapshotConfiguration()).compatibility, Compatibility.COMPATIBLE_AS_IS);
    assert.equal(s.resolveSchemaCompatibility(MsgpackSerializer.INSTANCE.snapshotConfiguration()).compatibility, Compatibility.INCOMPATIBLE);
  });
});

describe('ttlEntryCleaner', () => {
  it('removes expired values, list elements and map entries without changing the stored object', () => {
    const old = ttlValue('old', 1000);
    const fresh = ttlValue('fresh', 1090);
    const value = ttlEntryCleaner(StateTypes.VALUE, 100);
    assert.equal(value(old, 1100), undefined);
    assert.equal(value(fresh, 1100), fresh);
    const list = ttlEntryCleaner(StateTypes.LIST, 100);
    const stored = [fresh, old, fresh];
    assert.deepEqual(list(stored, 1100), [fresh, fresh]);
    assert.equal(stored.length, 3);
    const unchanged = [fresh];
    assert.equal(list(unchanged, 1100), unchanged, 'nothing expired: the stored list itself');
    assert.equal(list([old], 1100), undefined);
    const map = ttlEntryCleaner(StateTypes.MAP, 100);
    const entries = new Map([
      ['a', fresh],
      ['b', old],
      ['c', fresh],
    ]);
    assert.deepEqual([...(map(entries, 1100) as Map<string, unknown>).keys()], ['a', 'c']);
    assert.equal(entries.size, 3);
    assert.equal(map(new Map([['a', fresh]]), 1100) instanceof Map, true);
    assert.equal(map(new Map([['b', old]]), 1100), undefined);
  });
});
