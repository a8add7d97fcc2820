/*
 * Suite part: snapshots — the portable format, isolation from changes made after the
 * synchronous part, round trips of every state kind (registered before or after the restore),
 * and restored states that are never registered.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../../../../src/api/state/state.ts';
import type { AggregateFunction } from '../../../../src/api/state/state.ts';
import { KeyGroupRange } from '../../../../src/runtime/state/key-group-range.ts';
import { assignToKeyGroup } from '../../../../src/runtime/state/key-group-range-assignment.ts';
import { VOID_NAMESPACE, type InternalKvState, type KeyedStateBackend } from '../../../../src/runtime/state/keyed-state-backend.ts';
import { KEYED_STATE_SNAPSHOT_VERSION } from '../../../../src/runtime/state/snapshot/keyed-state-snapshot.ts';
import { MAX_PARALLELISM, sorted, type SuiteContext } from './suite-helpers.ts';
import { average } from './state-kinds.ts';

interface Counter {
  count: number;
  tags: string[];
}

/** An aggregate function that changes its accumulator in place, as Java ones often do. */
const mutatingCount: AggregateFunction<string, Counter, number> = {
  createAccumulator: () => ({ count: 0, tags: [] }),
  add: (v, acc) => {
    acc.count++;
    acc.tags.push(v);
    return acc;
  },
  getResult: (acc) => acc.count,
  merge: (a, b) => ({ count: a.count + b.count, tags: [...a.tags, ...b.tags] }),
};

const descriptors = () => ({
  value: new ValueStateDescriptor<Counter>('value'),
  list: new ListStateDescriptor<Counter>('list'),
  map: new MapStateDescriptor<unknown, Counter>('map'),
  reducing: new ReducingStateDescriptor<number>('reducing', (a, b) => a + b),
  aggregating: new AggregatingStateDescriptor('aggregating', mutatingCount),
  average: new AggregatingStateDescriptor('average', average),
});

function states(b: KeyedStateBackend) {
  const d = descriptors();
  return {
    value: b.getPartitionedState<ValueState<Counter> & InternalKvState>(d.value),
    list: b.getPartitionedState<ListState<Counter> & InternalKvState>(d.list),
    map: b.getPartitionedState<MapState<unknown, Counter> & InternalKvState>(d.map),
    reducing: b.getPartitionedState<ReducingState<number> & InternalKvState>(d.reducing),
    aggregating: b.getPartitionedState<AggregatingState<string, number> & InternalKvState>(d.aggregating),
    average: b.getPartitionedState<AggregatingState<number, number> & InternalKvState>(d.average),
  };
}

type States = ReturnType<typeof states>;

const KEYS: unknown[] = ['a', 42, -1.5, ['tuple', 1], new Date(86_400_000), 'b'];

function fill(b: KeyedStateBackend, s: States): void {
  KEYS.forEach((key, i) => {
    b.setCurrentKey(key);
    s.value.update({ count: i, tags: [`v${i}`] });
    s.list.addAll([{ count: i, tags: [] }, { count: i + 1, tags: ['x'] }]);
    s.map.put('plain', { count: i, tags: [] });
    s.map.put(['composite', i], { count: 1000 + i, tags: ['c'] });
    s.reducing.add(i);
    s.reducing.add(10);
    s.aggregating.add(`t${i}`);
    s.average.add(i);
    s.average.add(i + 2);
    s.value.setCurrentNamespace({ start: i, end: i + 10 });
    s.value.update({ count: 100 + i, tags: [] });
    s.value.setCurrentNamespace(VOID_NAMESPACE);
  });
}

function check(b: KeyedStateBackend, s: States): void {
  KEYS.forEach((key, i) => {
    b.setCurrentKey(key);
    assert.deepEqual(s.value.value(), { count: i, tags: [`v${i}`] }, `value of ${String(key)}`);
    assert.deepEqual([...s.list.get()!], [{ count: i, tags: [] }, { count: i + 1, tags: ['x'] }]);
    assert.deepEqual(s.map.get('plain'), { count: i, tags: [] });
    assert.deepEqual(s.map.get(['composite', i]), { count: 1000 + i, tags: ['c'] });
    assert.equal([...s.map.keys()].length, 2);
    assert.equal(s.reducing.get(), i + 10);
    assert.equal(s.aggregating.get(), 1);
    assert.equal(s.average.get(), i + 1);
    s.value.setCurrentNamespace({ start: i, end: i + 10 });
    assert.deepEqual(s.value.value(), { count: 100 + i, tags: [] });
    s.value.setCurrentNamespace(VOID_NAMESPACE);
  });
}

export function describeSnapshotTests(ctx: SuiteContext): void {
  describe('snapshots', () => {
    it('writes the portable format: version, backend type, range, states, one block per key group with entries', async (t) => {
      const range = KeyGroupRange.of(0, MAX_PARALLELISM - 1);
      const b = await ctx.backend(t, { range });
      const s = states(b);
      b.setCurrentKey('a');
      s.value.update({ count: 1, tags: [] });
      const runner = b.snapshot(7);
      assert.equal(runner.checkpointId, 7);
      const snapshot = await runner.materialize();
      assert.equal(snapshot.version, KEYED_STATE_SNAPSHOT_VERSION);
      assert.equal(snapshot.backendType, b.type);
      assert.equal(snapshot.maxParallelism, MAX_PARALLELISM);
      assert.deepEqual(snapshot.keyGroupRange, { startKeyGroup: 0, endKeyGroup: MAX_PARALLELISM - 1 });
      assert.ok(snapshot.states.some((m) => m.name === 'value' && m.type === 'VALUE'));
      assert.deepEqual([...snapshot.keyGroups.keys()], [assignToKeyGroup('a', MAX_PARALLELISM)]);
    });

    it('round-trips every state kind, namespaced values and composite keys, registered after the restore', async (t) => {
      const b = await ctx.backend(t);
      fill(b, states(b));
      const snapshot = await b.snapshot(1).materialize();
      const r = await ctx.restored(t, [snapshot]);
      check(r, states(r));
      assert.deepEqual(sorted(r.getKeys('reducing')), sorted(KEYS));
    });

    it('round-trips into states registered before the restore', async (t) => {
      const b = await ctx.backend(t);
      fill(b, states(b));
      const snapshot = await b.snapshot(1).materialize();
      const r = await ctx.backend(t);
      const s = states(r);
      await r.restore([snapshot]);
      check(r, s);
    });

    it('keeps restored states that are not registered and writes them into later snapshots', async (t) => {
      const b = await ctx.backend(t);
      fill(b, states(b));
      const first = await b.snapshot(1).materialize();
      const middle = await ctx.restored(t, [first]);
      const second = await middle.snapshot(2).materialize();
      assert.deepEqual(sorted(second.states.map((m) => m.name)), sorted(first.states.map((m) => m.name)));
      const last = await ctx.restored(t, [second]);
      check(last, states(last));
    });

    it('isolates a snapshot from updates, clears, new keys and in-place changes after snapshot()', async (t) => {
      const b = await ctx.backend(t);
      const s = states(b);
      fill(b, s);
      const runner = b.snapshot(1);
      KEYS.forEach((key, i) => {
        b.setCurrentKey(key);
        const v = s.value.value()!;
        v.count = -999;
        v.tags.push('changed in place');
        if (i % 2 === 0) s.value.update({ count: 0, tags: [] });
        else s.value.clear();
        const first = [...s.list.get()!][0]!;
        first.tags.push('changed in place');
        s.list.add({ count: 1000, tags: [] });
        s.map.get('plain')!.count = -1;
        s.map.put('added', { count: 1, tags: [] });
        s.map.remove(['composite', i]);
        s.reducing.add(1000);
        s.aggregating.add('after');
        s.average.add(1000);
        s.value.setCurrentNamespace({ start: i, end: i + 10 });
        s.value.clear();
        s.value.setCurrentNamespace(VOID_NAMESPACE);
      });
      b.setCurrentKey('a key added after the snapshot');
      s.value.update({ count: 1, tags: [] });
      const snapshot = await runner.materialize();
      const r = await ctx.restored(t, [snapshot]);
      check(r, states(r));
      assert.deepEqual(sorted(r.getKeys('value')), sorted(KEYS));
    });

    it('keeps two pending snapshots apart', async (t) => {
      const b = await ctx.backend(t);
      const v = b.getPartitionedState<ValueState<Counter>>(new ValueStateDescriptor<Counter>('v'));
      b.setCurrentKey('k');
      v.update({ count: 1, tags: [] });
      const bump = (count: number) => {
        const c = v.value()!;
        c.count = count;
        v.update(c);
      };
      const one = b.snapshot(1);
      bump(2);
      const two = b.snapshot(2);
      bump(3);
      const [s1, s2] = await Promise.all([one.materialize(), two.materialize()]);
      const d = new ValueStateDescriptor<Counter>('v');
      for (const [snapshot, expected] of [[s1, 1], [s2, 2]] as const) {
        const r = await ctx.restored(t, [snapshot]);
        r.setCurrentKey('k');
        assert.equal(r.getPartitionedState<ValueState<Counter>>(d).value()!.count, expected);
      }
      assert.equal(v.value()!.count, 3);
    });

    it('restores an empty snapshot into an empty backend', async (t) => {
      const b = await ctx.backend(t);
      const snapshot = await b.snapshot(1).materialize();
      assert.equal(snapshot.keyGroups.size, 0);
      const r = await ctx.restored(t, [snapshot]);
      assert.equal(r.getStatistics().numEntries, 0);
    });
  });
}
