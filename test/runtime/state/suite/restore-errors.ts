/*
 * Suite part: what a restore refuses — serializers that cannot read the old values (and
 * migration when they can), a changed state kind, and corrupt or mismatched snapshots. Every
 * refusal is a FLINK_TS_ILLEGAL_STATE error naming the state or key group and the operator.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import type { ListState, MapState, ValueState } from '../../../../src/api/state/state.ts';
import { KeySerializer } from '../../../../src/runtime/serialization/key-serializer.ts';
import { Compatibility, type CompatibilityResult, type SerializerSnapshot, type TypeSerializer } from '../../../../src/runtime/serialization/type-serializer.ts';
import { assignToKeyGroup } from '../../../../src/runtime/state/key-group-range-assignment.ts';
import type { KeyedStateBackend } from '../../../../src/runtime/state/keyed-state-backend.ts';
import { KeyGroupBlockWriter } from '../../../../src/runtime/state/snapshot/key-group-block.ts';
import type { KeyedStateSnapshot } from '../../../../src/runtime/state/snapshot/keyed-state-snapshot.ts';
import { ILLEGAL_STATE, MAX_PARALLELISM, rejectsFlinkError, type SuiteContext } from './suite-helpers.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Numbers; version 1 writes them as decimal text, version 2 as JSON {"n": …}. Newer data is unreadable for older versions. */
export class VersionedNumberSerializer implements TypeSerializer<number> {
  readonly id = 'test-number';
  readonly version: number;
  constructor(version: number) {
    this.version = version;
  }
  serialize(value: number): Uint8Array {
    return encoder.encode(this.version === 1 ? String(value) : JSON.stringify({ n: value }));
  }
  deserialize(bytes: Uint8Array): number {
    const text = decoder.decode(bytes);
    return this.version === 1 ? Number(text) : (JSON.parse(text) as { n: number }).n;
  }
  copy(value: number): number {
    return value;
  }
  snapshotConfiguration(): SerializerSnapshot {
    return { id: this.id, version: this.version };
  }
  resolveSchemaCompatibility(previous: SerializerSnapshot): CompatibilityResult {
    if (previous.id !== this.id) return { compatibility: Compatibility.INCOMPATIBLE, reason: `'${previous.id}' data is not test-number data` };
    if (previous.version === this.version) return { compatibility: Compatibility.COMPATIBLE_AS_IS };
    if (previous.version < this.version) return { compatibility: Compatibility.COMPATIBLE_AFTER_MIGRATION };
    return { compatibility: Compatibility.INCOMPATIBLE, reason: `version ${this.version} cannot read the newer version ${previous.version}` };
  }
  migrate(bytes: Uint8Array, previous: SerializerSnapshot): number {
    if (previous.version !== 1) throw new Error(`cannot migrate from version ${previous.version}`);
    return Number(decoder.decode(bytes));
  }
}

async function snapshotWith(ctx: SuiteContext, t: Parameters<SuiteContext['backend']>[0], write: (b: KeyedStateBackend) => void): Promise<KeyedStateSnapshot> {
  const b = await ctx.backend(t);
  write(b);
  return b.snapshot(1).materialize();
}

function writeValues(serializer?: TypeSerializer<number>) {
  return (b: KeyedStateBackend) => {
    const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('v', serializer as TypeSerializer<number>));
    for (const [key, n] of [['a', 1], ['b', 2]] as const) {
      b.setCurrentKey(key);
      v.update(n);
    }
  };
}

/** Restores, registers and reads: a backend may find a problem at any of the three steps. */
async function restoreAndRead(ctx: SuiteContext, t: Parameters<SuiteContext['backend']>[0], snapshot: KeyedStateSnapshot, read: (b: KeyedStateBackend) => void): Promise<void> {
  const b = await ctx.backend(t, { where: "operator 'Restored' (subtask 1/1)" });
  await b.restore([snapshot]);
  read(b);
}

export function describeRestoreErrorTests(ctx: SuiteContext): void {
  describe('serializer compatibility on restore', () => {
    it('migrates values when the serializer says COMPATIBLE_AFTER_MIGRATION, and writes the new format afterwards', async (t) => {
      const snapshot = await snapshotWith(ctx, t, writeValues(new VersionedNumberSerializer(1)));
      const r = await ctx.restored(t, [snapshot]);
      const v = r.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('v', new VersionedNumberSerializer(2)));
      r.setCurrentKey('a');
      assert.equal(v.value(), 1);
      r.setCurrentKey('b');
      assert.equal(v.value(), 2);
      const again = await ctx.restored(t, [await r.snapshot(2).materialize()]);
      const v2 = again.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('v', new VersionedNumberSerializer(2)));
      again.setCurrentKey('b');
      assert.equal(v2.value(), 2);
    });

    it('refuses an incompatible serializer, naming state, operator and reason, whether registered after or before the restore', async (t) => {
      const snapshot = await snapshotWith(ctx, t, writeValues(new VersionedNumberSerializer(2)));
      const older = () => new ValueStateDescriptor<number>('v', new VersionedNumberSerializer(1));
      await rejectsFlinkError(
        restoreAndRead(ctx, t, snapshot, (b) => b.getPartitionedState(older())),
        ILLEGAL_STATE,
        "'v'",
        "operator 'Restored' (subtask 1/1)",
        'cannot read the newer version 2',
      );
      const early = await ctx.backend(t, { where: "operator 'Early' (subtask 1/1)" });
      early.getPartitionedState(older());
      await rejectsFlinkError(early.restore([snapshot]), ILLEGAL_STATE, "'v'", "operator 'Early'", 'newer version');
    });

    it('refuses values of the default serializer read by another serializer, and a changed state kind', async (t) => {
      const snapshot = await snapshotWith(ctx, t, writeValues());
      await rejectsFlinkError(
        restoreAndRead(ctx, t, snapshot, (b) => b.getPartitionedState(new ValueStateDescriptor<number>('v', new VersionedNumberSerializer(1)))),
        ILLEGAL_STATE,
        "'v'",
        'msgpack',
      );
      await rejectsFlinkError(
        restoreAndRead(ctx, t, snapshot, (b) => b.getPartitionedState(new ListStateDescriptor<number>('v'))),
        ILLEGAL_STATE,
        "'v'",
        'VALUE',
        'LIST',
      );
    });

    it('checks the serializer of map keys', async (t) => {
      const snapshot = await snapshotWith(ctx, t, (b) => {
        const m = b.getPartitionedState<MapState<number, string>>(new MapStateDescriptor<number, string>('m', new VersionedNumberSerializer(2)));
        b.setCurrentKey('a');
        m.put(1, 'one');
      });
      await rejectsFlinkError(
        restoreAndRead(ctx, t, snapshot, (b) => b.getPartitionedState(new MapStateDescriptor<number, string>('m', new VersionedNumberSerializer(1)))),
        ILLEGAL_STATE,
        "'m'",
        'newer version',
      );
      const r = await ctx.restored(t, [snapshot]);
      const m = r.getPartitionedState<MapState<number, string>>(new MapStateDescriptor<number, string>('m', new VersionedNumberSerializer(2)));
      r.setCurrentKey('a');
      assert.equal(m.get(1), 'one');
    });
  });

  describe('corrupt and mismatched snapshots', () => {
    const valid = async (t: Parameters<SuiteContext['backend']>[0]) => snapshotWith(ctx, t, writeValues());

    it('refuses another format version and another max parallelism', async (t) => {
      const snapshot = await valid(t);
      const b = await ctx.backend(t);
      await rejectsFlinkError(b.restore([{ ...snapshot, version: 99 }]), ILLEGAL_STATE, 'version 99');
      await rejectsFlinkError(b.restore([{ ...snapshot, maxParallelism: 256 }]), ILLEGAL_STATE, 'max parallelism 256', `max parallelism ${MAX_PARALLELISM}`);
      await rejectsFlinkError(b.restore([{ ...snapshot, keyGroups: {} as never }]), ILLEGAL_STATE);
    });

    it('refuses truncated blocks, unknown state indices and keys filed under the wrong key group, naming the key group', async (t) => {
      const snapshot = await valid(t);
      const kg = assignToKeyGroup('a', MAX_PARALLELISM);
      const block = snapshot.keyGroups.get(kg)!;
      const withBlock = (keyGroup: number, bytes: Uint8Array): KeyedStateSnapshot => ({ ...snapshot, keyGroups: new Map([[keyGroup, bytes]]) });
      const b = await ctx.backend(t);
      await rejectsFlinkError(b.restore([withBlock(kg, block.subarray(0, block.length - 3))]), ILLEGAL_STATE, `key group ${kg}`);
      const badIndex = block.slice();
      new DataView(badIndex.buffer).setUint16(0, 9);
      await rejectsFlinkError(b.restore([withBlock(kg, badIndex)]), ILLEGAL_STATE, `key group ${kg}`);
      const elsewhere = (kg + 1) % MAX_PARALLELISM;
      await rejectsFlinkError(b.restore([withBlock(elsewhere, block)]), ILLEGAL_STATE, `key group ${kg}`, `${elsewhere}`);
    });

    it('refuses values that cannot be read, naming the state', async (t) => {
      const writer = new KeyGroupBlockWriter();
      // A list of five elements, of which the bytes end after the count.
      writer.writeEntry(0, KeySerializer.INSTANCE.serialize('a'), new Uint8Array(0), new Uint8Array([0, 0, 0, 5]));
      const listSnapshot = await snapshotWith(ctx, t, (b) => {
        b.getPartitionedState(new ListStateDescriptor<number>('l'));
      });
      const snapshot: KeyedStateSnapshot = { ...listSnapshot, keyGroups: new Map([[assignToKeyGroup('a', MAX_PARALLELISM), writer.finish()]]) };
      await rejectsFlinkError(
        restoreAndRead(ctx, t, snapshot, (b) => {
          const l = b.getPartitionedState<ListState<number>>(new ListStateDescriptor<number>('l'));
          b.setCurrentKey('a');
          const _all = [...l.get()!];
        }),
        ILLEGAL_STATE,
        "'l'",
      );
    });
  });
}
