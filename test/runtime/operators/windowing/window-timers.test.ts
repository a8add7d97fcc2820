/*
 * Tests of WindowTimers: within a step, registering a timer known to be registered and deleting
 * one known to be gone do not reach the timer service; anything else does, and a new step
 * forgets what the last one knew.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TimeWindow } from '../../../../src/api/windowing/windows/time-window.ts';
import type { InternalTimerService } from '../../../../src/runtime/operators/internal-timer-service.ts';
import { WindowTimers } from '../../../../src/runtime/operators/windowing/window-timers.ts';

/** Records the calls that reach the timer service. */
function recordingService(): { service: InternalTimerService; calls: string[] } {
  const calls: string[] = [];
  const record = (what: string) => (time: number, namespace: unknown) => calls.push(`${what} ${String(namespace)}@${time}`);
  const service = {
    registerEventTimeTimer: record('register event'),
    deleteEventTimeTimer: record('delete event'),
    registerProcessingTimeTimer: record('register processing'),
    deleteProcessingTimeTimer: record('delete processing'),
  } as unknown as InternalTimerService;
  return { service, calls };
}

const a = new TimeWindow(0, 10);
const b = new TimeWindow(10, 20);
const c = new TimeWindow(20, 30);

describe('WindowTimers', () => {
  it('registers a timer once per step and deletes a deleted one once', () => {
    const { service, calls } = recordingService();
    const timers = new WindowTimers(service);
    timers.beginStep();
    timers.register(a, 9, true);
    timers.register(a, 9, true);
    timers.delete(a, 9, true);
    timers.delete(a, 9, true);
    timers.register(a, 9, true);
    assert.deepEqual(calls, ['register event TimeWindow{start=0, end=10}@9', 'delete event TimeWindow{start=0, end=10}@9', 'register event TimeWindow{start=0, end=10}@9']);
  });

  it('tells timers apart by window, time and domain', () => {
    const { service, calls } = recordingService();
    const timers = new WindowTimers(service);
    timers.beginStep();
    timers.register(a, 9, true);
    timers.register(a, 9, false);
    timers.register(a, 8, true);
    // An equal window that is another object is another timer as far as the memo knows.
    timers.register(new TimeWindow(0, 10), 9, true);
    assert.equal(calls.length, 4);
  });

  it('remembers the last two timers', () => {
    const { service, calls } = recordingService();
    const timers = new WindowTimers(service);
    timers.beginStep();
    timers.register(a, 9, true);
    timers.register(b, 19, true);
    timers.register(a, 9, true);
    timers.register(b, 19, true);
    assert.equal(calls.length, 2);
    timers.register(c, 29, true);
    timers.register(a, 9, true);
    assert.equal(calls.length, 4, 'the oldest one is forgotten');
  });

  it('forgets everything when a step begins', () => {
    const { service, calls } = recordingService();
    const timers = new WindowTimers(service);
    timers.beginStep();
    timers.register(a, 9, true);
    timers.delete(b, 19, true);
    timers.beginStep();
    timers.register(a, 9, true);
    timers.delete(b, 19, true);
    assert.equal(calls.length, 4);
  });
});
