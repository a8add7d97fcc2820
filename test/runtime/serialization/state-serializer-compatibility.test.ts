/*
 * Tests of resolveStateSerializer, what state backends call on restore: readers for compatible
 * state (as is or migrating) and FLINK_TS_ILLEGAL_STATE errors naming the state, the operator,
 * the change and both schemas.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveStateSerializer } from '../../../src/runtime/serialization/state-serializer-compatibility.ts';
import { Types } from '../../../src/runtime/serialization/types.ts';
import { MsgpackSerializer } from '../../../src/runtime/serialization/msgpack-serializer.ts';
import type { SerializerSnapshot, TypeSerializer } from '../../../src/runtime/serialization/type-serializer.ts';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';

function jsonSnapshot(serializer: TypeSerializer<unknown>): SerializerSnapshot {
  return JSON.parse(JSON.stringify(serializer.snapshotConfiguration())) as SerializerSnapshot;
}

const ORDER_V1 = Types.OBJECT({ id: Types.STRING, qty: Types.INT, address: Types.OBJECT({ street: Types.STRING, zip: Types.STRING }) });

function illegalState(pattern: RegExp | string) {
  return (err: unknown): boolean => {
    assert.ok(FlinkError.isFlinkError(err), String(err));
    assert.equal(err.code, ErrorCodes.FLINK_TS_ILLEGAL_STATE);
    if (typeof pattern === 'string') assert.equal(err.message, pattern);
    else assert.match(err.message, pattern);
    return true;
  };
}

describe('resolveStateSerializer', () => {
  const value = { id: 'o-1', qty: 3, address: { street: 'Main St', zip: '10115' } };

  it('reads unchanged state as is', () => {
    const bytes = ORDER_V1.serialize(value);
    const resolved = resolveStateSerializer('orders', 'Enrich', jsonSnapshot(ORDER_V1), ORDER_V1);
    assert.equal(resolved.compatibility, 'COMPATIBLE_AS_IS');
    assert.equal(resolved.migration, undefined);
    assert.deepEqual(resolved.read(bytes), value);
  });

  it('reads the default serializer\'s state with Types.ANY as is', () => {
    const resolved = resolveStateSerializer('seen', 'Dedup', MsgpackSerializer.INSTANCE.snapshotConfiguration(), Types.ANY);
    assert.deepEqual(resolved.read(MsgpackSerializer.INSTANCE.serialize({ a: [1] })), { a: [1] });
  });

  it('migrates state whose type changed compatibly', () => {
    const v2 = Types.OBJECT({
      id: Types.STRING,
      qty: Types.NUMBER,
      address: Types.OBJECT({ street: Types.STRING, zip: Types.STRING, country: Types.STRING }, { defaults: { country: 'DE' } }),
    });
    const resolved = resolveStateSerializer('orders', 'Enrich', jsonSnapshot(ORDER_V1), v2);
    assert.equal(resolved.compatibility, 'COMPATIBLE_AFTER_MIGRATION');
    assert.equal(resolved.migration, "field 'address.country': added (old values get its default); field 'qty': INT widened to NUMBER");
    assert.deepEqual(resolved.read(ORDER_V1.serialize(value)), { ...value, address: { ...value.address, country: 'DE' } });
  });

  it('an incompatible change fails with the state, the operator, the field and both schemas', () => {
    const v2 = Types.OBJECT({ id: Types.STRING, qty: Types.INT, address: Types.OBJECT({ street: Types.STRING, zip: Types.NUMBER }) });
    assert.throws(
      () => resolveStateSerializer('orders', 'Enrich', jsonSnapshot(ORDER_V1), v2),
      illegalState(
        "State 'orders' of operator 'Enrich' cannot be restored: field 'address.zip': was STRING, now NUMBER. " +
          'The state was written with OBJECT{address: OBJECT{street: STRING, zip: STRING}, id: STRING, qty: INT}, ' +
          'the job now declares OBJECT{address: OBJECT{street: STRING, zip: NUMBER}, id: STRING, qty: INT}.',
      ),
    );
    try {
      resolveStateSerializer('orders', 'Enrich', jsonSnapshot(ORDER_V1), v2);
    } catch (err) {
      assert.deepEqual((err as FlinkError).context, { operator: 'Enrich', state: 'orders' });
    }
  });

  it('switching from the default serializer to a typed one is incompatible (no Kryo-style guessing)', () => {
    assert.throws(
      () => resolveStateSerializer('counts', 'Count', MsgpackSerializer.INSTANCE.snapshotConfiguration(), Types.INT),
      illegalState("State 'counts' of operator 'Count' cannot be restored: was ANY, now INT. The state was written with ANY, the job now declares INT."),
    );
  });

  it('corrupt state bytes fail with the state and operator named, the corruption as cause', () => {
    const resolved = resolveStateSerializer('orders', 'Enrich', jsonSnapshot(ORDER_V1), ORDER_V1);
    const bytes = ORDER_V1.serialize(value);
    assert.throws(
      () => resolved.read(bytes.subarray(0, bytes.length - 2)),
      (err: unknown) => {
        illegalState(/^State 'orders' of operator 'Enrich' cannot be restored: Corrupt serialized data: .* at byte \d+\. The state was written with/)(err);
        assert.ok(FlinkError.isFlinkError((err as FlinkError).cause));
        return true;
      },
    );
  });

  it('a missing or invalid snapshot is an error, not an empty state', () => {
    assert.throws(() => resolveStateSerializer('s', 'Op', undefined as never, Types.INT), illegalState(/State 's' of operator 'Op' cannot be restored: its serializer snapshot is missing or invalid/));
    assert.throws(() => resolveStateSerializer('s', 'Op', { id: 'list', version: 1 }, Types.LIST(Types.INT)), illegalState(/State 's' of operator 'Op' cannot be restored: Invalid serializer snapshot/));
  });

  it('works with user serializers through their own resolveSchemaCompatibility and migrate', () => {
    const make = (version: number, withMigrate: boolean): TypeSerializer<number> => ({
      id: 'cents',
      version,
      serialize: (v) => new TextEncoder().encode(String(version === 1 ? v : v * 100)),
      deserialize: (b) => Number(new TextDecoder().decode(b)) / (version === 1 ? 1 : 100),
      copy: (v) => v,
      snapshotConfiguration: () => ({ id: 'cents', version }),
      resolveSchemaCompatibility: (previous) => (previous.version === version ? { compatibility: 'COMPATIBLE_AS_IS' } : { compatibility: 'COMPATIBLE_AFTER_MIGRATION', reason: 'units changed' }),
      ...(withMigrate ? { migrate: (bytes: Uint8Array) => Number(new TextDecoder().decode(bytes)) } : {}),
    });
    const v1 = make(1, false);
    const resolved = resolveStateSerializer('price', 'Op', v1.snapshotConfiguration(), make(2, true));
    assert.equal(resolved.migration, 'units changed');
    assert.equal(resolved.read(v1.serialize(12)), 12);
    assert.throws(() => resolveStateSerializer('price', 'Op', v1.snapshotConfiguration(), make(2, false)), illegalState(/needs a migration \(units changed\) but has no migrate\(\)/));
  });
});
