/*
 * Tests of the shuffle partitioner: channels from the random source, all in range, roughly uniform.
 */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ShufflePartitioner } from '../../../src/runtime/partitioner/shuffle-partitioner.ts';

describe('ShufflePartitioner', () => {
  it('maps the random source onto the channels', () => {
    const draws = [0, 0.2499, 0.25, 0.5, 0.99999, 0.75];
    let i = 0;
    const p = new ShufflePartitioner<string>(() => draws[i++]);
    p.setup(4);
    assert.deepEqual(draws.map(() => p.selectChannel('x')), [0, 0, 1, 2, 3, 3]);
  });

  it('stays in range and spreads records roughly evenly', () => {
    const p = new ShufflePartitioner<number>();
    p.setup(5);
    const counts = [0, 0, 0, 0, 0];
    const n = 50000;
    for (let i = 0; i < n; i++) {
      const c = p.selectChannel(i);
      assert.ok(Number.isInteger(c) && c >= 0 && c < 5);
      counts[c]++;
    }
    for (const c of counts) assert.ok(Math.abs(c - n / 5) < n / 5 * 0.1, `uneven: ${counts.join(',')}`);
  });

  it('copies with the same random source', () => {
    const p = new ShufflePartitioner<number>(() => 0.6);
    const c = p.copy();
    c.setup(10);
    assert.equal(c.selectChannel(1), 6);
  });
});
