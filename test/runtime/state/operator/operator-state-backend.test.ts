/*
 * The operator state backend: list, union list and broadcast states, snapshots whose synchronous
 * copy is isolated from later changes, restore after redistribution over another parallelism,
 * serializer checks on restore, and clear errors for misuse.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, type BroadcastState } from 'flink-ts';
import type { ListState } from '../../../../src/api/state/state.ts';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import { Compatibility, type CompatibilityResult, type SerializerSnapshot, type TypeSerializer } from '../../../../src/runtime/serialization/type-serializer.ts';
import { OperatorStateBackend } from '../../../../src/runtime/state/operator/operator-state-backend.ts';
import { OPERATOR_STATE_SNAPSHOT_VERSION, OperatorStateModes, type OperatorStateSnapshot } from '../../../../src/runtime/state/operator/operator-state-snapshot.ts';
import { assertFlinkError, thrown } from '../../../helpers.ts';

/** A string serializer with its own id, to see which serializer wrote and reads a snapshot. */
class Utf8Serializer implements TypeSerializer<string> {
  readonly id = 'test-utf8';
  readonly version: number;
  constructor(version = 1) {
    this.version = version;
  }
  serialize(value: string): Uint8Array {
    return new TextEncoder().encode(value);
  }
  deserialize(bytes: Uint8Array): string {
    return new TextDecoder().decode(bytes);
  }
  copy(value: string): string {
    return value;
  }
  snapshotConfiguration(): SerializerSnapshot {
    return { id: this.id, version: this.version };
  }
  resolveSchemaCompatibility(previous: SerializerSnapshot): CompatibilityResult {
    if (previous.id !== this.id) return { compatibility: Compatibility.INCOMPATIBLE, reason: `written as '${previous.id}'` };
    if (previous.version < this.version) return { compatibility: Compatibility.COMPATIBLE_AFTER_MIGRATION };
    return { compatibility: Compatibility.COMPATIBLE_AS_IS };
  }
  migrate(bytes: Uint8Array, previous: SerializerSnapshot): string {
    return `v${previous.version}:${this.deserialize(bytes)}`;
  }
}

const backend = (subtask = 0, parallelism = 1): OperatorStateBackend => new OperatorStateBackend('test', { index: subtask, parallelism });
const list = <T>(state: ListState<T>): T[] => [...(state.get() ?? [])];

describe('OperatorStateBackend: list state', () => {
  it('adds, updates and clears elements; an empty list is an empty iterable', () => {
    const b = backend();
    const state = b.getListState(new ListStateDescriptor<number>('numbers'));
    assert.deepEqual(list(state), []);
    state.add(1);
    state.addAll([2, 3]);
    assert.deepEqual(list(state), [1, 2, 3]);
    state.update([7]);
    assert.deepEqual(list(state), [7]);
    state.clear();
    assert.deepEqual(list(state), []);
  });

  it('hands out the same state for the same name', () => {
    const b = backend();
    const a = b.getListState(new ListStateDescriptor<number>('n'));
    a.add(1);
    assert.equal(b.getListState(new ListStateDescriptor<number>('n')), a);
    assert.deepEqual([...b.getRegisteredStateNames()], ['n']);
  });

  it('rejects null and undefined elements without changing the list', () => {
    const b = backend();
    const state = b.getListState(new ListStateDescriptor<number | null>('n'));
    state.add(1);
    assertFlinkError(
      thrown(() => state.add(null)),
      ErrorCodes.FLINK_TS_ILLEGAL_STATE,
      /cannot add null to a ListState/,
      /'n' of operator 'test'/,
    );
    thrown(() => state.addAll([2, null]));
    thrown(() => state.update([undefined as unknown as number]));
    assert.deepEqual(list(state), [1]);
  });

  it('a name is either a list, a union list or a broadcast state', () => {
    const b = backend();
    b.getListState(new ListStateDescriptor('s'));
    assertFlinkError(thrown(() => b.getUnionListState(new ListStateDescriptor('s'))), ErrorCodes.FLINK_TS_ILLEGAL_STATE, /'s' is a list state and cannot be accessed as a union list state/);
    assertFlinkError(thrown(() => b.getBroadcastState(new MapStateDescriptor('s'))), ErrorCodes.FLINK_TS_ILLEGAL_STATE, /registered as a list state/);
    b.getBroadcastState(new MapStateDescriptor('m'));
    assertFlinkError(thrown(() => b.getListState(new ListStateDescriptor('m'))), ErrorCodes.FLINK_TS_ILLEGAL_STATE, /'m' is registered as a broadcast state/);
  });

  it('asks for the right descriptor type', () => {
    const b = backend();
    const wrong = new ValueStateDescriptor<number>('v') as unknown as ListStateDescriptor<number>;
    assertFlinkError(thrown(() => b.getListState(wrong)), ErrorCodes.FLINK_TS_ILLEGAL_STATE, /getListState\(\) needs a ListStateDescriptor, got ValueStateDescriptor 'v'/);
  });
});

describe('OperatorStateBackend: broadcast state', () => {
  it('is a map with keys compared by value', () => {
    const b = backend();
    const state: BroadcastState<[string, number], string> = b.getBroadcastState(new MapStateDescriptor<[string, number], string>('rules'));
    assert.ok(state.isEmpty());
    state.put(['a', 1], 'x');
    state.putAll(
      new Map<[string, number], string>([
        [['b', 2], 'y'],
        [['c', 3], 'z'],
      ]),
    );
    assert.equal(state.get(['a', 1]), 'x');
    assert.ok(state.contains(['b', 2]));
    state.remove(['b', 2]);
    assert.equal(state.get(['b', 2]), undefined);
    assert.deepEqual([...state.keys()], [['a', 1], ['c', 3]]);
    assert.deepEqual([...state.values()], ['x', 'z']);
    assert.deepEqual([...state.entries()], [[['a', 1], 'x'], [['c', 3], 'z']]);
    const frozen = [...state.immutableEntries()];
    assert.ok(Object.isFrozen(frozen[0]));
    state.clear();
    assert.ok(state.isEmpty());
  });

  it('rejects keys that cannot be compared by value, naming the state', () => {
    const state = backend().getBroadcastState(new MapStateDescriptor<object, number>('rules'));
    assertFlinkError(
      thrown(() => state.put({ id: 1 }, 1)),
      ErrorCodes.FLINK_TS_INVALID_KEY,
      /Broadcast state 'rules' of operator 'test' \(subtask 1\/1\) cannot use/,
    );
  });
});

describe('OperatorStateBackend: snapshots', () => {
  it('the synchronous part is isolated from changes made afterwards', async () => {
    const b = backend();
    const numbers = b.getListState(new ListStateDescriptor<{ n: number }>('numbers'));
    numbers.add({ n: 1 });
    const rules = b.getBroadcastState(new MapStateDescriptor<string, { limit: number }>('rules'));
    rules.put('r1', { limit: 10 });
    const runner = b.snapshot(7);
    numbers.add({ n: 2 });
    [...numbers.get()!][0]!.n = 100;
    rules.get('r1')!.limit = 99;
    rules.put('r2', { limit: 20 });
    assert.equal(runner.checkpointId, 7);

    const restored = backend();
    restored.restore([await runner.materialize()]);
    assert.ok(restored.isRestored());
    assert.deepEqual(list(restored.getListState(new ListStateDescriptor<{ n: number }>('numbers'))), [{ n: 1 }]);
    assert.deepEqual([...restored.getBroadcastState(new MapStateDescriptor<string, { limit: number }>('rules')).entries()], [['r1', { limit: 10 }]]);
  });

  it('records name, mode and serializers of every state, elements serialized one by one', async () => {
    const b = backend();
    b.getListState(new ListStateDescriptor('list', new Utf8Serializer())).addAll(['a', 'bc']);
    b.getUnionListState(new ListStateDescriptor<number>('union')).add(1);
    b.getBroadcastState(new MapStateDescriptor('bc', new Utf8Serializer(), new Utf8Serializer())).put('k', 'v');
    const snapshot = await b.snapshot(1).materialize();
    assert.equal(snapshot.version, OPERATOR_STATE_SNAPSHOT_VERSION);
    assert.deepEqual(
      snapshot.states.map((s) => [s.name, s.mode, s.serializer.id, s.keySerializer?.id, s.elements.length]),
      [
        ['list', OperatorStateModes.SPLIT_DISTRIBUTE, 'test-utf8', undefined, 2],
        ['union', OperatorStateModes.UNION, 'msgpack', undefined, 1],
        ['bc', OperatorStateModes.BROADCAST, 'test-utf8', 'test-utf8', 1],
      ],
    );
    assert.deepEqual(snapshot.states[0]!.elements.map((e) => new TextDecoder().decode(e)), ['a', 'bc']);
  });

  it('an operator without state snapshots to an empty snapshot', async () => {
    assert.deepEqual((await backend().snapshot(1).materialize()).states, []);
  });

  it('materializes large states in slices, letting the event loop run', async () => {
    const b = backend();
    const state = b.getListState(new ListStateDescriptor<number>('big'));
    for (let i = 0; i < 20_000; i++) state.add(i);
    const runner = b.snapshot(1);
    let ticked = false;
    setImmediate(() => (ticked = true));
    const snapshot = await runner.materialize();
    assert.ok(ticked, 'an immediate scheduled before materializing ran before it finished');
    assert.equal(snapshot.states[0]!.elements.length, 20_000);
  });
});

describe('OperatorStateBackend: restore', () => {
  /** Three subtasks' backends with list, union and broadcast state, snapshotted. */
  async function threeSubtasks(): Promise<OperatorStateSnapshot[]> {
    const lists = [['a', 'b', 'c'], ['d'], ['e', 'f']];
    return Promise.all(
      lists.map(async (elements, i) => {
        const b = backend(i, 3);
        b.getListState(new ListStateDescriptor<string>('offsets')).addAll(elements);
        b.getUnionListState(new ListStateDescriptor<string>('seen')).add(`seen-${i}`);
        b.getBroadcastState(new MapStateDescriptor<string, number>('rules')).put('limit', 10 + i);
        return b.snapshot(3).materialize();
      }),
    );
  }

  it('redistributes 3 subtasks to 2: lists split evenly, unions whole, one broadcast copy each', async () => {
    const parts = OperatorStateBackend.redistribute(await threeSubtasks(), 2);
    const restored = parts.map((p) => {
      const b = backend();
      b.restore(p);
      return b;
    });
    assert.deepEqual(
      restored.map((b) => list(b.getListState(new ListStateDescriptor<string>('offsets')))),
      [
        ['a', 'b', 'c'],
        ['d', 'e', 'f'],
      ],
    );
    for (const b of restored) assert.deepEqual(list(b.getUnionListState(new ListStateDescriptor<string>('seen'))), ['seen-0', 'seen-1', 'seen-2']);
    assert.deepEqual(
      restored.map((b) => b.getBroadcastState(new MapStateDescriptor<string, number>('rules')).get('limit')),
      [10, 11],
    );
  });

  it('is restored even when no state came back for this subtask', () => {
    const b = backend();
    b.restore([]);
    assert.ok(b.isRestored());
    assert.ok(!backend().isRestored());
  });

  it('carries restored state that was not registered again into the next snapshot', async () => {
    const [first] = OperatorStateBackend.redistribute(await threeSubtasks(), 1);
    const b = backend();
    b.restore(first!);
    assert.deepEqual([...b.getRegisteredStateNames()].sort(), ['offsets', 'seen']);
    assert.deepEqual([...b.getRegisteredBroadcastStateNames()], ['rules']);
    b.getListState(new ListStateDescriptor<string>('offsets')).add('g');
    const again = backend();
    again.restore([await b.snapshot(4).materialize()]);
    assert.deepEqual(list(again.getListState(new ListStateDescriptor<string>('offsets'))), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    assert.deepEqual(list(again.getUnionListState(new ListStateDescriptor<string>('seen'))), ['seen-0', 'seen-1', 'seen-2']);
    assert.equal(again.getBroadcastState(new MapStateDescriptor<string, number>('rules')).get('limit'), 10);
  });

  it('a restored state keeps its mode', async () => {
    const b = backend();
    b.restore([(await threeSubtasks())[0]!]);
    assertFlinkError(thrown(() => b.getListState(new ListStateDescriptor('seen'))), ErrorCodes.FLINK_TS_ILLEGAL_STATE, /'seen' is a union list state and cannot be accessed as a list state/);
  });

  it('reads with the new serializer, migrating when it says so, and fails clearly when it cannot', async () => {
    const old = backend();
    old.getListState(new ListStateDescriptor('words', new Utf8Serializer(1))).add('hi');
    const snapshot = await old.snapshot(1).materialize();

    const migrated = backend();
    migrated.restore([snapshot]);
    assert.deepEqual(list(migrated.getListState(new ListStateDescriptor('words', new Utf8Serializer(2)))), ['v1:hi']);

    const incompatible = backend();
    incompatible.restore([snapshot]);
    assertFlinkError(
      thrown(() => incompatible.getListState(new ListStateDescriptor<string>('words'))),
      ErrorCodes.FLINK_TS_ILLEGAL_STATE,
      /State 'words' of operator 'test' cannot be restored: .*'test-utf8' version 1/,
    );
  });

  it('rejects snapshots of another format version and restores after registration', async () => {
    const b = backend();
    assertFlinkError(
      thrown(() => b.restore([{ version: 99, states: [] }])),
      ErrorCodes.FLINK_TS_ILLEGAL_STATE,
      /Cannot restore the operator state of operator 'test' \(subtask 1\/1\): the snapshot has format version 99/,
    );
    const bad = { version: OPERATOR_STATE_SNAPSHOT_VERSION, states: [{ name: 'x', mode: 'SIDEWAYS', serializer: { id: 'msgpack', version: 1 }, elements: [] }] };
    assertFlinkError(thrown(() => b.restore([bad as unknown as OperatorStateSnapshot])), ErrorCodes.FLINK_TS_ILLEGAL_STATE, /unknown distribution mode 'SIDEWAYS'/);
    b.getListState(new ListStateDescriptor('late'));
    assertFlinkError(thrown(() => b.restore([])), ErrorCodes.FLINK_TS_ILLEGAL_STATE, /only be restored before any state is registered/);
  });

  it('cannot be used after dispose', () => {
    const b = backend();
    b.dispose();
    assertFlinkError(thrown(() => b.getListState(new ListStateDescriptor('x'))), ErrorCodes.FLINK_TS_ILLEGAL_STATE, /disposed/);
  });
});
