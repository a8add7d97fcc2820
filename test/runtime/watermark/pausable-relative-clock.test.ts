/*
 * Tests of PausableRelativeClock: it stands still while paused, pauses nest, and a clock layered
 * on another stops when its base does.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PausableRelativeClock } from '../../../src/runtime/watermark/pausable-relative-clock.ts';

describe('PausableRelativeClock', () => {
  it('hides paused time, with nested pauses and layered clocks', () => {
    let now = 100;
    const base = { relativeTimeMillis: () => now };
    const clock = new PausableRelativeClock(base);
    const layered = new PausableRelativeClock(clock);
    assert.equal(clock.relativeTimeMillis(), 100);
    clock.pause();
    clock.pause();
    now = 150;
    assert.equal(clock.relativeTimeMillis(), 100);
    assert.equal(layered.relativeTimeMillis(), 100, 'the layered clock stops with its base');
    clock.unPause();
    now = 170;
    assert.equal(clock.relativeTimeMillis(), 100, 'still paused: one pause is left');
    clock.unPause();
    now = 180;
    assert.equal(clock.relativeTimeMillis(), 110);
    layered.pause();
    now = 200;
    assert.equal(layered.relativeTimeMillis(), 110);
    assert.equal(clock.relativeTimeMillis(), 130, 'pausing the layered clock leaves its base running');
    clock.unPause(); // unmatched: ignored
    assert.equal(clock.isPaused(), false);
  });
});
