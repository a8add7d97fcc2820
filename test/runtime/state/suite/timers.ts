/*
 * Suite part: timers as backend state — timer queues are sets of (key, namespace, timestamp)
 * handed out in timestamp order with their key set as the current key, and they travel with the
 * snapshot: round trips with window namespaces, isolation from changes after the synchronous
 * part, restores into other key-group ranges, queues restored but not created again, and the
 * names reserved for them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValueStateDescriptor } from '../../../../src/api/state/state-descriptor.ts';
import type { ValueState } from '../../../../src/api/state/state.ts';
import { TimeWindow, TimeWindowSerializer } from '../../../../src/api/windowing/windows/time-window.ts';
import { NamespaceSerializer } from '../../../../src/runtime/serialization/namespace-serializer.ts';
import { Compatibility, type TypeSerializer } from '../../../../src/runtime/serialization/type-serializer.ts';
import { computeKeyGroupRangeForOperatorIndex, assignKeyToParallelOperator } from '../../../../src/runtime/state/key-group-range-assignment.ts';
import { VOID_NAMESPACE, type KeyedStateBackend } from '../../../../src/runtime/state/keyed-state-backend.ts';
import { TIMER_STATE_TYPE, timerQueueName, type InternalTimer, type InternalTimerQueue } from '../../../../src/runtime/state/timers/timer-queue.ts';
import { MAX_PARALLELISM, ILLEGAL_STATE, sorted, throwsFlinkError, type SuiteContext } from './suite-helpers.ts';

const WINDOWS = new NamespaceSerializer(TimeWindowSerializer.INSTANCE as TypeSerializer<unknown>);
const EVENT = timerQueueName('window-timers', 'event');
const PROCESSING = timerQueueName('user-timers', 'processing');

/** Fires everything up to `time`, recording "key@timestamp[namespace]" and checking the current key. */
function fire(b: KeyedStateBackend, queue: InternalTimerQueue, time: number): string[] {
  const fired: string[] = [];
  queue.fireUntil(time, (timer: InternalTimer) => {
    b.setCurrentKey(timer.key);
    assert.deepEqual(b.getCurrentKey(), timer.key);
    const ns = timer.namespace === VOID_NAMESPACE ? 'void' : timer.namespace instanceof TimeWindow ? `w${timer.namespace.start}-${timer.namespace.end}` : String(timer.namespace);
    fired.push(`${String(timer.key)}@${timer.timestamp}[${ns}]`);
  });
  return fired;
}

function addTimers(b: KeyedStateBackend, keys: readonly unknown[]): void {
  const event = b.getTimerQueue(EVENT, WINDOWS);
  const processing = b.getTimerQueue(PROCESSING, NamespaceSerializer.DEFAULT);
  keys.forEach((key, i) => {
    b.setCurrentKey(key);
    event.add(new TimeWindow(0, 1000 + i), 999 + i);
    event.add(new TimeWindow(2000, 3000), 2999);
    processing.add(VOID_NAMESPACE, 50 + i);
  });
}

export function describeTimerTests(ctx: SuiteContext): void {
  describe('timers', () => {
    it('keeps a set of timers per key and namespace and fires them in timestamp order with their key current', async (t) => {
      const b = await ctx.backend(t);
      const queue = b.getTimerQueue(EVENT, WINDOWS);
      assert.equal(b.getTimerQueue(EVENT, WINDOWS), queue, 'the same queue on later calls');
      b.setCurrentKey('a');
      assert.equal(queue.add(new TimeWindow(0, 10), 9), true);
      assert.equal(queue.add(new TimeWindow(0, 10), 9), false, 'an equal window is the same timer');
      assert.equal(queue.add(new TimeWindow(0, 20), 9), true, 'another namespace is another timer');
      queue.add(new TimeWindow(0, 5), 4);
      b.setCurrentKey('b');
      queue.add(new TimeWindow(0, 10), 9);
      queue.add(new TimeWindow(0, 7), 7);
      queue.delete(new TimeWindow(0, 7), 7);
      queue.delete(new TimeWindow(0, 99), 99); // not there: no effect
      assert.equal(queue.size, 4);
      assert.equal(queue.peekTimestamp(), 4);
      assert.deepEqual(fire(b, queue, 8), ['a@4[w0-5]']);
      assert.deepEqual(fire(b, queue, 100), ['a@9[w0-10]', 'a@9[w0-20]', 'b@9[w0-10]']);
      assert.equal(queue.size, 0);
      assert.equal(queue.peekTimestamp(), undefined);
    });

    it('keeps timers of every kind of key apart: one or several namespaces per key and timestamp, added and deleted in any order', async (t) => {
      const b = await ctx.backend(t);
      const queue = b.getTimerQueue(PROCESSING, NamespaceSerializer.DEFAULT);
      const keys: unknown[] = ['s', '\u0000s', 7, -0, 5n, ['t', 1], true];
      for (const key of keys) {
        b.setCurrentKey(key);
        assert.equal(queue.add(VOID_NAMESPACE, 10), true);
        assert.equal(queue.add(VOID_NAMESPACE, 10), false);
        assert.equal(queue.add('x', 10), true, 'a second namespace of the same key and timestamp');
        queue.delete(VOID_NAMESPACE, 10);
        assert.equal(queue.add('y', 10), true);
        queue.delete('nothing', 10);
      }
      b.setCurrentKey(7);
      queue.delete('x', 10);
      queue.delete('y', 10);
      assert.equal(queue.add('z', 10), true, 'a key whose timers were all deleted starts again');
      assert.equal(queue.size, keys.length * 2 - 1);
      const fired: string[] = [];
      queue.fireUntil(10, (timer) => {
        b.setCurrentKey(timer.key);
        fired.push(`${typeof timer.key}:${String(timer.key)}/${String(timer.namespace)}`);
      });
      assert.deepEqual(fired.sort(), [
        'bigint:5/x', 'bigint:5/y', 'boolean:true/x', 'boolean:true/y', 'number:0/x', 'number:0/y', 'number:7/z',
        'object:t,1/x', 'object:t,1/y', 'string:\u0000s/x', 'string:\u0000s/y', 'string:s/x', 'string:s/y',
      ]);
      assert.equal(queue.size, 0);
    });

    it('lets a firing timer register timers, due ones included, which fire in turn', async (t) => {
      const b = await ctx.backend(t);
      const queue = b.getTimerQueue(PROCESSING, NamespaceSerializer.DEFAULT);
      b.setCurrentKey('k');
      queue.add(VOID_NAMESPACE, 10);
      const fired: number[] = [];
      queue.fireUntil(20, (timer) => {
        b.setCurrentKey(timer.key);
        fired.push(timer.timestamp);
        if (timer.timestamp === 10) {
          queue.add(VOID_NAMESPACE, 15);
          queue.add(VOID_NAMESPACE, 30);
        }
      });
      assert.deepEqual(fired, [10, 15]);
      assert.equal(queue.size, 1);
    });

    it('snapshots and restores timers with their namespaces, into queues created before or after the restore', async (t) => {
      const keys = ['a', 7, ['t', 1]];
      const first = await ctx.backend(t);
      addTimers(first, keys);
      first.setCurrentKey('a');
      first.getTimerQueue(EVENT, WINDOWS).delete(new TimeWindow(2000, 3000), 2999);
      const snapshot = await first.snapshot(1).materialize();
      assert.ok(snapshot.states.some((s) => s.name === EVENT && s.type === TIMER_STATE_TYPE));

      const after = await ctx.restored(t, [snapshot]);
      const before = await ctx.backend(t);
      before.getTimerQueue(EVENT, WINDOWS);
      before.getTimerQueue(PROCESSING, NamespaceSerializer.DEFAULT);
      await before.restore([snapshot]);
      for (const b of [after, before]) {
        const event = b.getTimerQueue(EVENT, WINDOWS);
        const processing = b.getTimerQueue(PROCESSING, NamespaceSerializer.DEFAULT);
        assert.equal(event.size, 5);
        assert.equal(processing.size, 3);
        assert.deepEqual(sorted(fire(b, processing, 100)), ['7@51[void]', 'a@50[void]', 't,1@52[void]']);
        assert.deepEqual(fire(b, event, 999), ['a@999[w0-1000]']);
        assert.deepEqual(sorted(fire(b, event, 5000)), ['7@1000[w0-1001]', '7@2999[w2000-3000]', 't,1@1001[w0-1002]', 't,1@2999[w2000-3000]']);
      }
    });

    it('isolates a snapshot from timers added, deleted or fired after its synchronous part', async (t) => {
      const b = await ctx.backend(t);
      const queue = b.getTimerQueue(PROCESSING, NamespaceSerializer.DEFAULT);
      b.setCurrentKey('a');
      queue.add(VOID_NAMESPACE, 10);
      queue.add(VOID_NAMESPACE, 20);
      const runner = b.snapshot(1);
      queue.add(VOID_NAMESPACE, 30);
      queue.delete(VOID_NAMESPACE, 20);
      fire(b, queue, 10);
      const restored = await ctx.restored(t, [await runner.materialize()]);
      assert.deepEqual(fire(restored, restored.getTimerQueue(PROCESSING, NamespaceSerializer.DEFAULT), 100), ['a@10[void]', 'a@20[void]']);
      // Fired and deleted timers are gone from the backend itself.
      const again = await ctx.restored(t, [await b.snapshot(2).materialize()]);
      assert.deepEqual(fire(again, again.getTimerQueue(PROCESSING, NamespaceSerializer.DEFAULT), 100), ['a@30[void]']);
    });

    it('restores each timer into the backend whose key-group range holds its key (rescaling), and merges snapshots', async (t) => {
      const keys = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? `key-${i}` : i));
      const whole = await ctx.backend(t);
      addTimers(whole, keys);
      const snapshot = await whole.snapshot(1).materialize();
      const parts: KeyedStateBackend[] = [];
      for (let i = 0; i < 3; i++) parts.push(await ctx.restored(t, [snapshot], { range: computeKeyGroupRangeForOperatorIndex(MAX_PARALLELISM, 3, i) }));
      for (let i = 0; i < 3; i++) {
        const mine = keys.filter((k) => assignKeyToParallelOperator(k, MAX_PARALLELISM, 3) === i);
        const fired = fire(parts[i]!, parts[i]!.getTimerQueue(PROCESSING, NamespaceSerializer.DEFAULT), 1000);
        assert.deepEqual(sorted(fired), sorted(mine.map((k) => `${String(k)}@${50 + keys.indexOf(k)}[void]`)));
        assert.equal(parts[i]!.getTimerQueue(EVENT, WINDOWS).size, mine.length * 2);
      }
      // Scale back in: the three snapshots merge into one backend with every timer.
      const merged = await ctx.restored(t, await Promise.all(parts.map((p, i) => p.snapshot(10 + i).materialize())));
      assert.equal(merged.getTimerQueue(EVENT, WINDOWS).size, keys.length * 2);
      assert.equal(merged.getTimerQueue(PROCESSING, NamespaceSerializer.DEFAULT).size, 0, 'the processing timers fired before the snapshots');
    });

    it('keeps the timers of a queue that is restored but not created into the next snapshot', async (t) => {
      const first = await ctx.backend(t);
      addTimers(first, ['x']);
      const second = await ctx.restored(t, [await first.snapshot(1).materialize()]);
      second.getPartitionedState(new ValueStateDescriptor<number>('other'));
      const third = await ctx.restored(t, [await second.snapshot(2).materialize()]);
      assert.deepEqual(fire(third, third.getTimerQueue(EVENT, WINDOWS), 5000), ['x@999[w0-1000]', 'x@2999[w2000-3000]']);
    });

    it('reserves the names of timer queues and refuses a snapshot whose state is used as a timer queue', async (t) => {
      const b = await ctx.backend(t);
      assert.throws(() => b.getPartitionedState(new ValueStateDescriptor<number>(EVENT)), /reserved/);
      const withValue = await ctx.backend(t);
      // A snapshot that holds a value state under a timer queue's name (written by hand).
      const value = withValue.getPartitionedState<ValueState<number>>(new ValueStateDescriptor<number>('v'));
      withValue.setCurrentKey('a');
      value.update(1);
      const snapshot = await withValue.snapshot(1).materialize();
      const renamed = { ...snapshot, states: snapshot.states.map((s) => ({ ...s, name: PROCESSING })) };
      const restored = await ctx.restored(t, [renamed]);
      throwsFlinkError(() => restored.getTimerQueue(PROCESSING, NamespaceSerializer.DEFAULT), ILLEGAL_STATE, PROCESSING, 'VALUE state', 'timer queue');
      // Namespaces written by another serializer are a clear error, not garbage windows.
      const timers = await ctx.backend(t);
      addTimers(timers, ['k']);
      const withWindows = await ctx.restored(t, [await timers.snapshot(2).materialize()]);
      const other: TypeSerializer<unknown> = {
        id: 'other',
        version: 1,
        serialize: () => new Uint8Array(0),
        deserialize: () => null,
        copy: (v) => v,
        snapshotConfiguration: () => ({ id: 'other', version: 1 }),
        resolveSchemaCompatibility: () => ({ compatibility: Compatibility.INCOMPATIBLE }),
      };
      throwsFlinkError(() => withWindows.getTimerQueue(EVENT, new NamespaceSerializer(other)), ILLEGAL_STATE, EVENT, 'namespaces');
    });
  });
}
