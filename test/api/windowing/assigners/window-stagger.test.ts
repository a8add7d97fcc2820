/*
 * Tests of WindowStagger (Flink's WindowStaggerTest): the offset each policy gives.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WindowStagger } from '../../../../src/api/windowing/assigners/window-stagger.ts';

describe('WindowStagger', () => {
  it('ALIGNED gives no offset', () => {
    assert.equal(WindowStagger.ALIGNED.getStaggerOffset(500, 5000), 0);
    assert.equal(String(WindowStagger.ALIGNED), 'ALIGNED');
  });

  it('NATURAL gives the distance from the start of the aligned window', () => {
    assert.equal(WindowStagger.NATURAL.getStaggerOffset(5500, 5000), 500);
    assert.equal(WindowStagger.NATURAL.getStaggerOffset(150, 5000), 150);
    assert.equal(WindowStagger.NATURAL.getStaggerOffset(-100, 5000), 4900);
  });

  it('RANDOM gives an integer offset in [0, size)', () => {
    for (let i = 0; i < 100; i++) {
      const offset = WindowStagger.RANDOM.getStaggerOffset(0, 5000);
      assert.ok(Number.isInteger(offset) && offset >= 0 && offset < 5000, `offset ${offset}`);
    }
  });
});
