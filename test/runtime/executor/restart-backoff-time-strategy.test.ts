/*
 * Tests of the restart strategies' runtime side with a hand-moved clock: fixed delay allows its
 * attempts, failure rate fails at the n-th failure within the interval, exponential delay grows to
 * its maximum and starts over after a quiet period; none never restarts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RestartStrategies } from '../../../src/api/environment/restart-strategies.ts';
import { createRestartBackoffTimeStrategy } from '../../../src/runtime/executor/restart-backoff-time-strategy.ts';

describe('restart backoff time strategies', () => {
  it('noRestart never restarts', () => {
    const s = createRestartBackoffTimeStrategy(RestartStrategies.noRestart());
    s.notifyFailure(new Error('x'));
    assert.equal(s.canRestart(), false);
  });

  it('fixed delay allows its number of attempts with its delay', () => {
    const s = createRestartBackoffTimeStrategy(RestartStrategies.fixedDelayRestart(2, 250));
    for (let i = 0; i < 2; i++) {
      s.notifyFailure(new Error('x'));
      assert.equal(s.canRestart(), true);
      assert.equal(s.getBackoffTime(), 250);
    }
    s.notifyFailure(new Error('x'));
    assert.equal(s.canRestart(), false);
  });

  it('failure rate fails when max failures fall within the interval', () => {
    let now = 0;
    const s = createRestartBackoffTimeStrategy(RestartStrategies.failureRateRestart(2, 1000, 5), () => now);
    s.notifyFailure(new Error('x'));
    assert.equal(s.canRestart(), true);
    now = 500;
    s.notifyFailure(new Error('x'));
    assert.equal(s.canRestart(), false);
    now = 1600;
    s.notifyFailure(new Error('x'));
    assert.equal(s.canRestart(), true, 'the first failure left the interval');
    assert.equal(s.getBackoffTime(), 5);
  });

  it('exponential delay grows by the multiplier up to the maximum and resets after a quiet period', () => {
    let now = 0;
    const s = createRestartBackoffTimeStrategy(RestartStrategies.exponentialDelayRestart(100, 500, 2, 10_000, 0), () => now, () => 0.5);
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      now += 10;
      s.notifyFailure(new Error('x'));
      assert.equal(s.canRestart(), true);
      delays.push(s.getBackoffTime());
    }
    assert.deepEqual(delays, [100, 200, 400, 500, 500]);
    now += 10_000;
    s.notifyFailure(new Error('x'));
    assert.equal(s.getBackoffTime(), 100);
  });

  it('exponential delay stops after its attempts', () => {
    let now = 0;
    const s = createRestartBackoffTimeStrategy(RestartStrategies.exponentialDelayRestart(1, 10, 2, 10_000, 0, 2), () => now);
    s.notifyFailure(new Error('x'));
    now++;
    s.notifyFailure(new Error('x'));
    assert.equal(s.canRestart(), true);
    now++;
    s.notifyFailure(new Error('x'));
    assert.equal(s.canRestart(), false);
  });
});
