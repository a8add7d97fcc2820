/*
 * Suite part: namespaces (windows) — scoping, equality of namespace values, getKeys per
 * namespace, and merging namespaces of list, reducing and aggregating state.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../../../src/errors.ts';
import { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../../../../src/api/state/state.ts';
import { VOID_NAMESPACE, type InternalKvState } from '../../../../src/runtime/state/keyed-state-backend.ts';
import { sorted, throwsFlinkError, type SuiteContext } from './suite-helpers.ts';
import { average } from './state-kinds.ts';

const w = (start: number, end: number) => ({ start, end });

export function describeNamespaceTests(ctx: SuiteContext): void {
  describe('namespaces', () => {
    it('scopes state to the current namespace; VOID_NAMESPACE is the default; equal window values are one namespace', async (t) => {
      const b = await ctx.backend(t);
      const v = b.getPartitionedState<ValueState<string> & InternalKvState>(new ValueStateDescriptor<string>('v'));
      b.setCurrentKey('a');
      v.update('global');
      v.setCurrentNamespace(w(0, 10));
      assert.equal(v.value(), undefined);
      v.update('window 0-10');
      v.setCurrentNamespace(w(10, 20));
      v.update('window 10-20');
      v.setCurrentNamespace({ start: 0, end: 10 });
      assert.equal(v.value(), 'window 0-10');
      v.setCurrentNamespace('ns');
      v.update('string ns');
      v.setCurrentNamespace(7);
      v.update('number ns');
      v.setCurrentNamespace(VOID_NAMESPACE);
      assert.equal(v.value(), 'global');
      b.setCurrentKey('b');
      v.setCurrentNamespace(w(0, 10));
      assert.equal(v.value(), undefined, 'namespaces are per key');
      v.update('b in 0-10');
      assert.deepEqual(sorted(b.getKeys('v', w(0, 10))), ['a', 'b']);
      assert.deepEqual(sorted(b.getKeys('v', w(10, 20))), ['a']);
      assert.deepEqual(sorted(b.getKeys('v', 7)), ['a']);
      assert.deepEqual(sorted(b.getKeys('v')), ['a']);
      b.setCurrentKey('a');
      v.setCurrentNamespace(w(10, 20));
      v.clear();
      assert.equal(v.value(), undefined);
      v.setCurrentNamespace(w(0, 10));
      assert.equal(v.value(), 'window 0-10', 'clear() removes only the current namespace');
    });

    it('keeps list and map state per namespace', async (t) => {
      const b = await ctx.backend(t);
      const l = b.getPartitionedState<ListState<number> & InternalKvState>(new ListStateDescriptor<number>('l'));
      const m = b.getPartitionedState<MapState<string, number> & InternalKvState>(new MapStateDescriptor<string, number>('m'));
      b.setCurrentKey('k');
      for (const [ns, n] of [[w(0, 1), 1], [w(1, 2), 2]] as const) {
        l.setCurrentNamespace(ns);
        m.setCurrentNamespace(ns);
        l.add(n);
        m.put('x', n);
      }
      l.setCurrentNamespace(w(0, 1));
      m.setCurrentNamespace(w(1, 2));
      assert.deepEqual([...l.get()!], [1]);
      assert.equal(m.get('x'), 2);
    });

    it('merges list namespaces: the target gets the elements of all sources, the sources are cleared', async (t) => {
      const b = await ctx.backend(t);
      const l = b.getPartitionedState<ListState<number> & InternalKvState>(new ListStateDescriptor<number>('l'));
      b.setCurrentKey('k');
      const fill = (ns: unknown, values: number[]) => {
        l.setCurrentNamespace(ns);
        l.addAll(values);
      };
      fill(w(0, 5), [1, 2]);
      fill(w(3, 8), [3]);
      fill(w(0, 8), [0]);
      b.setCurrentKey('other');
      fill(w(0, 5), [99]);
      b.setCurrentKey('k');
      l.mergeNamespaces(w(0, 8), [w(0, 5), w(3, 8), w(100, 101)]);
      l.setCurrentNamespace(w(0, 8));
      assert.deepEqual([...l.get()!].sort(), [0, 1, 2, 3]);
      l.setCurrentNamespace(w(0, 5));
      assert.deepEqual([...l.get()!], []);
      l.setCurrentNamespace(w(3, 8));
      assert.deepEqual([...l.get()!], []);
      b.setCurrentKey('other');
      l.setCurrentNamespace(w(0, 5));
      assert.deepEqual([...l.get()!], [99], 'only the current key is merged');
    });

    it('merges reducing and aggregating namespaces into a target without a value', async (t) => {
      const b = await ctx.backend(t);
      const r = b.getPartitionedState<ReducingState<number> & InternalKvState>(new ReducingStateDescriptor<number>('r', (x, y) => x + y));
      const a = b.getPartitionedState<AggregatingState<number, number> & InternalKvState>(new AggregatingStateDescriptor('a', average));
      b.setCurrentKey('k');
      for (const [ns, values] of [[w(0, 5), [1, 2]], [w(3, 8), [6]]] as const) {
        r.setCurrentNamespace(ns);
        a.setCurrentNamespace(ns);
        for (const v of values) {
          r.add(v);
          a.add(v);
        }
      }
      r.mergeNamespaces(w(0, 8), [w(0, 5), w(3, 8)]);
      a.mergeNamespaces(w(0, 8), [w(0, 5), w(3, 8)]);
      r.setCurrentNamespace(w(0, 8));
      a.setCurrentNamespace(w(0, 8));
      assert.equal(r.get(), 9);
      assert.equal(a.get(), 3);
      r.setCurrentNamespace(w(0, 5));
      a.setCurrentNamespace(w(3, 8));
      assert.equal(r.get(), undefined);
      assert.equal(a.get(), undefined);
      r.mergeNamespaces(w(0, 8), []);
      r.setCurrentNamespace(w(0, 8));
      assert.equal(r.get(), 9, 'merging no sources leaves the target as it is');
      r.setCurrentNamespace(w(50, 60));
      r.add(1);
      r.mergeNamespaces(w(0, 8), [w(50, 60)]);
      r.setCurrentNamespace(w(0, 8));
      assert.equal(r.get(), 10, 'a target with a value is merged with the sources');
    });

    it('refuses to merge namespaces of value and map state', async (t) => {
      const b = await ctx.backend(t);
      const v = b.getPartitionedState(new ValueStateDescriptor<number>('v'));
      const m = b.getPartitionedState(new MapStateDescriptor<string, number>('m'));
      b.setCurrentKey('k');
      throwsFlinkError(() => v.mergeNamespaces(w(0, 1), [w(1, 2)]), ErrorCodes.FLINK_TS_UNSUPPORTED, "'v'");
      throwsFlinkError(() => m.mergeNamespaces(w(0, 1), [w(1, 2)]), ErrorCodes.FLINK_TS_UNSUPPORTED, "'m'");
    });
  });
}
