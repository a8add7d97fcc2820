/*
 * Tests of RocksDB full snapshots: the view is fixed by the synchronous part, materialize yields
 * to the event loop, snapshots restore into the heap backend and back (the portable format),
 * into other key-group ranges (rescaling), full-snapshot TTL cleanup of list elements, and a
 * disposed backend's pending snapshot.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../../../../src/api/state/state-descriptor.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../../../../src/api/state/state.ts';
import { StateTtlConfig } from '../../../../src/api/state/state-ttl-config.ts';
import { ErrorCodes, FlinkError } from '../../../../src/errors.ts';
import { HeapKeyedStateBackend } from '../../../../src/runtime/state/heap/heap-keyed-state-backend.ts';
import { computeKeyGroupRangeForOperatorIndex } from '../../../../src/runtime/state/key-group-range-assignment.ts';
import { KeyGroupRange } from '../../../../src/runtime/state/key-group-range.ts';
import type { InternalKvState, KeyedStateBackend } from '../../../../src/runtime/state/keyed-state-backend.ts';
import type { TtlTimeProvider } from '../../../../src/runtime/state/ttl/ttl-time-provider.ts';
import { MAX_PARALLELISM, rocksBackend, skipRocksDB } from './rocksdb-test-helpers.ts';

const sum = (a: number, b: number): number => a + b;
const average = {
  createAccumulator: (): [number, number] => [0, 0],
  add: (v: number, acc: [number, number]): [number, number] => [acc[0] + v, acc[1] + 1],
  getResult: (acc: [number, number]): number => acc[0] / acc[1],
  merge: (a: [number, number], b: [number, number]): [number, number] => [a[0] + b[0], a[1] + b[1]],
};

interface States {
  value: ValueState<{ n: number }>;
  list: ListState<string> & InternalKvState;
  map: MapState<string, number>;
  reducing: ReducingState<number>;
  aggregating: AggregatingState<number, number>;
}

function states(b: KeyedStateBackend): States {
  return {
    value: b.getPartitionedState(new ValueStateDescriptor<{ n: number }>('value')),
    list: b.getPartitionedState(new ListStateDescriptor<string>('list')),
    map: b.getPartitionedState(new MapStateDescriptor<string, number>('map')),
    reducing: b.getPartitionedState(new ReducingStateDescriptor<number>('reducing', sum)),
    aggregating: b.getPartitionedState(new AggregatingStateDescriptor('aggregating', average)),
  };
}

function fill(b: KeyedStateBackend, keys: number): void {
  const s = states(b);
  for (let k = 0; k < keys; k++) {
    b.setCurrentKey(`key-${k}`);
    s.value.update({ n: k });
    s.list.addAll([`a${k}`, `b${k}`]);
    s.map.put('x', k);
    s.map.put('y', k * 10);
    s.reducing.add(k);
    s.reducing.add(1);
    s.aggregating.add(k);
    s.aggregating.add(k + 2);
    s.list.setCurrentNamespace({ window: k });
    s.list.add(`in window ${k}`);
    s.list.setCurrentNamespace(Symbol.for('flink-ts.VoidNamespace'));
  }
}

function check(b: KeyedStateBackend, keys: Iterable<number>): void {
  const s = states(b);
  for (const k of keys) {
    b.setCurrentKey(`key-${k}`);
    assert.deepEqual(s.value.value(), { n: k });
    assert.deepEqual([...s.list.get()!], [`a${k}`, `b${k}`]);
    assert.deepEqual(new Map(s.map.entries()), new Map([['x', k], ['y', k * 10]]));
    assert.equal(s.reducing.get(), k + 1);
    assert.equal(s.aggregating.get(), k + 1);
    s.list.setCurrentNamespace({ window: k });
    assert.deepEqual([...s.list.get()!], [`in window ${k}`]);
    s.list.setCurrentNamespace(Symbol.for('flink-ts.VoidNamespace'));
  }
}

function heap(ttlTimeProvider?: TtlTimeProvider): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend({
    keyGroupRange: KeyGroupRange.of(0, MAX_PARALLELISM - 1),
    maxParallelism: MAX_PARALLELISM,
    where: "operator 'Test' (subtask 1/1)",
    ...(ttlTimeProvider === undefined ? {} : { ttlTimeProvider }),
  });
}

const ALL = Array.from({ length: 40 }, (_, i) => i);

describe('RocksDB full snapshots', { skip: skipRocksDB }, () => {
  it('materialize sees the state as of snapshot(), not later writes, and yields to the event loop meanwhile', async (t) => {
    const b = rocksBackend(t);
    const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v'));
    for (let k = 0; k < 10_000; k++) {
      b.setCurrentKey(k);
      v.update(k);
    }
    const runner = b.snapshot(7);
    for (let k = 0; k < 10_000; k += 2) {
      b.setCurrentKey(k);
      v.update(-1);
    }
    b.setCurrentKey(20_000);
    v.update(20_000);
    let done = false;
    const pending = runner.materialize().then((s) => {
      done = true;
      return s;
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(done, false, 'materialize gives the event loop a turn before it is done');
    const snapshot = await pending;
    assert.equal(runner.checkpointId, 7);
    assert.equal(snapshot.backendType, 'rocksdb');
    const restored = rocksBackend(t, { operatorIdentifier: 'restored' });
    await restored.restore([snapshot]);
    const rv = restored.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v'));
    for (const k of [0, 1, 2, 9_998, 9_999]) {
      restored.setCurrentKey(k);
      assert.equal(rv.value(), k);
    }
    restored.setCurrentKey(20_000);
    assert.equal(rv.value(), undefined);
    await assert.rejects(runner.materialize(), /already materialized/);
  });

  it('restores a heap snapshot into RocksDB and a RocksDB snapshot into the heap, every state kind and namespace', async (t) => {
    const h = heap();
    fill(h, ALL.length);
    const fromHeap = await h.snapshot(1).materialize();
    const r = rocksBackend(t);
    await r.restore([fromHeap]);
    check(r, ALL);
    const fromRocks = await r.snapshot(2).materialize();
    assert.deepEqual(fromRocks.states.map((s) => s.name).sort(), ['aggregating', 'list', 'map', 'reducing', 'value']);
    const h2 = heap();
    await h2.restore([fromRocks]);
    check(h2, ALL);
    await h.dispose();
    await h2.dispose();
  });

  it('restores into other key-group ranges: split into two subtasks, then merged back into one', async (t) => {
    const r = rocksBackend(t);
    fill(r, ALL.length);
    const full = await r.snapshot(1).materialize();
    const halves = [0, 1].map((i) => computeKeyGroupRangeForOperatorIndex(MAX_PARALLELISM, 2, i));
    const parts: KeyedStateBackend[] = [];
    for (const [i, range] of halves.entries()) {
      const part = rocksBackend(t, { operatorIdentifier: `part-${i}`, keyGroupRange: range, subtaskIndex: i });
      await part.restore([full]);
      parts.push(part);
    }
    const owned = parts.map((p) => new Set([...p.getKeys('value')].map(String)));
    assert.equal(owned[0]!.size + owned[1]!.size, ALL.length);
    for (const key of owned[0]!) assert.equal(owned[1]!.has(key), false);
    for (const [i, part] of parts.entries()) check(part, [...owned[i]!].map((k) => Number(k.slice(4))));
    const snapshots = await Promise.all(parts.map((p, i) => p.snapshot(10 + i).materialize()));
    const merged = rocksBackend(t, { operatorIdentifier: 'merged' });
    await merged.restore(snapshots);
    check(merged, ALL);
  });

  it('leaves expired values and list elements out of snapshots with full-snapshot cleanup', async (t) => {
    const clock = { time: 1_000, currentTimestamp(): number { return this.time; } };
    const ttl = StateTtlConfig.newBuilder(100).cleanupFullSnapshot().build();
    const b = rocksBackend(t, {}, { ttlTimeProvider: clock });
    const v = b.getPartitionedState<ValueState<string>>(new ValueStateDescriptor<string>('v').enableTimeToLive(ttl));
    const l = b.getPartitionedState<ListState<string>>(new ListStateDescriptor<string>('l').enableTimeToLive(ttl));
    b.setCurrentKey('old');
    v.update('old');
    l.add('old element');
    clock.time = 1_060;
    b.setCurrentKey('new');
    v.update('new');
    b.setCurrentKey('old');
    l.add('new element');
    clock.time = 1_120;
    const snapshot = await b.snapshot(1).materialize();
    const restored = heap(clock);
    await restored.restore([snapshot]);
    const rv = restored.getPartitionedState<ValueState<string>>(new ValueStateDescriptor<string>('v').enableTimeToLive(ttl));
    const rl = restored.getPartitionedState<ListState<string>>(new ListStateDescriptor<string>('l').enableTimeToLive(ttl));
    assert.deepEqual([...restored.getKeys('v')], ['new']);
    restored.setCurrentKey('old');
    assert.deepEqual([...rl.get()!], ['new element']);
    restored.setCurrentKey('new');
    assert.equal(rv.value(), 'new');
    await restored.dispose();
  });

  it('fails a pending materialize with a clear error when the backend is disposed', async (t) => {
    const b = rocksBackend(t);
    const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v'));
    for (let k = 0; k < 20_000; k++) {
      b.setCurrentKey(k);
      v.update(k);
    }
    const pending = b.snapshot(3).materialize();
    await new Promise<void>((resolve) => setImmediate(resolve));
    await b.dispose();
    await assert.rejects(pending, (e) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_ILLEGAL_STATE && /disposed/.test(e.message));
  });

  it('refuses snapshots of another max parallelism and corrupt blocks', async (t) => {
    const b = rocksBackend(t);
    const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor('v'));
    b.setCurrentKey('a');
    v.update(1);
    const good = await b.snapshot(1).materialize();
    const target = rocksBackend(t, { operatorIdentifier: 'target' });
    await assert.rejects(target.restore([{ ...good, maxParallelism: 256 }]), /max parallelism 256/);
    const [keyGroup, block] = [...good.keyGroups][0]!;
    const truncated = { ...good, keyGroups: new Map([[keyGroup, block.subarray(0, block.length - 3)]]) };
    await assert.rejects(target.restore([truncated]), /Corrupt/);
    const misfiled = { ...good, keyGroups: new Map([[(keyGroup + 1) % MAX_PARALLELISM, block]]) };
    await assert.rejects(target.restore([misfiled]), /filed under key group/);
  });
});
