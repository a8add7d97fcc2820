/*
 * Tests of the keyed timer service (lazy creation, watermark tracking, per-key timers) and the
 * keyed process context.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OutputTag } from '../../../src/api/common/output-tag.ts';
import type { InternalTimer, Triggerable } from '../../../src/runtime/operators/internal-timer-service.ts';
import { KeyedProcessContext, KeyedTimerService } from '../../../src/runtime/operators/keyed-process-context.ts';
import { HeapKeyedStateBackend } from '../../../src/runtime/state/heap/heap-keyed-state-backend.ts';
import { KeyGroupRange } from '../../../src/runtime/state/key-group-range.ts';
import { CollectingOutput, ManualProcessingTimeService } from './harness.ts';

function setup() {
  const backend = new HeapKeyedStateBackend({ keyGroupRange: KeyGroupRange.of(0, 127), maxParallelism: 128, where: 'test' });
  const clock = new ManualProcessingTimeService(0);
  const fired: string[] = [];
  const triggerable: Triggerable = {
    onEventTime: (t: InternalTimer) => fired.push(`event ${String(t.key)}@${t.timestamp} current=${String(backend.getCurrentKey())}`),
    onProcessingTime: (t: InternalTimer) => fired.push(`proc ${String(t.key)}@${t.timestamp}`),
  };
  return { backend, clock, fired, timers: new KeyedTimerService(backend, clock, triggerable) };
}

describe('KeyedTimerService', () => {
  it('tracks the watermark before and after it creates its timer queues', () => {
    const { backend, timers, fired } = setup();
    timers.advanceWatermark(5);
    assert.equal(timers.currentWatermark(), 5);
    assert.equal(timers.numEventTimeTimers(), 0);
    backend.setCurrentKey('a');
    timers.registerEventTimeTimer(4);
    timers.registerEventTimeTimer(8);
    backend.setCurrentKey('b');
    timers.registerEventTimeTimer(7);
    assert.equal(timers.numEventTimeTimers(), 3);
    timers.advanceWatermark(7);
    assert.deepEqual(fired, ['event a@4 current=a', 'event b@7 current=b']);
    assert.equal(timers.currentWatermark(), 7);
  });

  it('schedules processing-time timers on the clock and cancels them on shutdown', () => {
    const { backend, clock, timers, fired } = setup();
    backend.setCurrentKey('k');
    timers.registerProcessingTimeTimer(10);
    assert.equal(timers.currentProcessingTime(), 0);
    clock.setCurrentTime(10);
    assert.deepEqual(fired, ['proc k@10']);
    timers.registerProcessingTimeTimer(20);
    timers.shutdown();
    clock.setCurrentTime(30);
    assert.deepEqual(fired, ['proc k@10']);
  });
});

describe('KeyedProcessContext', () => {
  it('gives the current key, timestamp, domain and side outputs', () => {
    const { backend, timers } = setup();
    const output = new CollectingOutput<unknown>();
    const ctx = new KeyedProcessContext(output, timers, backend);
    backend.setCurrentKey(['x', 1]);
    ctx.currentTimestamp = 3;
    ctx.domain = 'PROCESSING_TIME';
    assert.deepEqual(ctx.getCurrentKey(), ['x', 1]);
    assert.equal(ctx.timestamp(), 3);
    assert.equal(ctx.timeDomain(), 'PROCESSING_TIME');
    assert.equal(ctx.timerService(), timers);
    ctx.output(new OutputTag<number>('n'), 1);
    assert.deepEqual(output.sideOutputs.get('n'), [{ value: 1, timestamp: 3 }]);
  });
});
