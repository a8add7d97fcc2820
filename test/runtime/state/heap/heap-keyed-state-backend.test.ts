/*
 * Tests of HeapKeyedStateBackend: the backend-independent suite, then what is particular to the
 * heap — values kept as the objects given (no copies while no snapshot is pending), pending
 * snapshots released once written, reducing/aggregating add(null) clearing as in Flink, and the
 * Map keys under which keys, namespaces and map keys are stored.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import type { ListState, MapState, ReducingState, ValueState } from '../../../../src/api/state/state.ts';
import { HeapKeyedStateBackend } from '../../../../src/runtime/state/heap/heap-keyed-state-backend.ts';
import type { HeapSnapshotRunner } from '../../../../src/runtime/state/heap/heap-snapshot-strategy.ts';
import type { StateTable } from '../../../../src/runtime/state/heap/state-table.ts';
import { KeyGroupRange } from '../../../../src/runtime/state/key-group-range.ts';
import { HashMapStateBackend } from '../../../../src/runtime/state/hash-map-state-backend.ts';
import { describeKeyedStateBackendSuite } from '../keyed-state-backend-suite.ts';

describeKeyedStateBackendSuite('HeapKeyedStateBackend', async (parameters) => new HashMapStateBackend({ ttlTimeProvider: parameters.ttlTimeProvider }).createKeyedStateBackend(parameters));

function backend(): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend({ keyGroupRange: KeyGroupRange.of(0, 127), maxParallelism: 128, where: "operator 'test' (subtask 1/1)" });
}

function tableOf(b: HeapKeyedStateBackend, name: string): StateTable<unknown> {
  return (b as unknown as { registered: Map<string, { table: StateTable<unknown> }> }).registered.get(name)!.table;
}

describe('HeapKeyedStateBackend on the heap', () => {
  it('is the backend of HashMapStateBackend, of type hashmap', () => {
    const b = new HashMapStateBackend().createKeyedStateBackend({ jobId: 'j', operatorIdentifier: 'o', keyGroupRange: KeyGroupRange.of(0, 127), maxParallelism: 128, subtaskIndex: 0, where: 'w' });
    assert.ok(b instanceof HeapKeyedStateBackend);
    assert.equal(b.type, 'hashmap');
    assert.equal(new HashMapStateBackend().type, 'hashmap');
  });

  it('keeps the objects it is given: value() returns the stored object while no snapshot is pending', () => {
    const b = backend();
    const v = b.getPartitionedState<ValueState<{ n: number }>>(new ValueStateDescriptor<{ n: number }>('v'));
    const l = b.getPartitionedState<ListState<{ n: number }>>(new ListStateDescriptor<{ n: number }>('l'));
    b.setCurrentKey('k');
    const o = { n: 1 };
    v.update(o);
    l.add(o);
    assert.equal(v.value(), o);
    assert.equal([...l.get()!][0], o);
  });

  it('copies a shared object once while a snapshot is pending, and stops protecting it after materialize()', async () => {
    const b = backend();
    const v = b.getPartitionedState<ValueState<{ n: number }>>(new ValueStateDescriptor<{ n: number }>('v'));
    b.setCurrentKey('k');
    const o = { n: 1 };
    v.update(o);
    const runner = b.snapshot(1) as HeapSnapshotRunner;
    const table = tableOf(b, 'v');
    assert.equal(table.numPendingSnapshots, 1);
    const copy = v.value()!;
    assert.notEqual(copy, o);
    assert.deepEqual(copy, o);
    assert.equal(v.value(), copy, 'copied once, then the copy is the live value');
    await runner.materialize();
    assert.equal(table.numPendingSnapshots, 0);
    const r = backend();
    await r.restore([await runner.materialize()]);
    r.setCurrentKey('k');
    assert.deepEqual(r.getPartitionedState<ValueState<{ n: number }>>(new ValueStateDescriptor<{ n: number }>('v')).value(), { n: 1 });
  });

  it('a runner that is released stops protecting its snapshot', () => {
    const b = backend();
    b.getPartitionedState(new ValueStateDescriptor<number>('v'));
    const runner = b.snapshot(1) as HeapSnapshotRunner;
    runner.release();
    assert.equal(tableOf(b, 'v').numPendingSnapshots, 0);
  });

  it('add(null) clears reducing state, as in Flink', () => {
    const b = backend();
    const r = b.getPartitionedState<ReducingState<number>>(new ReducingStateDescriptor<number>('r', (x, y) => x + y));
    b.setCurrentKey('k');
    r.add(1);
    r.add(null as never);
    assert.equal(r.get(), undefined);
  });

  it('stores primitive keys, namespaces and map keys as themselves, others under their canonical form', () => {
    const b = backend();
    const m = b.getPartitionedState<MapState<unknown, number>>(new MapStateDescriptor<unknown, number>('m'));
    b.setCurrentKey('plain');
    m.put('x', 1);
    m.put(['t', 1], 2);
    const table = tableOf(b, 'm');
    const kg = b.currentKeyGroupIndex;
    const stored = table.voidGroups[kg]!.get('plain') as Map<unknown, number>;
    assert.equal(stored.get('x'), 1);
    assert.equal([...stored.keys()].filter((k) => k !== 'x').length, 1);
    b.setCurrentKey(['tuple', new Date(3)]);
    m.put('y', 3);
    assert.deepEqual([...b.getKeys('m')].length, 2);
    assert.ok([...b.getKeys('m')].some((k) => Array.isArray(k) && k[0] === 'tuple' && k[1] instanceof Date && k[1].getTime() === 3));
  });

  it('disposes its tables', async () => {
    const b = backend();
    const v = b.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('v'));
    b.setCurrentKey('k');
    v.update(1);
    await b.dispose();
    assert.equal(b.getStatistics().numEntries, 0);
    assert.throws(() => b.getPartitionedState(new ValueStateDescriptor<number>('w')), /disposed/);
  });
});
