/*
 * Schema evolution of LIST, MAP, TUPLE and NULLABLE: what is compatible as is, what migrates
 * (changes inside elements, making a type NULLABLE) and what is incompatible.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Types } from '../../../../src/runtime/serialization/types.ts';
import type { SerializerSnapshot, TypeSerializer } from '../../../../src/runtime/serialization/type-serializer.ts';
import type { TypedSerializer } from '../../../../src/runtime/serialization/typed/typed-serializer.ts';

function jsonSnapshot(serializer: TypeSerializer<unknown>): SerializerSnapshot {
  return JSON.parse(JSON.stringify(serializer.snapshotConfiguration())) as SerializerSnapshot;
}

function compatibility(previous: TypeSerializer<any>, current: TypeSerializer<any>): { compatibility: string; reason?: string } {
  return current.resolveSchemaCompatibility(jsonSnapshot(previous));
}

function migrate<T>(previous: TypeSerializer<any>, current: TypedSerializer<T>, value: unknown): T {
  return current.migrate(previous.serialize(value), jsonSnapshot(previous));
}

describe('LIST and MAP', () => {
  it('resolve their elements at the element path', () => {
    assert.deepEqual(compatibility(Types.LIST(Types.STRING), Types.LIST(Types.STRING)), { compatibility: 'COMPATIBLE_AS_IS' });
    assert.deepEqual(compatibility(Types.LIST(Types.STRING), Types.LIST(Types.NUMBER)), { compatibility: 'INCOMPATIBLE', reason: "element '[]': was STRING, now NUMBER" });
    assert.deepEqual(migrate(Types.LIST(Types.INT), Types.LIST(Types.NUMBER), [1, -2, 3]), [1, -2, 3]);
    assert.deepEqual(compatibility(Types.MAP(Types.STRING, Types.INT), Types.MAP(Types.INT, Types.STRING)), {
      compatibility: 'INCOMPATIBLE',
      reason: "element '{key}': was STRING, now INT; element '{value}': was INT, now STRING",
    });
    const m = new Map([[1, 10], [2, -20]]);
    assert.deepEqual(migrate(Types.MAP(Types.INT, Types.INT), Types.MAP(Types.BIGINT, Types.NUMBER), m), new Map([[1n, 10], [2n, -20]]));
  });

  it('a list is not a map, a tuple or an object', () => {
    assert.deepEqual(compatibility(Types.LIST(Types.INT), Types.MAP(Types.INT, Types.INT)), { compatibility: 'INCOMPATIBLE', reason: 'was LIST<INT>, now MAP<INT, INT>' });
    assert.deepEqual(compatibility(Types.LIST(Types.INT), Types.TUPLE(Types.INT)), { compatibility: 'INCOMPATIBLE', reason: 'was LIST<INT>, now TUPLE<INT>' });
    assert.deepEqual(compatibility(Types.OBJECT({ a: Types.INT }), Types.LIST(Types.INT)), { compatibility: 'INCOMPATIBLE', reason: 'was OBJECT{a: INT}, now LIST<INT>' });
  });
});

describe('TUPLE', () => {
  it('arity is part of the type; elements resolve one by one', () => {
    assert.deepEqual(compatibility(Types.TUPLE(Types.STRING, Types.INT), Types.TUPLE(Types.STRING, Types.INT, Types.INT)), {
      compatibility: 'INCOMPATIBLE',
      reason: 'was TUPLE<STRING, INT>, now TUPLE<STRING, INT, INT>',
    });
    assert.deepEqual(compatibility(Types.TUPLE(Types.STRING, Types.INT), Types.TUPLE(Types.STRING, Types.STRING)), { compatibility: 'INCOMPATIBLE', reason: "element '[1]': was INT, now STRING" });
    assert.deepEqual(migrate(Types.TUPLE(Types.STRING, Types.INT), Types.TUPLE(Types.STRING, Types.NUMBER), ['a', 4]), ['a', 4]);
  });
});

describe('NULLABLE', () => {
  it('T → NULLABLE(T) migrates; NULLABLE(T) → T is incompatible (old values may be null)', () => {
    assert.deepEqual(compatibility(Types.STRING, Types.NULLABLE(Types.STRING)), { compatibility: 'COMPATIBLE_AFTER_MIGRATION', reason: 'now NULLABLE' });
    assert.equal(migrate(Types.STRING, Types.NULLABLE(Types.STRING), 'x'), 'x');
    assert.deepEqual(compatibility(Types.NULLABLE(Types.STRING), Types.STRING), { compatibility: 'INCOMPATIBLE', reason: 'was NULLABLE<STRING>, now STRING' });
    assert.deepEqual(migrate(Types.INT, Types.NULLABLE(Types.NUMBER), 5), 5);
    assert.deepEqual(compatibility(Types.STRING, Types.NULLABLE(Types.NUMBER)), { compatibility: 'INCOMPATIBLE', reason: 'was STRING, now NULLABLE<NUMBER>' });
  });

  it('NULLABLE(T) → NULLABLE(T\') follows T → T\' and keeps null and undefined', () => {
    assert.deepEqual(compatibility(Types.NULLABLE(Types.INT), Types.NULLABLE(Types.INT)), { compatibility: 'COMPATIBLE_AS_IS' });
    for (const v of [null, undefined, 3]) assert.equal(migrate(Types.NULLABLE(Types.INT), Types.NULLABLE(Types.NUMBER), v), v);
    assert.deepEqual(compatibility(Types.NULLABLE(Types.LIST(Types.STRING)), Types.NULLABLE(Types.LIST(Types.BOOLEAN))), {
      compatibility: 'INCOMPATIBLE',
      reason: "element '[]': was STRING, now BOOLEAN",
    });
  });

  it('making a nested field NULLABLE migrates inside objects and lists', () => {
    const v1 = Types.OBJECT({ items: Types.LIST(Types.OBJECT({ name: Types.STRING })) });
    const v2 = Types.OBJECT({ items: Types.LIST(Types.OBJECT({ name: Types.NULLABLE(Types.STRING) })) });
    assert.deepEqual(compatibility(v1, v2), { compatibility: 'COMPATIBLE_AFTER_MIGRATION', reason: "field 'items[].name': now NULLABLE" });
    assert.deepEqual(migrate(v1, v2, { items: [{ name: 'a' }, { name: '' }] }), { items: [{ name: 'a' }, { name: '' }] });
  });
});
