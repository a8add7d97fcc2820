/*
 * Tests of WatermarksWithIdleness and its IdlenessTimer, after Flink's: idleness is checked on
 * periodic emits only; the countdown starts at the first periodic emit that saw no events and the
 * output becomes idle once strictly more than the timeout has passed; an event ends it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AscendingTimestampsWatermarks, Watermark, WatermarksWithIdleness, type RelativeClock, type WatermarkOutput } from 'flink-ts';
import { IdlenessTimer } from '../../../src/api/eventtime/watermarks-with-idleness.ts';

class ManualClock implements RelativeClock {
  now = 0;
  relativeTimeMillis(): number {
    return this.now;
  }
}

class Recording implements WatermarkOutput {
  readonly log: string[] = [];
  emitWatermark(w: Watermark): void {
    this.log.push(`wm ${w.timestamp}`);
  }
  markIdle(): void {
    this.log.push('idle');
  }
  markActive(): void {
    this.log.push('active');
  }
}

describe('IdlenessTimer', () => {
  it('is idle only after strictly more than the timeout without activity since the countdown started', () => {
    const clock = new ManualClock();
    const timer = new IdlenessTimer(clock, 100);
    assert.equal(timer.checkIfIdle(), false, 'the first check starts the countdown');
    clock.now = 100;
    assert.equal(timer.checkIfIdle(), false, 'exactly the timeout is not enough');
    clock.now = 101;
    assert.equal(timer.checkIfIdle(), true);
    timer.activity();
    assert.equal(timer.checkIfIdle(), false, 'activity resets');
    clock.now = 300;
    assert.equal(timer.checkIfIdle(), false, 'the countdown starts again at the first quiet check');
    clock.now = 401;
    assert.equal(timer.checkIfIdle(), true);
  });
});

describe('WatermarksWithIdleness', () => {
  it('marks the output idle once, forwards nothing while idle, and resumes after the next event', () => {
    const clock = new ManualClock();
    const g = new WatermarksWithIdleness<string>(new AscendingTimestampsWatermarks<string>(), 50, clock);
    const out = new Recording();
    g.onEvent('a', 10, out);
    g.onPeriodicEmit(out);
    clock.now = 10;
    g.onPeriodicEmit(out);
    clock.now = 61;
    g.onPeriodicEmit(out);
    clock.now = 200;
    g.onPeriodicEmit(out);
    assert.deepEqual(out.log, ['wm 9', 'wm 9', 'idle']);
    g.onEvent('b', 30, out);
    g.onPeriodicEmit(out);
    assert.deepEqual(out.log, ['wm 9', 'wm 9', 'idle', 'wm 29'], 'the wrapped generator emits again after an event');
  });

  it('forwards what the wrapped generator emits on events', () => {
    const g = new WatermarksWithIdleness<number>({ onEvent: (_e, ts, o) => o.emitWatermark(new Watermark(ts)), onPeriodicEmit: () => {} }, 10, new ManualClock());
    const out = new Recording();
    g.onEvent(1, 42, out);
    assert.deepEqual(out.log, ['wm 42']);
  });

  it('rejects a non-positive timeout', () => {
    assert.throws(() => new WatermarksWithIdleness(new AscendingTimestampsWatermarks(), 0), RangeError);
  });
});
