/*
 * Tests of RocksDBKeyedStateBackend beyond the shared backend suite: one column family per state
 * (plus configured ones), map iteration across chunks, lists built by appends, getKeys over
 * namespaces, states restored then registered with TTL switched on or off, and dispose.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import type { ListState, MapState, ValueState } from '../../../../src/api/state/state.ts';
import { StateTtlConfig } from '../../../../src/api/state/state-ttl-config.ts';
import { ErrorCodes, FlinkError } from '../../../../src/errors.ts';
import { VOID_NAMESPACE } from '../../../../src/runtime/state/keyed-state-backend.ts';
import { readKeyGroupBlock } from '../../../../src/runtime/state/snapshot/key-group-block.ts';
import { readTtlTimestamp } from '../../../../src/runtime/state/ttl/ttl-value.ts';
import { rocksBackend, skipRocksDB } from './rocksdb-test-helpers.ts';

describe('RocksDBKeyedStateBackend', { skip: skipRocksDB }, () => {
  it('keeps each state in its own column family, next to the configured ones', (t) => {
    const b = rocksBackend(t, {}, { columnFamilies: ['user_state', 'timer_state'] });
    b.getPartitionedState(new ValueStateDescriptor('count'));
    b.getPartitionedState(new ListStateDescriptor('events'));
    assert.deepEqual(b.instance.columnFamilyNames().sort(), ['count', 'default', 'events', 'timer_state', 'user_state']);
  });

  it('iterates a map of more entries than one read chunk, in key order, and clears it', (t) => {
    const b = rocksBackend(t);
    const m = b.getPartitionedState<MapState<number, string>>(new MapStateDescriptor('m'));
    b.setCurrentKey('other');
    m.put(1, 'not mine');
    b.setCurrentKey('k');
    assert.equal(m.isEmpty(), true);
    for (let i = 0; i < 300; i++) m.put(i, `v${i}`);
    const entries = [...m.entries()];
    assert.equal(entries.length, 300);
    assert.deepEqual(new Set(entries.map(([k]) => k)), new Set(Array.from({ length: 300 }, (_, i) => i)));
    assert.equal([...m.values()].filter((v) => v === 'v299').length, 1);
    // The entries iterated are those of the key current when iteration was asked for.
    const keys = m.keys();
    b.setCurrentKey('other');
    assert.equal([...keys].length, 300);
    b.setCurrentKey('k');
    m.clear();
    assert.equal(m.isEmpty(), true);
    b.setCurrentKey('other');
    assert.equal(m.get(1), 'not mine');
  });

  it('appends list elements to the stored bytes without losing any', (t) => {
    const b = rocksBackend(t);
    const l = b.getPartitionedState<ListState<{ i: number }>>(new ListStateDescriptor('l'));
    b.setCurrentKey(7);
    for (let i = 0; i < 50; i++) l.add({ i });
    l.addAll([{ i: 50 }, { i: 51 }]);
    assert.deepEqual([...l.get()!].map((e) => e.i), Array.from({ length: 52 }, (_, i) => i));
  });

  it('lists the keys of a state per namespace, each once, also for map states', (t) => {
    const b = rocksBackend(t);
    const m = b.getPartitionedState<MapState<string, number>>(new MapStateDescriptor('m'));
    for (const key of ['a', 'b', 'c']) {
      b.setCurrentKey(key);
      m.put('x', 1);
      m.put('y', 2);
    }
    m.setCurrentNamespace({ start: 0, end: 10 });
    b.setCurrentKey('d');
    m.put('x', 1);
    assert.deepEqual([...b.getKeys('m')].sort(), ['a', 'b', 'c']);
    assert.deepEqual([...b.getKeys('m', { start: 0, end: 10 })], ['d']);
    assert.deepEqual([...b.getKeys('unknown', VOID_NAMESPACE)], []);
  });

  it('rewrites restored values when TTL is switched on or off between runs', async (t) => {
    const plain = rocksBackend(t);
    const v = plain.getPartitionedState<ValueState<string>>(new ValueStateDescriptor('v'));
    plain.setCurrentKey('a');
    v.update('hello');
    const withoutTtl = await plain.snapshot(1).materialize();

    const clock = { time: 5_000, currentTimestamp(): number { return this.time; } };
    const ttl = StateTtlConfig.newBuilder(1_000).build();
    const on = rocksBackend(t, { operatorIdentifier: 'op-2' }, { ttlTimeProvider: clock });
    await on.restore([withoutTtl]);
    const vt = on.getPartitionedState<ValueState<string>>(new ValueStateDescriptor<string>('v').enableTimeToLive(ttl));
    on.setCurrentKey('a');
    assert.equal(vt.value(), 'hello');
    const withTtl = await on.snapshot(2).materialize();
    const stored = [...readKeyGroupBlock([...withTtl.keyGroups.values()][0]!)][0]!;
    assert.equal(readTtlTimestamp(stored.value), 5_000, 'restored values are stamped with the restore time');
    clock.time = 6_000;
    assert.equal(vt.value(), undefined, 'and expire from there');

    const off = rocksBackend(t, { operatorIdentifier: 'op-3' });
    await off.restore([withTtl]);
    const vo = off.getPartitionedState<ValueState<string>>(new ValueStateDescriptor('v'));
    off.setCurrentKey('a');
    assert.equal(vo.value(), 'hello');
  });

  it('closes the database and removes its directory on dispose, and refuses use afterwards', async (t) => {
    const b = rocksBackend(t);
    const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v'));
    b.setCurrentKey(1);
    v.update(1);
    assert.equal(existsSync(b.directory), true);
    await b.dispose();
    assert.equal(existsSync(b.directory), false);
    await b.dispose();
    assert.throws(() => b.snapshot(1), (e) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_ILLEGAL_STATE && /disposed/.test(e.message));
    assert.throws(() => v.value());
  });
});
