/*
 * Suite part: restoring into other key-group ranges (rescaling). One snapshot split into two or
 * three ranges, and two snapshots merged into one: every key ends up exactly in the backend whose
 * range holds its key group (KeyGroupRangeAssignment), with its state.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import type { ListState, MapState, ValueState } from '../../../../src/api/state/state.ts';
import { assignKeyToParallelOperator, computeKeyGroupRangeForOperatorIndex } from '../../../../src/runtime/state/key-group-range-assignment.ts';
import type { InternalKvState, KeyedStateBackend } from '../../../../src/runtime/state/keyed-state-backend.ts';
import type { KeyedStateSnapshot } from '../../../../src/runtime/state/snapshot/keyed-state-snapshot.ts';
import { MAX_PARALLELISM, sorted, type SuiteContext } from './suite-helpers.ts';

const KEYS: unknown[] = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? `key-${i}` : i % 3 === 1 ? i : ['t', i]));

const d = () => ({
  value: new ValueStateDescriptor<number>('value'),
  list: new ListStateDescriptor<string>('list'),
  map: new MapStateDescriptor<string, number>('map'),
});

function write(b: KeyedStateBackend, keys: readonly unknown[]): void {
  const ds = d();
  const value = b.getPartitionedState<ValueState<number>>(ds.value);
  const list = b.getPartitionedState<ListState<string>>(ds.list);
  const map = b.getPartitionedState<MapState<string, number> & InternalKvState>(ds.map);
  for (const key of keys) {
    const i = KEYS.indexOf(key);
    b.setCurrentKey(key);
    value.update(i);
    list.addAll([`a${i}`, `b${i}`]);
    map.setCurrentNamespace({ window: i % 5 });
    map.put('n', i);
  }
}

/** Asserts that `b` holds exactly `expected` keys, each with its state. */
function verify(b: KeyedStateBackend, expected: readonly unknown[]): void {
  const ds = d();
  const value = b.getPartitionedState<ValueState<number>>(ds.value);
  const list = b.getPartitionedState<ListState<string>>(ds.list);
  const map = b.getPartitionedState<MapState<string, number> & InternalKvState>(ds.map);
  assert.deepEqual(sorted([...b.getKeys('value')].map(String)), sorted(expected.map(String)));
  for (const key of expected) {
    const i = KEYS.indexOf(key);
    b.setCurrentKey(key);
    assert.equal(value.value(), i);
    assert.deepEqual([...list.get()!], [`a${i}`, `b${i}`]);
    map.setCurrentNamespace({ window: i % 5 });
    assert.equal(map.get('n'), i);
  }
}

async function restoreInto(ctx: SuiteContext, t: Parameters<SuiteContext['backend']>[0], snapshots: readonly KeyedStateSnapshot[], parallelism: number): Promise<KeyedStateBackend[]> {
  const out: KeyedStateBackend[] = [];
  for (let i = 0; i < parallelism; i++) out.push(await ctx.restored(t, snapshots, { range: computeKeyGroupRangeForOperatorIndex(MAX_PARALLELISM, parallelism, i) }));
  return out;
}

const keysOf = (parallelism: number, index: number) => KEYS.filter((k) => assignKeyToParallelOperator(k, MAX_PARALLELISM, parallelism) === index);

export function describeRescalingTests(ctx: SuiteContext): void {
  describe('restoring into other key-group ranges', () => {
    it('splits one snapshot over two and over three subtasks', async (t) => {
      const whole = await ctx.backend(t);
      write(whole, KEYS);
      const snapshot = await whole.snapshot(1).materialize();
      for (const parallelism of [2, 3]) {
        const backends = await restoreInto(ctx, t, [snapshot], parallelism);
        backends.forEach((b, i) => verify(b, keysOf(parallelism, i)));
      }
    });

    it('merges the snapshots of two subtasks into one, and of three into two', async (t) => {
      for (const [from, to] of [[2, 1], [3, 2]] as const) {
        const snapshots: KeyedStateSnapshot[] = [];
        for (let i = 0; i < from; i++) {
          const b = await ctx.backend(t, { range: computeKeyGroupRangeForOperatorIndex(MAX_PARALLELISM, from, i) });
          write(b, keysOf(from, i));
          const snapshot = await b.snapshot(1).materialize();
          for (const kg of snapshot.keyGroups.keys()) assert.ok(b.keyGroupRange.contains(kg));
          snapshots.push(snapshot);
        }
        const backends = await restoreInto(ctx, t, snapshots, to);
        backends.forEach((b, i) => verify(b, keysOf(to, i)));
      }
    });
  });
}
