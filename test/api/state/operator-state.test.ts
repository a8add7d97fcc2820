/*
 * Operator state through CheckpointedFunction: initializeState() runs before open() in every
 * subtask, with the runtime context already set, isRestored() false on a fresh start and working
 * list, union list and broadcast state; a keyed operator also gets a keyed state store; failures
 * in initializeState() name the operator. Snapshot, redistribution and restore run through an
 * operator harness, as the checkpoint coordinator will drive them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ErrorCodes,
  KeyedProcessFunction,
  ListStateDescriptor,
  MapStateDescriptor,
  RichMapFunction,
  RichSinkFunction,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  isCheckpointedFunction,
  type BroadcastState,
  type CheckpointedFunction,
  type FunctionInitializationContext,
  type FunctionSnapshotContext,
  type KeyedProcessFunctionContext,
  type ListState,
  type ValueState,
} from 'flink-ts';
import { StreamMap } from '../../../src/runtime/operators/stream-map.ts';
import { assertFlinkError, rejection } from '../../helpers.ts';
import { OneInputOperatorTestHarness } from '../../runtime/operators/harness.ts';
import { restoreRescaled, snapshotOperatorState } from '../../runtime/operators/operator-state-harness.ts';

const env = (parallelism: number): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });

describe('CheckpointedFunction in a running job', () => {
  it('initializeState() runs before open() in each subtask and gives working list state', { timeout: 30_000 }, async () => {
    const calls: string[] = [];
    const buffered = new Map<number, number[]>();
    // Flink's BufferingSink: the elements are kept in operator list state.
    class BufferingSink extends RichSinkFunction<number> implements CheckpointedFunction {
      private state!: ListState<number>;
      initializeState(ctx: FunctionInitializationContext): void {
        const subtask = this.getRuntimeContext().getIndexOfThisSubtask();
        calls.push(`init ${subtask} restored=${ctx.isRestored()} keyed=${ctx.getKeyedStateStore() !== undefined}`);
        this.state = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<number>('buffered-elements'));
      }
      snapshotState(_ctx: FunctionSnapshotContext): void {}
      override open(): void {
        calls.push(`open ${this.getRuntimeContext().getIndexOfThisSubtask()}`);
      }
      invoke(value: number): void {
        this.state.add(value);
      }
      override finish(): void {
        buffered.set(this.getRuntimeContext().getIndexOfThisSubtask(), [...(this.state.get() ?? [])]);
      }
    }
    const e = env(2);
    e.fromSequence(1, 10).rebalance().addSink(new BufferingSink());
    await e.execute();
    for (const subtask of [0, 1]) {
      const mine = calls.filter((c) => c.endsWith(` ${subtask}`) || c.includes(`init ${subtask} `));
      assert.deepEqual(mine, [`init ${subtask} restored=false keyed=false`, `open ${subtask}`]);
    }
    assert.deepEqual([...buffered.values()].flat().sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.ok([...buffered.values()].every((b) => b.length > 0), 'both subtasks buffered elements');
  });

  it('union list state and broadcast state are available from the operator state store', { timeout: 30_000 }, async () => {
    const seen: string[] = [];
    class Stateful extends RichMapFunction<string, string> {
      private union!: ListState<string>;
      private settings!: BroadcastState<string, string>;
      initializeState(ctx: FunctionInitializationContext): void {
        const store = ctx.getOperatorStateStore();
        this.union = store.getUnionListState(new ListStateDescriptor<string>('all'));
        this.settings = store.getBroadcastState(new MapStateDescriptor<string, string>('settings'));
        this.settings.put('prefix', '>');
        seen.push([...store.getRegisteredStateNames(), ...store.getRegisteredBroadcastStateNames()].join(','));
      }
      snapshotState(): void {}
      map(value: string): string {
        this.union.add(value);
        return `${this.settings.get('prefix')}${value}:${[...(this.union.get() ?? [])].length}`;
      }
    }
    const out = await env(1).fromElements('a', 'b').map(new Stateful()).executeAndCollect();
    assert.deepEqual(out, ['>a:1', '>b:2']);
    assert.deepEqual(seen, ['all,settings']);
  });

  it('a keyed operator gets a keyed state store, scoped to the current key', { timeout: 30_000 }, async () => {
    const stores: boolean[] = [];
    class CountPerKey extends KeyedProcessFunction<string, string, string> implements CheckpointedFunction {
      private count!: ValueState<number>;
      initializeState(ctx: FunctionInitializationContext): void {
        const store = ctx.getKeyedStateStore();
        stores.push(store !== undefined);
        this.count = store!.getState(new ValueStateDescriptor<number>('count', 0));
      }
      snapshotState(): void {}
      processElement(value: string, _ctx: KeyedProcessFunctionContext<string>, out: { collect(v: string): void }): void {
        const n = (this.count.value() ?? 0) + 1;
        this.count.update(n);
        out.collect(`${value}${n}`);
      }
    }
    const out = await env(2)
      .fromElements('a', 'b', 'a', 'c', 'a', 'b')
      .keyBy((s) => s)
      .process(new CountPerKey())
      .executeAndCollect();
    assert.deepEqual(out.sort(), ['a1', 'a2', 'a3', 'b1', 'b2', 'c1']);
    assert.deepEqual(stores, [true, true]);
  });

  it('a failing initializeState() fails the job naming the operator, with the original cause', { timeout: 30_000 }, async () => {
    const boom = new Error('no state for you');
    class Failing extends RichMapFunction<number, number> {
      initializeState(): void {
        throw boom;
      }
      snapshotState(): void {}
      map(n: number): number {
        return n;
      }
    }
    const e = env(1);
    e.fromElements(1).map(new Failing()).name('Stateful Map').addSink(() => {});
    const error = assertFlinkError(await rejection(e.execute()), ErrorCodes.FLINK_TS_USER_FUNCTION, /'Stateful Map' \(subtask 1\/1\)/, /initializing its state: no state for you/);
    assert.equal(error.cause, boom);
  });

  it('isCheckpointedFunction recognizes objects with both methods', () => {
    assert.ok(isCheckpointedFunction({ initializeState() {}, snapshotState() {} }));
    assert.ok(!isCheckpointedFunction({ initializeState() {} }));
    assert.ok(!isCheckpointedFunction(() => {}));
  });
});

describe('CheckpointedFunction: snapshot, redistribution and restore (operator harness)', () => {
  /** Counts records per subtask; the count lives in a field and moves to list state on snapshot. */
  const restoredFlags: boolean[] = [];
  const snapshotsTaken: [number, number][] = [];
  class CountingMap extends RichMapFunction<string, string> implements CheckpointedFunction {
    private offsets!: ListState<string>;
    private union!: ListState<string>;
    private count = 0;
    initializeState(ctx: FunctionInitializationContext): void {
      restoredFlags.push(ctx.isRestored());
      this.offsets = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<string>('offsets'));
      this.union = ctx.getOperatorStateStore().getUnionListState(new ListStateDescriptor<string>('owners'));
    }
    snapshotState(ctx: FunctionSnapshotContext): void {
      snapshotsTaken.push([ctx.getCheckpointId(), ctx.getCheckpointTimestamp()]);
      const subtask = this.getRuntimeContext().getIndexOfThisSubtask();
      this.union.update([`owner-${subtask}`]);
      this.offsets.addAll(Array.from({ length: this.count }, (_, i) => `${subtask}.${i}`));
      this.count = 0;
    }
    map(value: string): string {
      this.count++;
      return value;
    }
    state(): { offsets: string[]; owners: string[] } {
      return { offsets: [...(this.offsets.get() ?? [])], owners: [...(this.union.get() ?? [])] };
    }
  }

  const create = (subtask: number, parallelism: number): OneInputOperatorTestHarness<string, string> =>
    new OneInputOperatorTestHarness(new StreamMap(new CountingMap()), { operatorName: 'count', subtaskIndex: subtask, parallelism });
  const fnOf = (h: OneInputOperatorTestHarness<string, string>): CountingMap => (h.operator as unknown as { userFunction: CountingMap }).userFunction;

  it('3 subtasks with 3, 1 and 2 elements restore into 2 subtasks as [3] and [1, 2], the union everywhere', async () => {
    restoredFlags.length = 0;
    snapshotsTaken.length = 0;
    const old = [create(0, 3), create(1, 3), create(2, 3)];
    for (const h of old) await h.open();
    [3, 1, 2].forEach((n, i) => {
      for (let k = 0; k < n; k++) old[i]!.processElement('x');
    });
    const snapshots = await Promise.all(old.map((h) => snapshotOperatorState(h, 5, 1234)));
    assert.deepEqual(snapshotsTaken, [
      [5, 1234],
      [5, 1234],
      [5, 1234],
    ]);

    const restored = await restoreRescaled(snapshots, 2, create);
    assert.deepEqual(restoredFlags, [false, false, false, true, true]);
    assert.deepEqual(
      restored.map((h) => fnOf(h).state()),
      [
        { offsets: ['0.0', '0.1', '0.2'], owners: ['owner-0', 'owner-1', 'owner-2'] },
        { offsets: ['1.0', '2.0', '2.1'], owners: ['owner-0', 'owner-1', 'owner-2'] },
      ],
    );
  });
});
