/*
 * Schema evolution of the single-value types: each reads only itself, except the lossless
 * widenings INT → NUMBER and INT → BIGINT, which migrate.
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

const PRIMITIVES: Array<[string, TypeSerializer<any>]> = [
  ['STRING', Types.STRING],
  ['NUMBER', Types.NUMBER],
  ['INT', Types.INT],
  ['BIGINT', Types.BIGINT],
  ['BOOLEAN', Types.BOOLEAN],
  ['DATE', Types.DATE],
  ['BYTES', Types.BYTES],
];

describe('single-value types', () => {
  it('each is compatible as is with itself and incompatible with the others, except widenings', () => {
    const widenings = new Set(['INT→NUMBER', 'INT→BIGINT']);
    for (const [fromName, from] of PRIMITIVES) {
      for (const [toName, to] of PRIMITIVES) {
        const r = compatibility(from, to);
        if (from === to) assert.deepEqual(r, { compatibility: 'COMPATIBLE_AS_IS' });
        else if (widenings.has(`${fromName}→${toName}`)) assert.equal(r.compatibility, 'COMPATIBLE_AFTER_MIGRATION', `${fromName}→${toName}`);
        else assert.deepEqual(r, { compatibility: 'INCOMPATIBLE', reason: `was ${fromName}, now ${toName}` });
      }
    }
  });

  it('INT widens to NUMBER and BIGINT without loss', () => {
    for (const v of [0, -1, 2 ** 31 - 1, -(2 ** 31)]) {
      assert.equal(migrate(Types.INT, Types.NUMBER, v), v);
      assert.equal(migrate(Types.INT, Types.BIGINT, v), BigInt(v));
    }
    assert.deepEqual(compatibility(Types.INT, Types.NUMBER), { compatibility: 'COMPATIBLE_AFTER_MIGRATION', reason: 'INT widened to NUMBER' });
  });

  it('the default MessagePack serializer and typed serializers do not read each other', () => {
    assert.deepEqual(compatibility(Types.ANY, Types.STRING), { compatibility: 'INCOMPATIBLE', reason: 'was ANY, now STRING' });
    assert.equal(compatibility(Types.STRING, Types.ANY).compatibility, 'INCOMPATIBLE');
    assert.deepEqual(compatibility(Types.ANY, Types.ANY), { compatibility: 'COMPATIBLE_AS_IS' });
  });
});

