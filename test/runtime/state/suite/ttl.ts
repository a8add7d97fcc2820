/*
 * Suite part: state time-to-live with a manual clock — update types, visibility, per-element
 * and per-entry expiry of list and map state, reducing and aggregating state, full-snapshot
 * cleanup, incremental cleanup, timestamps across snapshot/restore, and turning TTL on or off
 * between runs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor, type StateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../../../../src/api/state/state.ts';
import { StateTtlConfig, type StateTtlConfigBuilder } from '../../../../src/api/state/state-ttl-config.ts';
import { ManualClock, sorted, type SuiteContext } from './suite-helpers.ts';
import { average } from './state-kinds.ts';

const TTL = 100;

function ttl(configure: (b: StateTtlConfigBuilder) => StateTtlConfigBuilder = (b) => b): StateTtlConfig {
  return configure(StateTtlConfig.newBuilder(TTL)).build();
}

function withTtl<D extends StateDescriptor<any>>(descriptor: D, configure?: (b: StateTtlConfigBuilder) => StateTtlConfigBuilder): D {
  return descriptor.enableTimeToLive(ttl(configure));
}

export function describeTtlTests(ctx: SuiteContext): void {
  describe('TTL', () => {
    it('OnCreateAndWrite + NeverReturnExpired: a value lives TTL ms after its last write; reads do not extend it', async (t) => {
      const clock = new ManualClock(1000);
      const b = await ctx.backend(t, { clock });
      const v = b.getPartitionedState<ValueState<string>>(withTtl(new ValueStateDescriptor<string>('v', 'default')));
      b.setCurrentKey('a');
      v.update('x');
      clock.time = 1099;
      assert.equal(v.value(), 'x');
      clock.time = 1100;
      assert.equal(v.value(), 'default', 'expired values are never returned');
      v.update('y');
      clock.time = 1150;
      v.update('z');
      clock.time = 1249;
      assert.equal(v.value(), 'z', 'a write restarts the TTL');
      clock.time = 1250;
      assert.equal(v.value(), 'default');
    });

    it('OnReadAndWrite: a read extends the TTL', async (t) => {
      const clock = new ManualClock(1000);
      const b = await ctx.backend(t, { clock });
      const v = b.getPartitionedState<ValueState<string>>(withTtl(new ValueStateDescriptor<string>('v'), (c) => c.updateTtlOnReadAndWrite()));
      b.setCurrentKey('a');
      v.update('x');
      clock.time = 1090;
      assert.equal(v.value(), 'x');
      clock.time = 1189;
      assert.equal(v.value(), 'x');
      clock.time = 1289;
      assert.equal(v.value(), undefined);
    });

    it('ReturnExpiredIfNotCleanedUp: an expired value is returned until it is cleaned up (by that read)', async (t) => {
      const clock = new ManualClock(1000);
      const b = await ctx.backend(t, { clock });
      const v = b.getPartitionedState<ValueState<string>>(withTtl(new ValueStateDescriptor<string>('v'), (c) => c.returnExpiredIfNotCleanedUp()));
      b.setCurrentKey('a');
      v.update('x');
      clock.time = 5000;
      assert.equal(v.value(), 'x');
      assert.equal(v.value(), undefined);
    });

    it('list state: every element expires on its own; reads drop expired elements', async (t) => {
      const clock = new ManualClock(1000);
      const b = await ctx.backend(t, { clock });
      const l = b.getPartitionedState<ListState<string>>(withTtl(new ListStateDescriptor<string>('l')));
      const rw = b.getPartitionedState<ListState<string>>(withTtl(new ListStateDescriptor<string>('rw'), (c) => c.updateTtlOnReadAndWrite()));
      b.setCurrentKey('k');
      l.add('a');
      rw.add('a');
      clock.time = 1060;
      l.addAll(['b', 'c']);
      assert.deepEqual([...rw.get()!], ['a']);
      clock.time = 1120;
      assert.deepEqual([...l.get()!], ['b', 'c']);
      assert.deepEqual([...rw.get()!], ['a'], 'the read at 1060 extended it');
      clock.time = 1160;
      assert.deepEqual([...l.get()!], []);
      l.update(['d']);
      assert.deepEqual([...l.get()!], ['d']);
      clock.time = 1260;
      assert.deepEqual([...l.get()!], []);
      assert.deepEqual([...b.getKeys('l')], [], 'a read that finds only expired elements removes the entry');
    });

    it('map state: every entry expires on its own', async (t) => {
      const clock = new ManualClock(1000);
      const b = await ctx.backend(t, { clock });
      const m = b.getPartitionedState<MapState<string, number>>(withTtl(new MapStateDescriptor<string, number>('m')));
      b.setCurrentKey('k');
      m.put('x', 1);
      clock.time = 1060;
      m.putAll([['y', 2]]);
      clock.time = 1120;
      assert.equal(m.get('x'), undefined);
      assert.equal(m.contains('x'), false);
      assert.equal(m.get('y'), 2);
      assert.deepEqual([...m.keys()], ['y']);
      assert.deepEqual([...m.values()], [2]);
      assert.deepEqual([...m.entries()], [['y', 2]]);
      assert.equal(m.isEmpty(), false);
      clock.time = 1160;
      assert.equal(m.isEmpty(), true);
      assert.deepEqual([...m.entries()], []);
    });

    it('reducing and aggregating state: an expired accumulator is dropped, later adds start afresh', async (t) => {
      const clock = new ManualClock(1000);
      const b = await ctx.backend(t, { clock });
      const r = b.getPartitionedState<ReducingState<number>>(withTtl(new ReducingStateDescriptor<number>('r', (x, y) => x + y)));
      const a = b.getPartitionedState<AggregatingState<number, number>>(withTtl(new AggregatingStateDescriptor('a', average)));
      b.setCurrentKey('k');
      r.add(1);
      a.add(1);
      clock.time = 1050;
      r.add(2);
      a.add(3);
      assert.equal(r.get(), 3);
      assert.equal(a.get(), 2);
      clock.time = 1149;
      assert.equal(r.get(), 3, 'the add at 1050 restarted the TTL');
      clock.time = 1150;
      assert.equal(r.get(), undefined);
      assert.equal(a.get(), undefined);
      r.add(5);
      a.add(10);
      assert.equal(r.get(), 5);
      assert.equal(a.get(), 10);
    });

    it('full-snapshot cleanup leaves expired entries, elements and map entries out of snapshots', async (t) => {
      const clock = new ManualClock(1000);
      const b = await ctx.backend(t, { clock });
      const full = (c: StateTtlConfigBuilder) => c.cleanupFullSnapshot();
      const descriptors = {
        v: withTtl(new ValueStateDescriptor<string>('v'), full),
        keep: withTtl(new ValueStateDescriptor<string>('keep'), (c) => c.returnExpiredIfNotCleanedUp()),
        l: withTtl(new ListStateDescriptor<string>('l'), full),
        m: withTtl(new MapStateDescriptor<string, number>('m'), full),
      };
      const v = b.getPartitionedState<ValueState<string>>(descriptors.v);
      const keep = b.getPartitionedState<ValueState<string>>(descriptors.keep);
      const l = b.getPartitionedState<ListState<string>>(descriptors.l);
      const m = b.getPartitionedState<MapState<string, number>>(descriptors.m);
      for (const [key, time] of [['old', 1000], ['new', 1080]] as const) {
        clock.time = time;
        b.setCurrentKey(key);
        v.update(key);
        keep.update(key);
        b.setCurrentKey('list-and-map');
        l.add(key);
        m.put(key, time);
      }
      clock.time = 1120;
      const snapshot = await b.snapshot(1).materialize();
      const r = await ctx.restored(t, [snapshot], { clock });
      const rv = r.getPartitionedState<ValueState<string>>(descriptors.v);
      const rkeep = r.getPartitionedState<ValueState<string>>(descriptors.keep);
      const rl = r.getPartitionedState<ListState<string>>(descriptors.l);
      const rm = r.getPartitionedState<MapState<string, number>>(descriptors.m);
      assert.deepEqual(sorted(r.getKeys('v')), ['new']);
      assert.deepEqual(sorted(r.getKeys('keep')), ['new', 'old'], 'without full-snapshot cleanup expired entries stay in the snapshot');
      r.setCurrentKey('old');
      assert.equal(rkeep.value(), 'old');
      assert.equal(rv.value(), undefined);
      r.setCurrentKey('list-and-map');
      clock.time = 1000;
      assert.deepEqual([...rl.get()!], ['new'], 'even when read at an earlier time, the element is gone');
      assert.deepEqual([...rm.keys()], ['new']);
    });

    it('keeps timestamps across snapshot and restore', async (t) => {
      const clock = new ManualClock(1000);
      const b = await ctx.backend(t, { clock });
      const d = withTtl(new ValueStateDescriptor<string>('v'));
      const v = b.getPartitionedState<ValueState<string>>(d);
      b.setCurrentKey('k');
      v.update('x');
      const snapshot = await b.snapshot(1).materialize();
      const later = new ManualClock(1050);
      const r = await ctx.restored(t, [snapshot], { clock: later });
      const rv = r.getPartitionedState<ValueState<string>>(d);
      r.setCurrentKey('k');
      assert.equal(rv.value(), 'x');
      later.time = 1100;
      assert.equal(rv.value(), undefined);
    });

    it('turning TTL on after a restore stamps restored values with the restore time; turning it off keeps the values', async (t) => {
      const clock = new ManualClock(1000);
      const b = await ctx.backend(t, { clock });
      const plain = b.getPartitionedState<ValueState<string>>(new ValueStateDescriptor<string>('plain'));
      const timed = b.getPartitionedState<ListState<string>>(withTtl(new ListStateDescriptor<string>('timed')));
      b.setCurrentKey('k');
      plain.update('p');
      timed.add('t');
      const snapshot = await b.snapshot(1).materialize();
      const later = new ManualClock(5000);
      const r = await ctx.restored(t, [snapshot], { clock: later });
      const rplain = r.getPartitionedState<ValueState<string>>(withTtl(new ValueStateDescriptor<string>('plain')));
      const rtimed = r.getPartitionedState<ListState<string>>(new ListStateDescriptor<string>('timed'));
      r.setCurrentKey('k');
      assert.equal(rplain.value(), 'p');
      assert.deepEqual([...rtimed.get()!], ['t'], 'no TTL any more: the value written at 1000 is still there at 5000');
      later.time = 5099;
      assert.equal(rplain.value(), 'p');
      later.time = 5100;
      assert.equal(rplain.value(), undefined);
    });

    if (ctx.options.incrementalCleanup) {
      it('incremental cleanup removes expired entries on state access, up to cleanupSize per access', async (t) => {
        const clock = new ManualClock(1000);
        const b = await ctx.backend(t, { clock });
        const one = b.getPartitionedState<ValueState<number>>(withTtl(new ValueStateDescriptor<number>('one'), (c) => c.cleanupIncrementally(1, false)));
        const all = b.getPartitionedState<ValueState<number>>(withTtl(new ValueStateDescriptor<number>('all'), (c) => c.cleanupIncrementally(10, false)));
        const none = b.getPartitionedState<ValueState<number>>(withTtl(new ValueStateDescriptor<number>('none')));
        for (const key of ['a', 'b', 'c']) {
          b.setCurrentKey(key);
          one.update(1);
          all.update(1);
          none.update(1);
        }
        clock.time = 1200;
        b.setCurrentKey('fresh');
        assert.equal([...b.getKeys('all')].length, 3, 'not cleaned before an access');
        all.update(2);
        one.update(2);
        none.update(2);
        assert.deepEqual([...b.getKeys('all')], ['fresh']);
        assert.equal([...b.getKeys('one')].length, 3, 'one expired entry checked and removed');
        assert.equal([...b.getKeys('none')].length, 4);
      });

      it('incremental cleanup with runCleanupForEveryRecord runs on every setCurrentKey, per list element', async (t) => {
        const clock = new ManualClock(1000);
        const b = await ctx.backend(t, { clock });
        const l = b.getPartitionedState<ListState<string>>(withTtl(new ListStateDescriptor<string>('l'), (c) => c.cleanupIncrementally(10, true).returnExpiredIfNotCleanedUp()));
        const v = b.getPartitionedState<ValueState<string>>(withTtl(new ValueStateDescriptor<string>('v'), (c) => c.cleanupIncrementally(10, true)));
        b.setCurrentKey('k');
        l.add('a');
        v.update('a');
        clock.time = 1080;
        l.add('b');
        clock.time = 1120;
        b.setCurrentKey('other');
        assert.deepEqual([...b.getKeys('v')], [], 'cleaned by setCurrentKey alone');
        b.setCurrentKey('k');
        assert.deepEqual([...l.get()!], ['b'], 'the expired element was cleaned up, so it is not returned');
      });
    }
  });
}
