/*
 * Tests of the heap backend's Map keys: denormalizeKey inverts normalizeKey for every kind of
 * key; namespaces and map keys equal by value share one Map key and come back from their bytes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeKey } from '../../../../src/runtime/state/key-hash.ts';
import { VOID_NAMESPACE } from '../../../../src/runtime/state/keyed-state-backend.ts';
import { NamespaceSerializer } from '../../../../src/runtime/serialization/namespace-serializer.ts';
import { MsgpackSerializer } from '../../../../src/runtime/serialization/msgpack-serializer.ts';
import {
  denormalizeKey,
  namespaceKey,
  namespaceKeyFromBytes,
  namespaceKeyToBytes,
  userKeyOf,
  userMapKey,
  userMapKeyFromBytes,
  userMapKeyToBytes,
} from '../../../../src/runtime/state/heap/state-keys.ts';

const KEYS: unknown[] = [
  'plain',
  '',
  '\u0000starts with NUL',
  'quotes " and \\ and , and ] and [',
  '\ud800 lone surrogate',
  0,
  -7,
  1.5,
  -1e-7,
  1e21,
  Number.MAX_VALUE,
  Infinity,
  -Infinity,
  true,
  false,
  12345678901234567890123n,
  -5n,
  new Date(0),
  new Date(-86_400_000),
  [],
  ['a', 1, true, 2n, new Date(5)],
  [['nested', ['deeper', 'x,y']], [], '"]'],
  [1e21, -0.5, 'd1', 'true', '5n'],
];

describe('denormalizeKey', () => {
  it('gives back the key of every normalized key', () => {
    for (const key of KEYS) {
      const back = denormalizeKey(normalizeKey(key));
      assert.deepEqual(back, key, `key ${String(key)}`);
      assert.equal(normalizeKey(back), normalizeKey(key));
    }
  });

  it('rejects a malformed normalized key', () => {
    assert.throws(() => denormalizeKey('\u0000x'), /Malformed/);
    assert.throws(() => denormalizeKey('\u0000t[1,2'), /Malformed/);
  });
});

describe('namespace keys', () => {
  it('keeps VOID_NAMESPACE, numbers and plain strings as themselves and maps equal windows to one key', () => {
    assert.equal(namespaceKey(VOID_NAMESPACE), VOID_NAMESPACE);
    assert.equal(namespaceKey(5), 5);
    assert.equal(namespaceKey(-0), 0);
    assert.equal(namespaceKey('w'), 'w');
    assert.equal(namespaceKey({ start: 1, end: 2 }), namespaceKey({ start: 1, end: 2 }));
    assert.notEqual(namespaceKey({ start: 1, end: 2 }), namespaceKey({ start: 1, end: 3 }));
    assert.notEqual(namespaceKey('\u0000x'), '\u0000x');
  });

  it('round-trips through the bytes of NamespaceSerializer.DEFAULT', () => {
    for (const ns of [VOID_NAMESPACE, 5, 'w', '\u0000x', { start: 1, end: 2 }, [1, 2]]) {
      const key = namespaceKey(ns);
      const bytes = namespaceKeyToBytes(key);
      if (ns !== VOID_NAMESPACE) assert.deepEqual(NamespaceSerializer.DEFAULT.deserialize(bytes), ns);
      assert.equal(namespaceKeyFromBytes(ns === VOID_NAMESPACE ? new Uint8Array(0) : bytes), key);
    }
  });
});

describe('MapState user keys', () => {
  const s = MsgpackSerializer.INSTANCE;
  it('keeps primitives, maps equal composite keys to one key, and gives the user key back', () => {
    assert.equal(userMapKey('k', s), 'k');
    assert.equal(userMapKey(2n, s), 2n);
    assert.equal(userMapKey(['a', 1], s), userMapKey(['a', 1], s));
    assert.notEqual(userMapKey('1', s), userMapKey(1, s));
    for (const key of ['k', 1, true, 3n, ['a', 1], { x: [1, 2] }, '\u0000z', null]) {
      const k = userMapKey(key, s);
      assert.deepEqual(userKeyOf(k, s), key);
      assert.equal(userMapKeyFromBytes(userMapKeyToBytes(k, s), s), k);
    }
  });
});
