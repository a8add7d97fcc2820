/*
 * Tests of the internal timer service's timer queues: one timer per (key, namespace, timestamp),
 * deletes, counts, timestamp order, timers registered or deleted while timers fire, and timers
 * that live in the keyed state backend: restored after a restart, moved by key group when the
 * parallelism changes, portable between the heap and RocksDB backends.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { TimeWindow } from '../../../src/api/windowing/windows/time-window.ts';
import { InternalTimerService, type InternalTimer, type Triggerable } from '../../../src/runtime/operators/internal-timer-service.ts';
import { HeapKeyedStateBackend } from '../../../src/runtime/state/heap/heap-keyed-state-backend.ts';
import { KeyGroupRange } from '../../../src/runtime/state/key-group-range.ts';
import type { Collector } from '../../../src/api/common/functions.ts';
import { KeyedProcessFunction, type KeyedOnTimerContext, type KeyedProcessFunctionContext } from '../../../src/api/functions/keyed-process-function.ts';
import { KeyedProcessOperator } from '../../../src/runtime/operators/keyed-process-operator.ts';
import { assignKeyToParallelOperator, computeKeyGroupRangeForOperatorIndex } from '../../../src/runtime/state/key-group-range-assignment.ts';
import { rocksBackend, skipRocksDB } from '../state/rocksdb/rocksdb-test-helpers.ts';
import { ManualProcessingTimeService, OneInputOperatorTestHarness, type HarnessOptions } from './harness.ts';

function setup(onEvent: (t: InternalTimer, service: InternalTimerService) => void = () => {}) {
  const backend = new HeapKeyedStateBackend({ keyGroupRange: KeyGroupRange.of(0, 127), maxParallelism: 128, where: 'test' });
  const clock = new ManualProcessingTimeService(0);
  const fired: string[] = [];
  const describeTimer = (t: InternalTimer) => `${String(t.key)}@${t.timestamp}${typeof t.namespace === 'symbol' ? '' : '#' + String(t.namespace)}`;
  const triggerable: Triggerable = {
    onEventTime: (t) => {
      assert.equal(backend.getCurrentKey(), t.key);
      fired.push('event ' + describeTimer(t));
      onEvent(t, service);
    },
    onProcessingTime: (t) => fired.push('proc ' + describeTimer(t)),
  };
  const service = new InternalTimerService(backend, clock, triggerable);
  return { backend, clock, fired, service };
}

describe('InternalTimerService', () => {
  it('keeps one timer per key, namespace and timestamp; equal windows are one namespace', () => {
    const { backend, service, fired } = setup();
    backend.setCurrentKey('a');
    service.registerEventTimeTimer(9, new TimeWindow(0, 10));
    service.registerEventTimeTimer(9, new TimeWindow(0, 10));
    service.registerEventTimeTimer(9, new TimeWindow(5, 10));
    service.registerEventTimeTimer(9);
    service.registerEventTimeTimer(9);
    service.registerEventTimeTimer(9, 'ns');
    service.registerEventTimeTimer(9, 1);
    backend.setCurrentKey(1);
    service.registerEventTimeTimer(9);
    backend.setCurrentKey('1');
    service.registerEventTimeTimer(9);
    assert.equal(service.numEventTimeTimers(), 7);
    service.advanceWatermark(9);
    assert.equal(service.numEventTimeTimers(), 0);
    assert.equal(fired.length, 7);
    assert.equal(new Set(fired).size, 6, 'keys 1 and "1" are two timers that print alike');
  });

  it('fires in timestamp order and forgets deleted timers', () => {
    const { backend, service, fired } = setup();
    backend.setCurrentKey('a');
    service.registerEventTimeTimer(30);
    service.registerEventTimeTimer(10);
    service.registerEventTimeTimer(20, new TimeWindow(0, 21));
    backend.setCurrentKey('b');
    service.registerEventTimeTimer(20);
    service.registerEventTimeTimer(15);
    service.deleteEventTimeTimer(15);
    service.deleteEventTimeTimer(99);
    backend.setCurrentKey('a');
    service.deleteEventTimeTimer(20, new TimeWindow(0, 21));
    assert.equal(service.numEventTimeTimers(), 3);
    service.advanceWatermark(25);
    assert.deepEqual(fired, ['event a@10', 'event b@20']);
    backend.setCurrentKey('a');
    service.registerEventTimeTimer(15);
    service.advanceWatermark(40);
    assert.deepEqual(fired, ['event a@10', 'event b@20', 'event a@15', 'event a@30']);
    assert.equal(service.numEventTimeTimers(), 0);
  });

  it('fires timers registered while firing, earlier ones first, and skips ones deleted while firing', () => {
    const { backend, service, fired } = setup((t, s) => {
      if (t.key === 'a' && t.timestamp === 10 && typeof t.namespace === 'symbol') {
        s.registerEventTimeTimer(10, 'again'); // same key and time: fires in this round
        s.registerEventTimeTimer(12);
        backend.setCurrentKey('c');
        s.deleteEventTimeTimer(10);
        backend.setCurrentKey('a');
      }
      if (t.key === 'b' && t.timestamp === 20) s.registerEventTimeTimer(5);
    });
    for (const key of ['a', 'b', 'c']) {
      backend.setCurrentKey(key);
      service.registerEventTimeTimer(10);
    }
    backend.setCurrentKey('b');
    service.registerEventTimeTimer(20);
    service.registerEventTimeTimer(21);
    backend.setCurrentKey('d');
    service.registerEventTimeTimer(20);
    service.advanceWatermark(30);
    assert.deepEqual(fired, ['event a@10', 'event b@10', 'event a@10#again', 'event a@12', 'event b@20', 'event b@5', 'event d@20', 'event b@21']);
    assert.equal(service.numEventTimeTimers(), 0);
  });

  it('schedules the earliest live processing-time timer', () => {
    const { backend, clock, service, fired } = setup();
    backend.setCurrentKey('k');
    service.registerProcessingTimeTimer(10);
    service.registerProcessingTimeTimer(20);
    service.deleteProcessingTimeTimer(10);
    assert.equal(service.numProcessingTimeTimers(), 1);
    clock.setCurrentTime(15);
    assert.deepEqual(fired, []);
    clock.setCurrentTime(20);
    assert.deepEqual(fired, ['proc k@20']);
    assert.equal(service.numProcessingTimeTimers(), 0);
    service.shutdown();
  });
});

/** Registers an event-time timer at the record's value and a processing-time timer at value + 1000. */
class TwoTimers extends KeyedProcessFunction<string, { key: string; value: number }, string> {
  processElement(e: { key: string; value: number }, ctx: KeyedProcessFunctionContext<string>): void {
    ctx.timerService().registerEventTimeTimer(e.value);
    ctx.timerService().registerProcessingTimeTimer(e.value + 1000);
  }
  override onTimer(ts: number, ctx: KeyedOnTimerContext<string>, out: Collector<string>): void {
    out.collect(`${ctx.timeDomain()} ${ctx.getCurrentKey()}@${ts}`);
  }
}

type Harness = OneInputOperatorTestHarness<{ key: string; value: number }, string>;

function timerHarness(options: HarnessOptions = {}): Harness {
  return new OneInputOperatorTestHarness(new KeyedProcessOperator<string, { key: string; value: number }, string>(new TwoTimers(), (e) => e.key), { keyed: true, ...options });
}

async function harnessWithTimers(t: TestContext, keys: readonly string[]): Promise<Harness> {
  const h = timerHarness();
  await h.open();
  t.after(() => h.close());
  keys.forEach((key, i) => h.processElement({ key, value: 100 + i }, 0));
  return h;
}

describe('InternalTimerService timers as keyed state', () => {
  it('restores event-time and processing-time timers after a restart: the watermark and the clock fire them', async (t) => {
    const first = await harnessWithTimers(t, ['a', 'b']);
    first.processWatermark(100);
    assert.deepEqual(first.getValues(), ['EVENT_TIME a@100']);
    const snapshot = await first.snapshotKeyedState();

    const second = timerHarness();
    await second.initializeKeyedState([snapshot]);
    await second.open();
    t.after(() => second.close());
    assert.equal(second.processingTimeService.numPendingTimers, 1, 'the earliest restored processing-time timer is scheduled at open');
    second.processWatermark(200);
    second.setProcessingTime(1100);
    second.setProcessingTime(5000);
    assert.deepEqual(second.getValues(), ['EVENT_TIME b@101', 'PROCESSING_TIME a@1100', 'PROCESSING_TIME b@1101']);
  });

  it('moves each key\'s timers to the subtask that owns its key group when the parallelism changes', async (t) => {
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
    const first = await harnessWithTimers(t, keys);
    const snapshot = await first.snapshotKeyedState();
    const fired: string[][] = [];
    for (let i = 0; i < 2; i++) {
      const h = timerHarness({ keyGroupRange: computeKeyGroupRangeForOperatorIndex(128, 2, i), subtaskIndex: i, parallelism: 2 });
      await h.initializeKeyedState([snapshot]);
      await h.open();
      t.after(() => h.close());
      h.processWatermark(1000);
      fired.push(h.getValues());
      for (const value of h.getValues()) assert.equal(assignKeyToParallelOperator(value.split(' ')[1]!.split('@')[0]!, 128, 2), i);
    }
    assert.deepEqual([...fired[0]!, ...fired[1]!].sort(), keys.map((k, i) => `EVENT_TIME ${k}@${100 + i}`).sort());
    assert.ok(fired[0]!.length > 0 && fired[1]!.length > 0);
  });

  it('restores timers of a heap snapshot into a RocksDB backend and back', { skip: skipRocksDB }, async (t) => {
    const first = await harnessWithTimers(t, ['a', 'b', 'c']);
    const rocks = timerHarness({ keyedStateBackend: rocksBackend(t) });
    await rocks.initializeKeyedState([await first.snapshotKeyedState()]);
    await rocks.open();
    t.after(() => rocks.close());
    rocks.processWatermark(100);
    rocks.setProcessingTime(1101);
    assert.deepEqual(rocks.getValues(), ['EVENT_TIME a@100', 'PROCESSING_TIME a@1100', 'PROCESSING_TIME b@1101']);
    rocks.processElement({ key: 'd', value: 50 }, 0);
    const heap = timerHarness();
    await heap.initializeKeyedState([await rocks.snapshotKeyedState()]);
    await heap.open();
    t.after(() => heap.close());
    heap.processWatermark(1000);
    heap.setProcessingTime(2000);
    assert.deepEqual(heap.getValues(), ['EVENT_TIME d@50', 'EVENT_TIME b@101', 'EVENT_TIME c@102', 'PROCESSING_TIME d@1050', 'PROCESSING_TIME c@1102']);
  });
});
