/*
 * Tests of the RocksDB key layout: key group first (so key groups are contiguous ranges), the
 * namespace length-prefixed (so one namespace's map entries never fall into another's prefix).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendUserKey,
  composeStateKey,
  decodeStateKey,
  keyGroupOf,
  keyGroupStart,
  nativeBytes,
  prefixEnd,
  serializeKeyPrefix,
  serializeStateKey,
} from '../../../../src/runtime/state/rocksdb/rocksdb-key-layout.ts';

const compare = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(a, b);

describe('RocksDB key layout', () => {
  it('composes the same bytes from the current key prefix as from snapshot parts, and decodes them', () => {
    const key = new Uint8Array([1, 2, 3]);
    const ns = new Uint8Array([9]);
    const user = new Uint8Array([7, 7]);
    const viaPrefix = appendUserKey(serializeStateKey(serializeKeyPrefix(300, key), ns), user);
    assert.deepEqual(viaPrefix, composeStateKey(300, key, ns, user));
    const parts = decodeStateKey(viaPrefix, 'test');
    assert.equal(parts.keyGroup, 300);
    assert.equal(keyGroupOf(viaPrefix), 300);
    assert.deepEqual([...parts.key], [1, 2, 3]);
    assert.deepEqual([...parts.namespace], [9]);
    assert.deepEqual([...parts.userKey], [7, 7]);
    assert.throws(() => decodeStateKey(viaPrefix.subarray(0, 8), 'state x'), /Corrupt state key in state x/);
  });

  it('sorts every key of a key group between keyGroupStart(g) and keyGroupStart(g + 1)', () => {
    const k = composeStateKey(5, new Uint8Array(300).fill(0xff), new Uint8Array(0));
    assert.ok(compare(keyGroupStart(5), k) <= 0 && compare(k, keyGroupStart(6)) < 0);
    assert.deepEqual([...keyGroupStart(32767)], [0x7f, 0xff]);
  });

  it("keeps the void namespace's map entries apart from a window namespace's", () => {
    const prefix = serializeKeyPrefix(1, new Uint8Array([4]));
    const voidState = serializeStateKey(prefix, new Uint8Array(0));
    const windowEntry = appendUserKey(serializeStateKey(prefix, new Uint8Array([1, 2])), new Uint8Array([3]));
    const end = prefixEnd(voidState)!;
    assert.ok(!(compare(voidState, windowEntry) <= 0 && compare(windowEntry, end) < 0));
    assert.equal(prefixEnd(new Uint8Array([0xff, 0xff])), undefined);
    assert.deepEqual([...prefixEnd(new Uint8Array([1, 0xff]))!], [2]);
  });

  it('hands out zeroed, non-overlapping byte views that stay valid when the slab is replaced', () => {
    const views: Uint8Array[] = [];
    // More than one 8 KiB slab, with sizes that do not divide it evenly.
    for (let i = 0; i < 1500; i++) {
      const bytes = nativeBytes(1 + (i % 13));
      assert.ok(bytes.every((b) => b === 0));
      bytes.fill(i & 0xff);
      views.push(bytes);
    }
    for (const [i, bytes] of views.entries()) assert.ok(bytes.every((b) => b === (i & 0xff)), `view ${i} was overwritten`);
    const large = nativeBytes(4096);
    assert.equal(large.length, 4096);
    assert.equal(large.byteOffset, 0);
    assert.equal(nativeBytes(0).length, 0);
  });

  it('builds keys in slab views that compare and decode like fresh arrays', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => composeStateKey(i % 128, new Uint8Array([i >>> 8, i & 0xff]), new Uint8Array(0)));
    for (const [i, key] of keys.entries()) {
      const parts = decodeStateKey(key, 'test');
      assert.equal(parts.keyGroup, i % 128);
      assert.deepEqual([...parts.key], [i >>> 8, i & 0xff]);
      assert.deepEqual(key, Uint8Array.from(key));
    }
  });
});
