/*
 * Tests of Duration and toMillis: java.time-style factories, predicates, and the errors for values
 * that are not durations.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Duration } from 'flink-ts';
import { toMillis } from '../../../src/api/common/duration.ts';

describe('Duration', () => {
  it('converts each unit to milliseconds', () => {
    assert.equal(Duration.ofMillis(5).toMillis(), 5);
    assert.equal(Duration.ofSeconds(2).toMillis(), 2_000);
    assert.equal(Duration.ofMinutes(3).toMillis(), 180_000);
    assert.equal(Duration.ofHours(1).toMillis(), 3_600_000);
    assert.equal(Duration.ofDays(2).toMillis(), 172_800_000);
    assert.equal(Duration.ofSeconds(0.5).toMillis(), 500);
    assert.equal(Duration.ZERO.toMillis(), 0);
  });

  it('tells zero and negative durations', () => {
    assert.equal(Duration.ZERO.isZero(), true);
    assert.equal(Duration.ofMillis(1).isZero(), false);
    assert.equal(Duration.ofMillis(-1).isNegative(), true);
    assert.equal(Duration.ofMillis(0).isNegative(), false);
    assert.equal(String(Duration.ofSeconds(1)), '1000 ms');
  });

  it('rejects non-finite values', () => {
    assert.throws(() => Duration.ofMillis(Number.NaN), RangeError);
    assert.throws(() => Duration.ofSeconds(Number.POSITIVE_INFINITY), RangeError);
  });
});

describe('toMillis', () => {
  it('accepts a Duration or a number of milliseconds', () => {
    assert.equal(toMillis(Duration.ofSeconds(3), 'x'), 3_000);
    assert.equal(toMillis(250, 'x'), 250);
  });

  it('names the argument when the value is not a duration', () => {
    assert.throws(() => toMillis('5s' as unknown as number, 'maxOutOfOrderness'), (e: unknown) => e instanceof TypeError && /maxOutOfOrderness must be a Duration or a number of milliseconds, got 5s/.test(e.message));
    assert.throws(() => toMillis(Number.NaN, 'interval'), /interval/);
    assert.throws(() => toMillis({ toMillis: () => 5 } as unknown as Duration, 'interval'), TypeError);
  });
});
