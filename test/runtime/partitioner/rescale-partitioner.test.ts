/*
 * Tests of the rescale partitioner: round-robin from channel 0, pointwise.
 */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RescalePartitioner } from '../../../src/runtime/partitioner/rescale-partitioner.ts';

describe('RescalePartitioner', () => {
  it('cycles through its channels starting at 0', () => {
    const p = new RescalePartitioner<string>();
    p.setup(3);
    assert.deepEqual(Array.from({ length: 7 }, () => p.selectChannel('x')), [0, 1, 2, 0, 1, 2, 0]);
  });

  it('is pointwise and copies into independent instances', () => {
    const p = new RescalePartitioner<number>();
    assert.equal(p.isPointwise(), true);
    p.setup(2);
    p.selectChannel(0);
    const c = p.copy();
    c.setup(2);
    assert.equal(c.selectChannel(0), 0);
    assert.equal(p.selectChannel(0), 1);
  });
});
