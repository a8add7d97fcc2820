/*
 * Tests of the serializers of Types: round trips with edge values, copies, encoding size against
 * JSON, value-type errors that name the field, and rebuilding serializers from snapshots alone.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Types, serializerFromSnapshot, describeSerializerSnapshot, type TypeOf } from '../../../src/runtime/serialization/types.ts';
import { MsgpackSerializer } from '../../../src/runtime/serialization/msgpack-serializer.ts';
import type { SerializerSnapshot, TypeSerializer } from '../../../src/runtime/serialization/type-serializer.ts';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';

function roundTrip<T>(serializer: TypeSerializer<T>, value: T): T {
  return serializer.deserialize(serializer.serialize(value));
}

function jsonSnapshot(serializer: TypeSerializer<unknown>): SerializerSnapshot {
  return JSON.parse(JSON.stringify(serializer.snapshotConfiguration())) as SerializerSnapshot;
}

function isSerializationError(pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof TypeError, String(err));
    assert.match(err.message, pattern);
    return true;
  };
}

const ADDRESS = Types.OBJECT({ street: Types.STRING, zip: Types.STRING });
const ORDER = Types.OBJECT(
  {
    id: Types.STRING,
    qty: Types.INT,
    price: Types.NUMBER,
    total: Types.BIGINT,
    paid: Types.BOOLEAN,
    at: Types.DATE,
    blob: Types.BYTES,
    tags: Types.LIST(Types.STRING),
    prices: Types.MAP(Types.STRING, Types.NUMBER),
    pair: Types.TUPLE(Types.STRING, Types.INT),
    address: Types.NULLABLE(ADDRESS),
    extra: Types.ANY,
    note: Types.STRING,
  },
  { optional: ['note'] },
);

function sampleOrder(i: number): TypeOf<typeof ORDER> {
  return {
    id: `order-${i}`,
    qty: i,
    price: i * 1.25,
    total: BigInt(i) * 1_000_000_000_000n,
    paid: i % 2 === 0,
    at: new Date(1_700_000_000_000 + i),
    blob: new Uint8Array([i & 0xff, 1, 2]),
    tags: ['a', 'bb'],
    prices: new Map([['eu', 1.5]]),
    pair: ['p', i],
    address: i % 3 === 0 ? null : { street: 'Main St', zip: '10115' },
    extra: { anything: [1, 'two'] },
  };
}

describe('Types round trips', () => {
  it('STRING keeps empty, unicode, BOM, long and boundary-length strings', () => {
    const values = ['', 'a', 'héllo wörld', '日本語テキスト', '😀 emoji \u{1F680}', '\uFEFFleading BOM', 'x'.repeat(42), 'x'.repeat(43), 'é'.repeat(43), 'ü'.repeat(100_000), 'y'.repeat(70_000), 'nul\u0000byte'];
    for (const v of values) assert.equal(roundTrip(Types.STRING, v), v, JSON.stringify(v.slice(0, 20)));
  });

  it('STRING writes a lone surrogate as U+FFFD, like every UTF-8 encoder', () => {
    assert.equal(roundTrip(Types.STRING, 'a\uD800b'), 'a\uFFFDb');
  });

  it('NUMBER keeps -0, NaN, infinities and extreme values exactly', () => {
    for (const v of [0, -0, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.MAX_VALUE, Number.MIN_VALUE, 0.1, -1e-300]) {
      assert.ok(Object.is(roundTrip(Types.NUMBER, v), v), String(v));
    }
    assert.equal(Types.NUMBER.serialize(1).length, 8);
  });

  it('INT keeps the int32 range in a zigzag varint and rejects everything else', () => {
    for (const v of [0, 1, -1, 63, -64, 64, 127, 128, 300, -300, 2 ** 31 - 1, -(2 ** 31)]) assert.equal(roundTrip(Types.INT, v), v);
    assert.equal(Types.INT.serialize(0).length, 1);
    assert.equal(Types.INT.serialize(-64).length, 1);
    assert.equal(Types.INT.serialize(2 ** 31 - 1).length, 5);
    assert.ok(Object.is(roundTrip(Types.INT, -0), 0));
    for (const bad of [2 ** 31, -(2 ** 31) - 1, 1.5, NaN, Infinity, '1', 1n]) {
      assert.throws(() => Types.INT.serialize(bad as number), isSerializationError(/Cannot serialize value: expected INT/));
    }
  });

  it('BIGINT keeps any size and sign', () => {
    const values = [0n, 1n, -1n, 255n, 256n, -256n, 2n ** 53n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n, 2n ** 64n, -(2n ** 64n) - 5n, 10n ** 1000n, -(7n ** 777n)];
    for (const v of values) assert.equal(roundTrip(Types.BIGINT, v), v, String(v));
    assert.equal(Types.BIGINT.serialize(0n).length, 1);
    assert.equal(Types.BIGINT.serialize(-255n).length, 2);
    assert.throws(() => Types.BIGINT.serialize(5 as unknown as bigint), isSerializationError(/expected BIGINT, got number 5/));
  });

  it('BOOLEAN, DATE (also invalid dates) and BYTES', () => {
    assert.equal(roundTrip(Types.BOOLEAN, true), true);
    assert.equal(roundTrip(Types.BOOLEAN, false), false);
    for (const t of [0, -1, 8.64e15, -8.64e15, 1_700_000_000_123]) assert.equal(roundTrip(Types.DATE, new Date(t)).getTime(), t);
    assert.ok(Number.isNaN(roundTrip(Types.DATE, new Date(NaN)).getTime()));
    assert.deepEqual(roundTrip(Types.BYTES, new Uint8Array(0)), new Uint8Array(0));
    const buffer = Buffer.from([1, 2, 3, 255]);
    assert.deepEqual([...roundTrip(Types.BYTES, buffer)], [1, 2, 3, 255]);
  });

  it('BYTES reads a copy, not a view of the input', () => {
    const bytes = Types.BYTES.serialize(new Uint8Array([7, 8, 9]));
    const read = Types.BYTES.deserialize(bytes);
    bytes.fill(0);
    assert.deepEqual([...read], [7, 8, 9]);
  });

  it('LIST, MAP, TUPLE and NULLABLE, nested, with nulls inside', () => {
    const nested = Types.LIST(Types.LIST(Types.NULLABLE(Types.STRING)));
    const value = [[], [null, undefined, 'x', ''], [null]];
    assert.deepEqual(roundTrip(nested, value), value);
    const map = Types.MAP(Types.STRING, Types.LIST(Types.INT));
    const m = new Map([['a', [1, 2]], ['', []], ['ü', [-5]]]);
    assert.deepEqual(roundTrip(map, m), m);
    assert.deepEqual(roundTrip(map, new Map()), new Map());
    const tuple = Types.TUPLE(Types.STRING, Types.INT, Types.NULLABLE(Types.DATE));
    assert.deepEqual(roundTrip(tuple, ['a', 1, null]), ['a', 1, null]);
    assert.deepEqual(roundTrip(Types.TUPLE(), []), []);
    const nn = Types.NULLABLE(Types.NULLABLE(Types.INT));
    for (const v of [null, undefined, 0, 5]) assert.equal(roundTrip(nn, v), v);
  });

  it('ANY is the default MessagePack serializer', () => {
    assert.equal(Types.ANY, MsgpackSerializer.INSTANCE);
    const value = { a: new Map([[1, new Set(['x'])]]), b: 12n, c: undefined };
    assert.deepEqual(roundTrip(Types.ANY, value), value);
  });

  it('OBJECT keeps every field type, optional fields absent or present, and nested nulls', () => {
    for (let i = 0; i < 4; i++) {
      const value = sampleOrder(i);
      const read = roundTrip(ORDER, value);
      assert.deepEqual(read, value);
      assert.equal('note' in read, false);
      const withNote = { ...value, note: 'fragile' };
      assert.deepEqual(roundTrip(ORDER, withNote), withNote);
    }
  });

  it('OBJECT writes only declared fields (Flink POJO) and reads them in declaration order', () => {
    const s = Types.OBJECT({ b: Types.INT, a: Types.STRING, c: Types.BOOLEAN });
    const read = s.deserialize(s.serialize({ c: true, a: 'x', b: 1, undeclared: 'dropped' } as never));
    assert.deepEqual(read, { b: 1, a: 'x', c: true });
    assert.deepEqual(Object.keys(read), ['b', 'a', 'c']);
    assert.equal(Object.getPrototypeOf(read), Object.prototype);
  });

  it('OBJECT accepts unusual field names', () => {
    const s = Types.OBJECT({ 'a"b': Types.INT, 'ü 1': Types.STRING, constructor: Types.BOOLEAN, '': Types.INT, "x'\\n": Types.INT }, { optional: ['constructor'] });
    const value = { 'a"b': 1, 'ü 1': 'x', constructor: true, '': 2, "x'\\n": 3 };
    assert.deepEqual(roundTrip(s, value), value);
    assert.throws(() => Types.OBJECT({ ['__proto__']: Types.INT } as never), /cannot be named '__proto__'/);
  });

  it('OBJECT with more than eight optional fields', () => {
    const fields: Record<string, TypeSerializer<number>> = {};
    const names = Array.from({ length: 19 }, (_, i) => `f${i}`);
    for (const n of names) fields[n] = Types.INT;
    const s = Types.OBJECT(fields, { optional: names.filter((_, i) => i % 2 === 0) });
    const value: Record<string, number> = {};
    for (const [i, n] of names.entries()) if (i % 4 !== 0) value[n] = i;
    assert.deepEqual(roundTrip(s, value), value);
  });
});

describe('Types value types', () => {
  it('infer the TypeScript type of values, with optional fields optional', () => {
    const s = Types.OBJECT({ a: Types.STRING, b: Types.INT, t: Types.TUPLE(Types.STRING, Types.NULLABLE(Types.BIGINT)), m: Types.MAP(Types.INT, Types.LIST(Types.DATE)) }, { optional: ['b'] });
    const ok: TypeOf<typeof s> = { a: 'x', t: ['y', null], m: new Map([[1, [new Date(0)]]]) };
    // @ts-expect-error a is required
    const missing: TypeOf<typeof s> = { t: ['y', 1n], m: new Map() };
    // @ts-expect-error b is a number
    const wrong: TypeOf<typeof s> = { a: 'x', b: 'no', t: ['y', 1n], m: new Map() };
    const tuple: [string, bigint | null | undefined] = ok.t;
    assert.deepEqual(roundTrip(s, ok), ok);
    assert.ok(missing && wrong && tuple);
  });
});

describe('Types copies', () => {
  it('copy() is deep for mutable values and keeps immutable ones', () => {
    const value = { ...sampleOrder(1), note: 'n' };
    const copy = ORDER.copy(value);
    assert.deepEqual(copy, value);
    assert.notEqual(copy.tags, value.tags);
    assert.notEqual(copy.prices, value.prices);
    assert.notEqual(copy.at, value.at);
    assert.notEqual(copy.blob, value.blob);
    assert.notEqual(copy.address, value.address);
    copy.tags.push('mutated');
    copy.address!.zip = '00000';
    assert.deepEqual(value.tags, ['a', 'bb']);
    assert.equal(value.address!.zip, '10115');
  });
});

describe('Types encoding size', () => {
  it('is smaller than JSON for typical values', () => {
    for (let i = 0; i < 5; i++) {
      const value = sampleOrder(i * 1000);
      const json = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Map ? [...v] : v));
      assert.ok(ORDER.serialize(value).length < json.length / 2, `${ORDER.serialize(value).length} vs ${json.length}`);
    }
    const flat = Types.OBJECT({ user: Types.STRING, count: Types.INT, active: Types.BOOLEAN });
    const v = { user: 'alice', count: 42, active: true };
    assert.equal(flat.serialize(v).length, 1 + 1 + 1 + 5); // bool, int, length, 'alice'
    assert.ok(flat.serialize(v).length < MsgpackSerializer.INSTANCE.serialize(v).length);
  });
});

describe('Types value errors', () => {
  it('name the field path of the value that does not fit', () => {
    const value = sampleOrder(1);
    assert.throws(() => ORDER.serialize({ ...value, qty: 1.5 }), isSerializationError(/^Cannot serialize field 'qty': expected INT \(an integer from -2147483648 to 2147483647\), got number 1\.5$/));
    assert.throws(() => ORDER.serialize({ ...value, address: { street: 'x', zip: 10115 as never } }), isSerializationError(/^Cannot serialize field 'address\.zip': expected STRING, got number 10115$/));
    assert.throws(() => ORDER.serialize({ ...value, tags: ['a', 3 as never] }), isSerializationError(/^Cannot serialize field 'tags\[1\]': expected STRING, got number 3$/));
    assert.throws(() => ORDER.serialize({ ...value, prices: new Map([['eu', 'cheap' as never]]) }), isSerializationError(/field 'prices\{value\}': expected NUMBER, got string "cheap"/));
    assert.throws(() => ORDER.serialize({ ...value, pair: ['p'] as never }), isSerializationError(/field 'pair': expected TUPLE of 2 elements, got an array of length 1/));
    assert.throws(() => ORDER.serialize({ ...value, id: undefined as never }), isSerializationError(/field 'id': expected STRING, got undefined/));
    assert.throws(() => ORDER.serialize(null as never), isSerializationError(/^Cannot serialize value: expected OBJECT, got null$/));
    assert.throws(() => Types.LIST(Types.INT).serialize([1, 'x'] as never), isSerializationError(/^Cannot serialize element '\[1\]': expected INT/));
  });

  it('reject bad declarations when the type is built', () => {
    assert.throws(() => Types.OBJECT({ a: Types.INT }, { optional: ['b' as never] }), /optional field 'b' is not one of the fields \(a\)/);
    assert.throws(() => Types.OBJECT({ a: Types.INT }, { defaults: { b: 1 } as never }), /default for 'b', which is not one of the fields/);
    assert.throws(() => Types.OBJECT({ a: Types.INT }, { defaults: { a: 'x' as never } }), /the default of field 'a' does not fit its type: expected INT/);
    assert.throws(() => Types.OBJECT({ a: 'STRING' as never }), /field 'a': Expected a TypeSerializer/);
    assert.throws(() => Types.LIST(undefined as never), /Expected a TypeSerializer/);
  });

  it('corrupt or truncated bytes fail with FLINK_TS_ILLEGAL_STATE, never garbage', () => {
    const bytes = ORDER.serialize(sampleOrder(1));
    const isCorrupt = (err: unknown): boolean => FlinkError.isFlinkError(err) && err.code === ErrorCodes.FLINK_TS_ILLEGAL_STATE && /Corrupt serialized data/.test(err.message);
    for (const cut of [0, 1, 5, bytes.length - 1]) assert.throws(() => ORDER.deserialize(bytes.subarray(0, cut)), isCorrupt, `cut at ${cut}`);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    assert.throws(() => ORDER.deserialize(longer), (err: unknown) => isCorrupt(err) && /1 byte\(s\) left over/.test((err as Error).message));
    assert.throws(() => Types.STRING.deserialize(new Uint8Array([2, 0xc3, 0x28])), isCorrupt);
    assert.throws(() => Types.NULLABLE(Types.INT).deserialize(new Uint8Array([7])), isCorrupt);
    assert.throws(() => Types.BOOLEAN.deserialize(new Uint8Array([2])), isCorrupt);
    assert.throws(() => Types.LIST(Types.NUMBER).deserialize(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f])), (err: unknown) => isCorrupt(err) && /cannot fit/.test((err as Error).message));
  });

  it('a user serializer nested in a LIST may itself use typed serializers (re-entrant buffers)', () => {
    const inner = Types.OBJECT({ name: Types.STRING });
    const user: TypeSerializer<{ name: string }> = {
      id: 'user-wrapper',
      version: 1,
      serialize: (v) => inner.serialize(v),
      deserialize: (b) => inner.deserialize(b),
      copy: (v) => ({ ...v }),
      snapshotConfiguration: () => ({ id: 'user-wrapper', version: 1 }),
      resolveSchemaCompatibility: () => ({ compatibility: 'COMPATIBLE_AS_IS' }),
    };
    const list = Types.LIST(user);
    const value = [{ name: 'a' }, { name: 'b'.repeat(1000) }, { name: 'c' }];
    assert.deepEqual(roundTrip(list, value), value);
  });
});

describe('serializerFromSnapshot', () => {
  const all: Array<[TypeSerializer<any>, unknown]> = [
    [Types.STRING, 'x'],
    [Types.NUMBER, -0],
    [Types.INT, -7],
    [Types.BIGINT, 10n ** 30n],
    [Types.BOOLEAN, true],
    [Types.DATE, new Date(5)],
    [Types.BYTES, new Uint8Array([1, 2])],
    [Types.ANY, { any: ['thing'] }],
    [Types.LIST(Types.NULLABLE(Types.INT)), [1, null, 3]],
    [Types.MAP(Types.INT, Types.LIST(Types.STRING)), new Map([[1, ['a']]])],
    [Types.TUPLE(Types.STRING, Types.BIGINT), ['a', 5n]],
    [ORDER, sampleOrder(3)],
  ];

  it('rebuilds every type from JSON alone: same snapshot, reads the original bytes', () => {
    for (const [serializer, value] of all) {
      const snapshot = jsonSnapshot(serializer);
      const rebuilt = serializerFromSnapshot(snapshot);
      assert.deepEqual(rebuilt.snapshotConfiguration(), snapshot);
      assert.deepEqual(rebuilt.deserialize(serializer.serialize(value)), value, describeSerializerSnapshot(snapshot));
      assert.deepEqual([...rebuilt.serialize(value)], [...serializer.serialize(value)]);
      assert.equal(rebuilt.resolveSchemaCompatibility(serializer.snapshotConfiguration()).compatibility, 'COMPATIBLE_AS_IS');
    }
    assert.equal(serializerFromSnapshot({ id: 'msgpack', version: 1 }), MsgpackSerializer.INSTANCE);
  });

  it('describes schemas for messages', () => {
    assert.equal(describeSerializerSnapshot(Types.LIST(Types.MAP(Types.STRING, Types.NULLABLE(Types.INT))).snapshotConfiguration()), 'LIST<MAP<STRING, NULLABLE<INT>>>');
    assert.equal(String(Types.OBJECT({ b: Types.INT, a: Types.TUPLE(Types.ANY, Types.DATE) }, { optional: ['b'] })), 'OBJECT{a: TUPLE<ANY, DATE>, b?: INT}');
    assert.equal(describeSerializerSnapshot({ id: 'mine', version: 3 }), "serializer 'mine' (version 3)");
  });

  it('fails clearly for snapshots it cannot rebuild', () => {
    assert.throws(
      () => serializerFromSnapshot({ id: 'mine', version: 1 }),
      (err: unknown) => FlinkError.isFlinkError(err) && err.code === ErrorCodes.FLINK_TS_UNSUPPORTED && /Cannot rebuild serializer 'mine'/.test(err.message),
    );
    const isInvalid = (err: unknown): boolean => FlinkError.isFlinkError(err) && err.code === ErrorCodes.FLINK_TS_ILLEGAL_STATE && /Invalid serializer snapshot/.test(err.message);
    assert.throws(() => serializerFromSnapshot({ id: 'list', version: 1 }), isInvalid);
    assert.throws(() => serializerFromSnapshot({ id: 'object', version: 1, config: { fields: [{ name: 'a' }] } }), isInvalid);
    assert.throws(() => serializerFromSnapshot({ id: 'string', version: 2 }), isInvalid);
    assert.throws(() => serializerFromSnapshot(null as never), isInvalid);
  });
});

describe('Types zero-size elements', () => {
  it('lists of empty tuples round-trip, and an absurd count of them is corrupt data', () => {
    const s = Types.LIST(Types.TUPLE());
    assert.deepEqual(roundTrip(s, [[], [], []]), [[], [], []]);
    assert.throws(() => s.deserialize(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f])), (err: unknown) => FlinkError.isFlinkError(err) && /empty entries/.test(err.message));
  });
});
