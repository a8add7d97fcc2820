/*
 * Tests of SourceThrottle: a poll that leaves the fullest output channel over the threshold holds
 * intake for a delay that doubles while the pressure persists (capped) and resets when a poll ends
 * at or under it; a hold ends when the delay ran out or the queues drained to the threshold; a
 * source function's wait resolves the same way; disposing stops the wake-up timer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LocalChannel } from '../../../src/runtime/io/local-channel.ts';
import { RecordBatch } from '../../../src/runtime/io/record-batch.ts';
import { SourceThrottle } from '../../../src/runtime/tasks/source-throttle.ts';

const SETTINGS = { threshold: 0.8, baseDelayMs: 10, maxDelayMs: 40 };

function fill(channel: LocalChannel, batches: number): void {
  for (let i = 0; i < batches; i++) channel.push(new RecordBatch([i]));
}

function take(channel: LocalChannel, batches: number): void {
  for (let i = 0; i < batches; i++) channel.poll();
}

describe('SourceThrottle', () => {
  it('holds intake after a poll that ends over the threshold, until the queues drain to it', () => {
    const channel = new LocalChannel(10, 0, 0);
    const throttle = new SourceThrottle([channel], SETTINGS);
    fill(channel, 8);
    throttle.afterPoll(0);
    assert.equal(throttle.delayMs, 0, 'at the threshold: no pressure');
    assert.equal(throttle.isHolding(1), false);
    fill(channel, 2);
    throttle.afterPoll(100);
    assert.equal(throttle.delayMs, 10);
    assert.equal(throttle.holds, 1);
    assert.equal(throttle.isHolding(101), true);
    take(channel, 1);
    assert.equal(throttle.isHolding(102), true, '0.9 is still over the threshold');
    take(channel, 1);
    assert.equal(throttle.isHolding(103), false, 'drained to 0.8: released before the delay ran out');
    assert.equal(throttle.isHolding(104), false);
  });

  it('releases when the delay ran out even if the queues are still full', () => {
    const channel = new LocalChannel(10, 0, 0);
    const throttle = new SourceThrottle([channel], SETTINGS);
    fill(channel, 10);
    throttle.afterPoll(0);
    assert.equal(throttle.isHolding(9.9), true);
    assert.equal(throttle.isHolding(10), false);
  });

  it('doubles the delay while polls keep ending over the threshold, up to the cap, and resets when one does not', () => {
    const channel = new LocalChannel(10, 0, 0);
    const throttle = new SourceThrottle([channel], SETTINGS);
    fill(channel, 10);
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      throttle.afterPoll(i * 100);
      delays.push(throttle.delayMs);
    }
    assert.deepEqual(delays, [10, 20, 40, 40, 40]);
    take(channel, 5);
    throttle.afterPoll(1000);
    assert.equal(throttle.delayMs, 0);
    assert.equal(throttle.isHolding(1001), false);
    fill(channel, 5);
    throttle.afterPoll(1100);
    assert.equal(throttle.delayMs, 10, 'the next pressure starts from the base delay');
    assert.equal(throttle.polls, 7);
    assert.equal(throttle.holds, 6);
  });

  it('watches the fullest of the channels a source writes to', () => {
    const a = new LocalChannel(10, 0, 0);
    const b = new LocalChannel(10, 0, 1);
    const throttle = new SourceThrottle([a, b], SETTINGS);
    fill(a, 2);
    fill(b, 9);
    assert.equal(throttle.utilization(), 0.9);
    throttle.afterPoll(0);
    assert.equal(throttle.isHolding(1), true);
    take(b, 1);
    assert.equal(throttle.isHolding(2), false);
  });

  it('relaxes only while nothing is held', () => {
    const channel = new LocalChannel(10, 0, 0);
    const throttle = new SourceThrottle([channel], SETTINGS);
    fill(channel, 10);
    throttle.afterPoll(performance.now());
    throttle.relax();
    assert.equal(throttle.delayMs, 10, 'a hold in progress keeps its delay');
    take(channel, 3);
    assert.equal(throttle.isHolding(performance.now()), false);
    throttle.relax();
    assert.equal(throttle.delayMs, 0);
  });

  it('lets a waiting source function go when the queues drained, or when the delay ran out', async () => {
    const channel = new LocalChannel(10, 0, 0);
    const throttle = new SourceThrottle([channel], { threshold: 0.8, baseDelayMs: 5_000, maxDelayMs: 5_000 });
    fill(channel, 10);
    throttle.afterPoll(performance.now());
    let released = false;
    const wait = throttle.whenReleased().then(() => (released = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(released, false);
    take(channel, 2);
    await wait;
    assert.equal(throttle.isHolding(performance.now()), false);

    const quick = new SourceThrottle([channel], { threshold: 0.5, baseDelayMs: 30, maxDelayMs: 30 });
    fill(channel, 2);
    quick.afterPoll(performance.now());
    const start = performance.now();
    await quick.whenReleased();
    const waited = performance.now() - start;
    assert.ok(waited >= 25 && waited < 1000, `waited ${waited} ms`);
    assert.equal(channel.bufferedBatches, 10, 'released by the delay, not by draining');
  });

  it('wakes a parked scheduler once when the delay runs out, and not after dispose', async () => {
    const channel = new LocalChannel(10, 0, 0);
    const throttle = new SourceThrottle([channel], { threshold: 0.8, baseDelayMs: 15, maxDelayMs: 15 });
    fill(channel, 10);
    let wakeups = 0;
    throttle.afterPoll(performance.now());
    throttle.wakeAt(performance.now(), () => wakeups++);
    throttle.wakeAt(performance.now(), () => wakeups++);
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(wakeups, 1);
    throttle.afterPoll(performance.now());
    throttle.wakeAt(performance.now(), () => wakeups++);
    throttle.dispose();
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(wakeups, 1);
    assert.equal(throttle.isHolding(performance.now()), false);
  });
});
