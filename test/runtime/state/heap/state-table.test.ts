/*
 * Tests of the heap StateTable's layout: VOID_NAMESPACE values per key group, other namespaces
 * (window panes) in one KeyMap per namespace over all key groups, the namespace last used kept at
 * hand (and kept right when its table comes and goes), iteration and size over both, and the heap
 * states' addAndReportExisting, the window operator's test for an existing pane.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AggregatingStateDescriptor, ListStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import type { AggregateFunction, ValueState } from '../../../../src/api/state/state.ts';
import { HeapKeyedStateBackend } from '../../../../src/runtime/state/heap/heap-keyed-state-backend.ts';
import type { StateTable } from '../../../../src/runtime/state/heap/state-table.ts';
import { KeyGroupRange } from '../../../../src/runtime/state/key-group-range.ts';
import { VOID_NAMESPACE } from '../../../../src/runtime/state/keyed-state-backend.ts';

function backend(): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend({ keyGroupRange: KeyGroupRange.of(0, 127), maxParallelism: 128, where: "operator 'test' (subtask 1/1)" });
}

function tableOf(b: HeapKeyedStateBackend, name: string): StateTable<unknown> {
  return (b as unknown as { registered: Map<string, { table: StateTable<unknown> }> }).registered.get(name)!.table;
}

interface PaneState {
  setCurrentNamespace(namespace: unknown): void;
  addAndReportExisting(value: unknown): boolean;
  get(): unknown;
}

const count: AggregateFunction<number, { n: number }, number> = {
  createAccumulator: () => ({ n: 0 }),
  add: (v, acc) => {
    acc.n += v;
    return acc;
  },
  getResult: (acc) => acc.n,
  merge: (a, b) => ({ n: a.n + b.n }),
};

describe('StateTable', () => {
  it('keeps the values of a namespace in one table over all key groups, and drops it with its last key', () => {
    const b = backend();
    const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('v'));
    const table = tableOf(b, 'v');
    const groups = new Set<number>();
    for (let k = 0; k < 50; k++) {
      b.setCurrentKey(k);
      groups.add(b.currentKeyGroupIndex);
      v.setCurrentNamespace('w1');
      v.update(k);
      v.setCurrentNamespace('w2');
      v.update(-k);
      v.setCurrentNamespace(VOID_NAMESPACE);
      v.update(k * 10);
    }
    assert.ok(groups.size > 10, 'the keys are in many key groups');
    assert.deepEqual([...table.namespaces.keys()], ['w1', 'w2']);
    assert.equal(table.namespaces.get('w1')!.size, 50);
    assert.equal(table.size(), 150);
    for (let k = 0; k < 50; k++) {
      b.setCurrentKey(k);
      v.setCurrentNamespace('w2');
      assert.equal(v.value(), -k);
      v.setCurrentNamespace('w1');
      assert.equal(v.value(), k);
      v.clear();
    }
    assert.deepEqual([...table.namespaces.keys()], ['w2']);
    assert.deepEqual(new Set(b.getKeys('v', 'w2')), new Set(Array.from({ length: 50 }, (_, k) => k)));
    assert.deepEqual([...b.getKeys('v', 'w1')], []);
    // The namespace comes back after its table went.
    b.setCurrentKey(7);
    v.setCurrentNamespace('w1');
    assert.equal(v.value(), undefined);
    v.update(70);
    assert.equal(v.value(), 70);
    assert.equal(table.namespaces.get('w1')!.size, 1);
  });

  it('finds the right table while namespaces alternate and come and go', () => {
    const b = backend();
    const v = b.getPartitionedState<ValueState<string>>(new ValueStateDescriptor<string>('v'));
    const expected = new Map<string, string>();
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) {
      const key = next(20);
      const ns = `n${next(4)}`;
      b.setCurrentKey(key);
      v.setCurrentNamespace(ns);
      const id = `${key}/${ns}`;
      assert.equal(v.value(), expected.get(id), `step ${i}`);
      if (next(3) === 0) {
        v.clear();
        expected.delete(id);
      } else {
        v.update(`v${i}`);
        expected.set(id, `v${i}`);
      }
    }
    assert.equal(tableOf(b, 'v').size(), expected.size);
  });

  it('sizes a new namespace like the last one that left, but only while few namespaces are open', () => {
    const b = backend();
    const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('v'));
    const table = tableOf(b, 'v');
    const capacity = (ns: string) => (table.namespaces.get(ns) as unknown as { mask: number }).mask + 1;
    const fill = (ns: string, keys: number) => {
      v.setCurrentNamespace(ns);
      for (let k = 0; k < keys; k++) {
        b.setCurrentKey(k);
        v.update(k);
      }
    };
    const drop = (ns: string, keys: number) => {
      v.setCurrentNamespace(ns);
      for (let k = 0; k < keys; k++) {
        b.setCurrentKey(k);
        v.clear();
      }
    };
    fill('big', 5000);
    drop('big', 5000);
    fill('next', 1);
    assert.ok(capacity('next') >= 10_000, 'sized for the 5000 keys of the window before');
    for (let i = 0; i < 20; i++) fill(`session${i}`, 1);
    assert.equal(capacity('session19'), 16, 'many open namespaces start small');
  });

  it('iterates namespaced entries with their key, namespace and no key-group index', () => {
    const b = backend();
    const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('v'));
    b.setCurrentKey('a');
    v.update(1);
    const group = b.currentKeyGroupIndex;
    v.setCurrentNamespace('w');
    v.update(2);
    assert.deepEqual([...tableOf(b, 'v').entries()], [
      [group, 'a', VOID_NAMESPACE],
      [-1, 'a', 'w'],
    ]);
  });

  it('addAndReportExisting adds and tells whether the pane had contents before', () => {
    const b = backend();
    const aggregating = b.getPartitionedState(new AggregatingStateDescriptor('aggregating', count)) as unknown as PaneState;
    const reducing = b.getPartitionedState(new ReducingStateDescriptor<number>('reducing', (x, y) => x + y)) as unknown as PaneState;
    const list = b.getPartitionedState(new ListStateDescriptor<number>('list')) as unknown as PaneState;
    b.setCurrentKey('k');
    for (const state of [aggregating, reducing, list]) {
      state.setCurrentNamespace('w');
      assert.equal(state.addAndReportExisting(1), false);
      assert.equal(state.addAndReportExisting(2), true);
      state.setCurrentNamespace('other');
      assert.equal(state.addAndReportExisting(5), false);
      state.setCurrentNamespace('w');
    }
    assert.equal(aggregating.get(), 3);
    assert.equal(reducing.get(), 3);
    assert.deepEqual(list.get(), [1, 2]);
    // As add(null): aggregating and reducing state clear; list state refuses.
    assert.equal(aggregating.addAndReportExisting(null), true);
    assert.equal(aggregating.get(), undefined);
    assert.equal(reducing.addAndReportExisting(null), true);
    assert.equal(reducing.get(), undefined);
    assert.throws(() => list.addAndReportExisting(null), TypeError);
  });

  it('addAndReportExisting leaves a pending snapshot as it was', async () => {
    const b = backend();
    const aggregating = b.getPartitionedState(new AggregatingStateDescriptor('aggregating', count)) as unknown as PaneState;
    b.setCurrentKey('k');
    aggregating.setCurrentNamespace('w');
    aggregating.addAndReportExisting(1);
    const runner = b.snapshot(1);
    assert.equal(aggregating.addAndReportExisting(2), true);
    const snapshot = await runner.materialize();
    const restored = backend();
    await restored.restore([snapshot]);
    const state = restored.getPartitionedState(new AggregatingStateDescriptor('aggregating', count)) as unknown as PaneState;
    restored.setCurrentKey('k');
    state.setCurrentNamespace('w');
    assert.equal(state.get(), 1);
    assert.equal(aggregating.get(), 3);
  });
});
