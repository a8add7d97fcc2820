/*
 * Tests of the rebalance partitioner: random start, then strict round-robin per instance.
 */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RebalancePartitioner } from '../../../src/runtime/partitioner/rebalance-partitioner.ts';

describe('RebalancePartitioner', () => {
  it('starts after a random channel and cycles through all channels', () => {
    const p = new RebalancePartitioner<string>(() => 0.5);
    p.setup(4);
    // The random start is channel 2; like Flink, the first record goes to the channel after it.
    assert.deepEqual(Array.from({ length: 9 }, () => p.selectChannel('x')), [3, 0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it('sends an equal share to every channel whatever the start', () => {
    for (let run = 0; run < 20; run++) {
      const p = new RebalancePartitioner<number>();
      p.setup(3);
      const counts = [0, 0, 0];
      for (let i = 0; i < 300; i++) counts[p.selectChannel(i)]++;
      assert.deepEqual(counts, [100, 100, 100]);
    }
  });

  it('keeps its position per instance: copies start independently', () => {
    const starts = [0, 0.99];
    let i = 0;
    const p = new RebalancePartitioner<number>(() => starts[i++]);
    const a = p.copy();
    const b = p.copy();
    assert.notEqual(a, b);
    a.setup(3);
    b.setup(3);
    assert.deepEqual([a.selectChannel(0), a.selectChannel(0)], [1, 2]);
    assert.deepEqual([b.selectChannel(0), b.selectChannel(0)], [0, 1]);
  });

  it('works with a single channel', () => {
    const p = new RebalancePartitioner<number>();
    p.setup(1);
    for (let i = 0; i < 5; i++) assert.equal(p.selectChannel(i), 0);
  });
});
