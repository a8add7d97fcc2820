/*
 * Tests of the internal timer service's timer queues: one timer per (key, namespace, timestamp),
 * deletes, counts, timestamp order, and timers registered or deleted while timers fire.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TimeWindow } from '../../../src/api/windowing/windows/time-window.ts';
import { InternalTimerService, type InternalTimer, type Triggerable } from '../../../src/runtime/operators/internal-timer-service.ts';
import { HeapKeyedStateBackend } from '../../../src/runtime/state/heap/heap-keyed-state-backend.ts';
import { KeyGroupRange } from '../../../src/runtime/state/key-group-range.ts';
import { ManualProcessingTimeService } from './harness.ts';

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
