/*
 * Suite part: the current key, every state kind and method, scoping to the key, registration.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../../../src/errors.ts';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../../../../src/api/state/state-descriptor.ts';
import type { AggregateFunction, AggregatingState, ListState, MapState, ReducingState, ValueState } from '../../../../src/api/state/state.ts';
import { StateTtlConfig } from '../../../../src/api/state/state-ttl-config.ts';
import { KeyGroupRange } from '../../../../src/runtime/state/key-group-range.ts';
import { assignToKeyGroup, computeKeyGroupRangeForOperatorIndex } from '../../../../src/runtime/state/key-group-range-assignment.ts';
import { VersionedNumberSerializer } from './restore-errors.ts';
import { ILLEGAL_STATE, MAX_PARALLELISM, keyIn, sorted, throwsFlinkError, type SuiteContext } from './suite-helpers.ts';

/** Average of numbers: accumulator [sum, count]. */
export const average: AggregateFunction<number, [number, number], number> = {
  createAccumulator: () => [0, 0],
  add: (v, acc) => [acc[0] + v, acc[1] + 1],
  getResult: (acc) => acc[0] / acc[1],
  merge: (a, b) => [a[0] + b[0], a[1] + b[1]],
};

export function describeStateKindTests(ctx: SuiteContext): void {
  describe('current key', () => {
    it('sets and reports the current key and its key group', async (t) => {
      const b = await ctx.backend(t);
      assert.equal(b.getCurrentKeyGroup(), -1);
      b.setCurrentKey('alice');
      assert.equal(b.getCurrentKey(), 'alice');
      assert.equal(b.getCurrentKeyGroup(), assignToKeyGroup('alice', MAX_PARALLELISM));
      b.setCurrentKey(['t', 1]);
      assert.deepEqual(b.getCurrentKey(), ['t', 1]);
    });

    it('rejects a key outside its key-group range, naming key, key group, range and operator, and keeps the current key', async (t) => {
      const range = computeKeyGroupRangeForOperatorIndex(MAX_PARALLELISM, 4, 1);
      const b = await ctx.backend(t, { range, where: "operator 'Keyed Reduce' (subtask 2/4)" });
      const inside = keyIn(range, true);
      const outside = keyIn(range, false);
      b.setCurrentKey(inside);
      throwsFlinkError(() => b.setCurrentKey(outside), ILLEGAL_STATE, `Key ${outside} belongs to key group ${assignToKeyGroup(outside, MAX_PARALLELISM)}`, "operator 'Keyed Reduce' (subtask 2/4)", range.toString());
      assert.equal(b.getCurrentKey(), inside);
    });

    it('rejects keys that cannot be hashed, naming the operator', async (t) => {
      const b = await ctx.backend(t);
      for (const bad of [Number.NaN, { id: 1 }, null, undefined, [1, Number.NaN]]) {
        throwsFlinkError(() => b.setCurrentKey(bad), ErrorCodes.FLINK_TS_INVALID_KEY, "operator 'Suite'");
      }
    });

    it('requireKey and every state access fail without a current key, naming the operator', async (t) => {
      const b = await ctx.backend(t);
      throwsFlinkError(() => b.requireKey('Registering a timer'), ILLEGAL_STATE, 'Registering a timer', "operator 'Suite' (subtask 1/1)");
      const value = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v'));
      const list = b.getPartitionedState<ListState<number>>(new ListStateDescriptor('l'));
      const map = b.getPartitionedState<MapState<string, number>>(new MapStateDescriptor('m'));
      const reducing = b.getPartitionedState<ReducingState<number>>(new ReducingStateDescriptor('r', (x: number, y: number) => x + y));
      for (const access of [() => value.value(), () => value.update(1), () => list.add(1), () => list.get(), () => map.put('a', 1), () => map.get('a'), () => reducing.add(1), () => value.clear()]) {
        throwsFlinkError(access, ILLEGAL_STATE, "operator 'Suite' (subtask 1/1)");
      }
      b.setCurrentKey('a');
      b.requireKey('x');
      value.update(1);
      assert.equal(value.value(), 1);
    });

    it('treats keys equal by value as one key (tuples, Dates, -0) and keeps "1" apart from 1', async (t) => {
      const b = await ctx.backend(t);
      const v = b.getPartitionedState<ValueState<string>>(new ValueStateDescriptor('v'));
      b.setCurrentKey(['user', 1]);
      v.update('tuple');
      b.setCurrentKey(['user', 1]);
      assert.equal(v.value(), 'tuple');
      b.setCurrentKey(['user', '1']);
      assert.equal(v.value(), undefined);
      b.setCurrentKey(new Date(1000));
      v.update('date');
      b.setCurrentKey(new Date(1000));
      assert.equal(v.value(), 'date');
      b.setCurrentKey(0);
      v.update('zero');
      b.setCurrentKey(-0);
      assert.equal(v.value(), 'zero');
      b.setCurrentKey('0');
      assert.equal(v.value(), undefined);
      b.setCurrentKey(1n);
      assert.equal(v.value(), undefined);
    });
  });

  describe('ValueState', () => {
    it('keeps a value per key; value() is the default (or undefined) when empty; update(null or undefined) and clear() remove it', async (t) => {
      const b = await ctx.backend(t);
      const plain = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('plain'));
      const withDefault = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('count', 0));
      b.setCurrentKey('a');
      assert.equal(plain.value(), undefined);
      assert.equal(withDefault.value(), 0);
      plain.update(1);
      withDefault.update(withDefault.value()! + 5);
      b.setCurrentKey('b');
      assert.equal(plain.value(), undefined);
      plain.update(2);
      b.setCurrentKey('a');
      assert.equal(plain.value(), 1);
      assert.equal(withDefault.value(), 5);
      plain.update(null);
      assert.equal(plain.value(), undefined);
      plain.update(3);
      plain.update(undefined);
      assert.equal(plain.value(), undefined);
      withDefault.clear();
      assert.equal(withDefault.value(), 0);
      b.setCurrentKey('b');
      assert.equal(plain.value(), 2);
      assert.deepEqual(sorted(b.getKeys('plain')), ['b']);
    });

    it('reads an empty state as a copy of the default, so that changing it changes no other key', async (t) => {
      const b = await ctx.backend(t);
      const v = b.getPartitionedState<ValueState<{ n: number }>>(new ValueStateDescriptor<{ n: number }>('v', { n: 0 }));
      for (const key of ['a', 'b']) {
        b.setCurrentKey(key);
        const acc = v.value()!;
        acc.n++;
        v.update(acc);
      }
      assert.deepEqual(v.value(), { n: 1 });
      b.setCurrentKey('a');
      assert.deepEqual(v.value(), { n: 1 });
      b.setCurrentKey('c');
      assert.deepEqual(v.value(), { n: 0 });
    });

    it('stores structured values: objects, arrays, Maps, Dates, bigints, falsy values', async (t) => {
      const b = await ctx.backend(t);
      const v = b.getPartitionedState<ValueState<unknown>>(new ValueStateDescriptor('v'));
      const values: unknown[] = [{ a: 1, nested: { b: [1, 2] } }, [1, 'two'], new Map([['k', 1]]), new Date(5), 1234567890123456789n, 0, '', false];
      values.forEach((value, i) => {
        b.setCurrentKey(i);
        v.update(value);
      });
      values.forEach((value, i) => {
        b.setCurrentKey(i);
        assert.deepEqual(v.value(), value);
      });
    });
  });

  describe('ListState', () => {
    it('adds, adds all, updates and clears; an empty list reads as an empty iterable', async (t) => {
      const b = await ctx.backend(t);
      const l = b.getPartitionedState<ListState<string>>(new ListStateDescriptor<string>('l'));
      b.setCurrentKey('a');
      assert.deepEqual([...l.get()!], []);
      l.add('x');
      l.add('y');
      l.addAll(['z', 'w']);
      l.addAll([]);
      assert.deepEqual([...l.get()!], ['x', 'y', 'z', 'w']);
      b.setCurrentKey('b');
      assert.deepEqual([...l.get()!], []);
      l.update(['only']);
      assert.deepEqual([...l.get()!], ['only']);
      b.setCurrentKey('a');
      l.update(['p', 'q']);
      assert.deepEqual([...l.get()!], ['p', 'q']);
      l.update([]);
      assert.deepEqual([...l.get()!], []);
      assert.deepEqual(sorted(b.getKeys('l')), ['b']);
      b.setCurrentKey('b');
      l.clear();
      assert.deepEqual([...l.get()!], []);
      assert.deepEqual([...b.getKeys('l')], []);
    });

    it('rejects null elements and null lists', async (t) => {
      const b = await ctx.backend(t);
      const l = b.getPartitionedState<ListState<string | null>>(new ListStateDescriptor<string | null>('l'));
      b.setCurrentKey('a');
      assert.throws(() => l.add(null), /null/);
      assert.throws(() => l.add(undefined as never), /null/);
      assert.throws(() => l.addAll(['a', null]), /null/);
      assert.throws(() => l.update(null as never), /null/);
      assert.throws(() => l.addAll(null as never), /null/);
      assert.deepEqual([...l.get()!], []);
    });
  });

  describe('MapState', () => {
    it('puts, gets, checks, removes and iterates entries per key', async (t) => {
      const b = await ctx.backend(t);
      const m = b.getPartitionedState<MapState<string, number>>(new MapStateDescriptor<string, number>('m'));
      b.setCurrentKey('a');
      assert.equal(m.isEmpty(), true);
      assert.equal(m.get('x'), undefined);
      assert.equal(m.contains('x'), false);
      m.put('x', 1);
      m.put('y', 2);
      m.put('x', 3);
      assert.equal(m.get('x'), 3);
      assert.equal(m.contains('y'), true);
      assert.equal(m.isEmpty(), false);
      assert.deepEqual(sorted(m.keys()), ['x', 'y']);
      assert.deepEqual([...m.values()].sort(), [2, 3]);
      assert.deepEqual(sorted([...m.entries()].map(([k, v]) => `${k}=${v}`)), ['x=3', 'y=2']);
      b.setCurrentKey('b');
      assert.equal(m.isEmpty(), true);
      m.putAll([
        ['p', 10],
        ['q', 20],
      ]);
      m.putAll(new Map([['r', 30]]));
      assert.deepEqual(sorted(m.keys()), ['p', 'q', 'r']);
      m.remove('p');
      m.remove('missing');
      assert.deepEqual(sorted(m.keys()), ['q', 'r']);
      m.clear();
      assert.equal(m.isEmpty(), true);
      b.setCurrentKey('a');
      m.remove('x');
      m.remove('y');
      assert.equal(m.isEmpty(), true);
      assert.deepEqual([...b.getKeys('m')], [], 'a map without entries is no entry of the key');
    });

    it('treats user keys equal by value as one entry (tuples, numbers, strings apart from numbers)', async (t) => {
      const b = await ctx.backend(t);
      const m = b.getPartitionedState<MapState<unknown, string>>(new MapStateDescriptor<unknown, string>('m'));
      b.setCurrentKey('k');
      m.put(['a', 1], 'tuple');
      m.put(1, 'number');
      m.put('1', 'string');
      m.put({ x: 1 }, 'object');
      assert.equal(m.get(['a', 1]), 'tuple');
      assert.equal(m.get(1), 'number');
      assert.equal(m.get('1'), 'string');
      assert.equal(m.get({ x: 1 }), 'object');
      assert.equal(m.contains(['a', 2]), false);
      m.put(['a', 1], 'again');
      assert.equal([...m.keys()].length, 4);
      assert.ok([...m.keys()].some((k) => Array.isArray(k) && k[0] === 'a' && k[1] === 1), 'keys() gives the user keys back');
      m.remove(['a', 1]);
      assert.equal(m.get(['a', 1]), undefined);
    });
  });

  describe('ReducingState and AggregatingState', () => {
    it('ReducingState reduces what is added per key; get() is undefined when empty', async (t) => {
      const b = await ctx.backend(t);
      const r = b.getPartitionedState<ReducingState<number>>(new ReducingStateDescriptor<number>('sum', (x, y) => x + y));
      const max = b.getPartitionedState<ReducingState<number>>(new ReducingStateDescriptor<number>('max', { reduce: (x: number, y: number) => Math.max(x, y) }));
      b.setCurrentKey('a');
      assert.equal(r.get(), undefined);
      for (const v of [1, 2, 3]) {
        r.add(v);
        max.add(v);
      }
      b.setCurrentKey('b');
      r.add(10);
      b.setCurrentKey('a');
      assert.equal(r.get(), 6);
      assert.equal(max.get(), 3);
      r.clear();
      assert.equal(r.get(), undefined);
      b.setCurrentKey('b');
      assert.equal(r.get(), 10);
    });

    it('AggregatingState keeps an accumulator per key and returns its result', async (t) => {
      const b = await ctx.backend(t);
      const a = b.getPartitionedState<AggregatingState<number, number>>(new AggregatingStateDescriptor('avg', average));
      b.setCurrentKey('a');
      assert.equal(a.get(), undefined);
      a.add(1);
      a.add(3);
      b.setCurrentKey('b');
      a.add(10);
      b.setCurrentKey('a');
      assert.equal(a.get(), 2);
      a.clear();
      assert.equal(a.get(), undefined);
      b.setCurrentKey('b');
      assert.equal(a.get(), 10);
    });
  });

  describe('registration', () => {
    it('returns the same state object for a name, also for a second equal descriptor', async (t) => {
      const b = await ctx.backend(t);
      const d = new ValueStateDescriptor<number>('v');
      const s = b.getPartitionedState(d);
      assert.equal(b.getPartitionedState(d), s);
      assert.equal(b.getPartitionedState(new ValueStateDescriptor<number>('v')), s);
      assert.equal(s.descriptor, d);
      b.setCurrentKey('a');
      (s as unknown as ValueState<number>).update(4);
      assert.equal(b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('v')).value(), 4);
    });

    it('refuses a name registered as another kind, with another serializer or another TTL, naming state and operator', async (t) => {
      const b = await ctx.backend(t);
      b.getPartitionedState(new ValueStateDescriptor<number>('v'));
      throwsFlinkError(() => b.getPartitionedState(new ListStateDescriptor<number>('v')), ILLEGAL_STATE, "'v'", "operator 'Suite'", 'VALUE', 'LIST');
      const other = new VersionedNumberSerializer(1);
      throwsFlinkError(() => b.getPartitionedState(new ValueStateDescriptor<number>('v', other)), ILLEGAL_STATE, "'v'", 'serializer');
      throwsFlinkError(() => b.getPartitionedState(new ValueStateDescriptor<number>('v').enableTimeToLive(StateTtlConfig.newBuilder(1000).build())), ILLEGAL_STATE, "'v'", 'TTL');
    });

    it('getKeys lists the keys of a state (none for an unknown state), and getStatistics counts entries', async (t) => {
      const b = await ctx.backend(t);
      const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('v'));
      const l = b.getPartitionedState<ListState<number>>(new ListStateDescriptor<number>('l'));
      for (const k of ['a', 'b', 'c']) {
        b.setCurrentKey(k);
        v.update(1);
      }
      b.setCurrentKey('a');
      l.add(1);
      assert.deepEqual(sorted(b.getKeys('v')), ['a', 'b', 'c']);
      assert.deepEqual([...b.getKeys('nope')], []);
      assert.equal(b.getStatistics().numEntries, 4);
    });

    it('keeps the entries of a range that does not start at 0', async (t) => {
      const range = KeyGroupRange.of(64, 127);
      const b = await ctx.backend(t, { range });
      const v = b.getPartitionedState<ValueState<string>>(new ValueStateDescriptor<string>('v'));
      const key = keyIn(range);
      b.setCurrentKey(key);
      v.update('x');
      assert.equal(b.getCurrentKeyGroup(), assignToKeyGroup(key, MAX_PARALLELISM));
      assert.deepEqual([...b.getKeys('v')], [key]);
      assert.equal(v.value(), 'x');
    });
  });
}
