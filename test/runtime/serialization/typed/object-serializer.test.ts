/*
 * Schema evolution of OBJECT (Flink's PojoSerializerSnapshot rules): the compatibility of every
 * kind of change, the values old bytes migrate to, and reasons that name the field path.
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

/** Writes `value` with the old serializer and reads it with the new one, through the snapshot only. */
function migrate<T>(previous: TypeSerializer<any>, current: TypedSerializer<T>, value: unknown): T {
  return current.migrate(previous.serialize(value), jsonSnapshot(previous));
}

const V1 = Types.OBJECT({ id: Types.STRING, qty: Types.INT, note: Types.STRING }, { optional: ['note'] });

describe('OBJECT compatibility', () => {
  it('the same schema is compatible as is, whatever the declaration order', () => {
    assert.deepEqual(compatibility(V1, Types.OBJECT({ note: Types.STRING, qty: Types.INT, id: Types.STRING }, { optional: ['note'] })), { compatibility: 'COMPATIBLE_AS_IS' });
  });

  it('an added optional field needs migration; old values lack it', () => {
    const v2 = Types.OBJECT({ id: Types.STRING, qty: Types.INT, note: Types.STRING, email: Types.STRING }, { optional: ['note', 'email'] });
    assert.deepEqual(compatibility(V1, v2), { compatibility: 'COMPATIBLE_AFTER_MIGRATION', reason: "field 'email': added (undefined in old values)" });
    const read = migrate(V1, v2, { id: 'a', qty: 1, note: 'n' });
    assert.deepEqual(read, { id: 'a', qty: 1, note: 'n' });
    assert.equal('email' in read, false);
    // The migrated value is a valid value of the new type.
    assert.deepEqual(v2.deserialize(v2.serialize(read)), read);
  });

  it('an added field with a default gets a fresh copy of the default', () => {
    const v2 = Types.OBJECT({ id: Types.STRING, qty: Types.INT, note: Types.STRING, tags: Types.LIST(Types.STRING), level: Types.INT }, { optional: ['note'], defaults: { tags: ['new'], level: 3 } });
    const r = compatibility(V1, v2);
    assert.equal(r.compatibility, 'COMPATIBLE_AFTER_MIGRATION');
    assert.match(r.reason!, /field 'tags': added \(old values get its default\)/);
    const a = migrate(V1, v2, { id: 'a', qty: 1 });
    const b = migrate(V1, v2, { id: 'b', qty: 2 });
    assert.deepEqual(a, { id: 'a', qty: 1, tags: ['new'], level: 3 });
    a.tags.push('changed');
    assert.deepEqual(b.tags, ['new']);
  });

  it('an added NULLABLE or ANY field is undefined in old values', () => {
    const v2 = Types.OBJECT({ id: Types.STRING, qty: Types.INT, note: Types.STRING, parent: Types.NULLABLE(Types.STRING), meta: Types.ANY }, { optional: ['note'] });
    assert.equal(compatibility(V1, v2).compatibility, 'COMPATIBLE_AFTER_MIGRATION');
    const read = migrate(V1, v2, { id: 'a', qty: 1 });
    assert.deepEqual(read, { id: 'a', qty: 1, parent: undefined, meta: undefined });
    assert.deepEqual(v2.deserialize(v2.serialize(read)), read);
  });

  it('an added required field without a default is incompatible, and says how to fix it', () => {
    const v2 = Types.OBJECT({ id: Types.STRING, qty: Types.INT, note: Types.STRING, email: Types.STRING }, { optional: ['note'] });
    assert.deepEqual(compatibility(V1, v2), {
      compatibility: 'INCOMPATIBLE',
      reason: "field 'email': was added, but values written before have no value for it: list it in 'optional', make it NULLABLE or give it a default",
    });
  });

  it('removed fields of any type are skipped and dropped', () => {
    const user: TypeSerializer<string> = {
      id: 'user-upper',
      version: 1,
      serialize: (v) => new TextEncoder().encode(v.toUpperCase()),
      deserialize: (b) => new TextDecoder().decode(b),
      copy: (v) => v,
      snapshotConfiguration: () => ({ id: 'user-upper', version: 1 }),
      resolveSchemaCompatibility: () => ({ compatibility: 'COMPATIBLE_AS_IS' }),
    };
    const old = Types.OBJECT(
      {
        a: Types.LIST(Types.OBJECT({ x: Types.BIGINT, y: Types.MAP(Types.STRING, Types.DATE) })),
        b: Types.STRING,
        c: Types.ANY,
        d: user,
        e: Types.NULLABLE(Types.TUPLE(Types.BYTES, Types.NUMBER)),
        f: Types.INT,
        z: Types.STRING,
      },
      { optional: ['b', 'e'] },
    );
    const current = Types.OBJECT({ b: Types.STRING, f: Types.INT, z: Types.STRING }, { optional: ['b'] });
    const r = compatibility(old, current);
    assert.equal(r.compatibility, 'COMPATIBLE_AFTER_MIGRATION');
    assert.equal(r.reason, "field 'a': removed; field 'c': removed; field 'd': removed; field 'e': removed");
    const value = {
      a: [{ x: 2n ** 70n, y: new Map([['k', new Date(1)]]) }],
      b: 'kept',
      c: { deep: [1, 2, { q: null }] },
      d: 'user bytes',
      e: [new Uint8Array([1, 2, 3]), 1.5],
      f: -12,
      z: 'last',
    };
    assert.deepEqual(migrate(old, current, value), { b: 'kept', f: -12, z: 'last' });
    assert.deepEqual(migrate(old, current, { ...value, b: undefined, e: undefined }), { f: -12, z: 'last' });
  });

  it('a changed field type is incompatible, naming the field path', () => {
    const v1 = Types.OBJECT({ id: Types.STRING, address: Types.OBJECT({ street: Types.STRING, zip: Types.STRING }) });
    const v2 = Types.OBJECT({ id: Types.STRING, address: Types.OBJECT({ street: Types.STRING, zip: Types.NUMBER }) });
    assert.deepEqual(compatibility(v1, v2), { compatibility: 'INCOMPATIBLE', reason: "field 'address.zip': was STRING, now NUMBER" });
  });

  it('an incompatible field wins over added and removed fields, and every problem is listed', () => {
    const v1 = Types.OBJECT({ a: Types.STRING, b: Types.BOOLEAN, gone: Types.INT });
    const v2 = Types.OBJECT({ a: Types.NUMBER, b: Types.DATE, fresh: Types.STRING }, { optional: ['fresh'] });
    assert.deepEqual(compatibility(v1, v2), { compatibility: 'INCOMPATIBLE', reason: "field 'a': was STRING, now NUMBER; field 'b': was BOOLEAN, now DATE" });
  });

  it('a field that changed kind is incompatible', () => {
    const v1 = Types.OBJECT({ items: Types.OBJECT({ n: Types.INT }) });
    const v2 = Types.OBJECT({ items: Types.LIST(Types.INT) });
    assert.deepEqual(compatibility(v1, v2), { compatibility: 'INCOMPATIBLE', reason: "field 'items': was OBJECT{n: INT}, now LIST<INT>" });
  });

  it('INT → NUMBER widens after migration, NUMBER → INT is incompatible', () => {
    const ints = Types.OBJECT({ n: Types.INT, s: Types.STRING });
    const numbers = Types.OBJECT({ n: Types.NUMBER, s: Types.STRING });
    assert.deepEqual(compatibility(ints, numbers), { compatibility: 'COMPATIBLE_AFTER_MIGRATION', reason: "field 'n': INT widened to NUMBER" });
    assert.deepEqual(migrate(ints, numbers, { n: -(2 ** 31), s: 'x' }), { n: -(2 ** 31), s: 'x' });
    assert.deepEqual(compatibility(numbers, ints), { compatibility: 'INCOMPATIBLE', reason: "field 'n': was NUMBER, now INT" });
  });

  it('required → optional migrates; optional → required needs a default', () => {
    const required = Types.OBJECT({ a: Types.STRING, b: Types.INT });
    const optional = Types.OBJECT({ a: Types.STRING, b: Types.INT }, { optional: ['b'] });
    assert.deepEqual(compatibility(required, optional), { compatibility: 'COMPATIBLE_AFTER_MIGRATION', reason: "field 'b': now optional" });
    assert.deepEqual(migrate(required, optional, { a: 'x', b: 1 }), { a: 'x', b: 1 });
    assert.deepEqual(compatibility(optional, required), {
      compatibility: 'INCOMPATIBLE',
      reason: "field 'b': was optional and is now required, but values written before may lack it: keep it optional or give it a default",
    });
    const withDefault = Types.OBJECT({ a: Types.STRING, b: Types.INT }, { defaults: { b: 7 } });
    assert.equal(compatibility(optional, withDefault).compatibility, 'COMPATIBLE_AFTER_MIGRATION');
    assert.deepEqual(migrate(optional, withDefault, { a: 'x' }), { a: 'x', b: 7 });
    assert.deepEqual(migrate(optional, withDefault, { a: 'x', b: 2 }), { a: 'x', b: 2 });
  });

  it('changes deep inside lists, maps and nested objects migrate every element', () => {
    const line1 = Types.OBJECT({ sku: Types.STRING, qty: Types.INT, legacy: Types.BOOLEAN });
    const line2 = Types.OBJECT({ sku: Types.STRING, qty: Types.NUMBER, discount: Types.NUMBER }, { defaults: { discount: 0 } });
    const v1 = Types.OBJECT({ lines: Types.LIST(line1), bySku: Types.MAP(Types.STRING, line1), first: Types.NULLABLE(line1) });
    const v2 = Types.OBJECT({ lines: Types.LIST(line2), bySku: Types.MAP(Types.STRING, line2), first: Types.NULLABLE(line2) });
    const r = compatibility(v1, v2);
    assert.equal(r.compatibility, 'COMPATIBLE_AFTER_MIGRATION');
    assert.match(r.reason!, /field 'lines\[\]\.qty': INT widened to NUMBER/);
    assert.match(r.reason!, /field 'bySku\{value\}\.legacy': removed/);
    assert.match(r.reason!, /field 'first\.discount': added \(old values get its default\)/);
    const l = { sku: 'A', qty: 2, legacy: true };
    const m = { sku: 'A', qty: 2, discount: 0 };
    assert.deepEqual(migrate(v1, v2, { lines: [l, { ...l, sku: 'B' }], bySku: new Map([['A', l]]), first: null }), {
      lines: [m, { ...m, sku: 'B' }],
      bySku: new Map([['A', m]]),
      first: null,
    });
    assert.deepEqual(migrate(v1, v2, { lines: [], bySku: new Map(), first: l }), { lines: [], bySku: new Map(), first: m });

    const broken = Types.OBJECT({ lines: Types.LIST(Types.OBJECT({ sku: Types.INT, qty: Types.INT, legacy: Types.BOOLEAN })), bySku: Types.MAP(Types.STRING, line1), first: Types.NULLABLE(line1) });
    assert.deepEqual(compatibility(v1, broken), { compatibility: 'INCOMPATIBLE', reason: "field 'lines[].sku': was STRING, now INT" });
  });

  it('a newer snapshot version or a different serializer is incompatible', () => {
    const snapshot = V1.snapshotConfiguration();
    const r = V1.resolveSchemaCompatibility({ ...snapshot, version: 2 });
    assert.equal(r.compatibility, 'INCOMPATIBLE');
    assert.match(r.reason!, /written by version 2 of the .* serializer, newer than this one \(version 1\)/);
    assert.deepEqual(V1.resolveSchemaCompatibility({ id: 'msgpack', version: 1 }), { compatibility: 'INCOMPATIBLE', reason: 'was ANY, now OBJECT{id: STRING, note?: STRING, qty: INT}' });
    assert.equal(Types.ANY.resolveSchemaCompatibility(snapshot).compatibility, 'INCOMPATIBLE');
  });

  it('a nested user serializer decides its own compatibility and migration', () => {
    const userV = (version: number): TypeSerializer<string> => ({
      id: 'user-text',
      version,
      serialize: (v) => new TextEncoder().encode(version === 1 ? v : `v2:${v}`),
      deserialize: (b) => new TextDecoder().decode(b).slice(version === 1 ? 0 : 3),
      copy: (v) => v,
      snapshotConfiguration: () => ({ id: 'user-text', version }),
      resolveSchemaCompatibility: (previous) =>
        previous.version === version ? { compatibility: 'COMPATIBLE_AS_IS' } : previous.version < version ? { compatibility: 'COMPATIBLE_AFTER_MIGRATION', reason: 'user-text v1 → v2' } : { compatibility: 'INCOMPATIBLE', reason: 'user-text cannot go back' },
      migrate: (bytes) => `migrated ${new TextDecoder().decode(bytes)}`,
    });
    const v1 = Types.OBJECT({ t: userV(1), n: Types.INT });
    const v2 = Types.OBJECT({ t: userV(2), n: Types.INT });
    assert.deepEqual(compatibility(v1, v2), { compatibility: 'COMPATIBLE_AFTER_MIGRATION', reason: 'user-text v1 → v2' });
    assert.deepEqual(migrate(v1, v2, { t: 'hello', n: 3 }), { t: 'migrated hello', n: 3 });
    assert.deepEqual(compatibility(v2, v1), { compatibility: 'INCOMPATIBLE', reason: "field 't': user-text cannot go back" });
  });
});
