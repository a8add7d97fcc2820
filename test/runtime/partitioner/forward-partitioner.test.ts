/*
 * Tests of the forward partitioner.
 */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ForwardPartitioner } from '../../../src/runtime/partitioner/forward-partitioner.ts';

describe('ForwardPartitioner', () => {
  it('sends every record to its single channel', () => {
    const p = new ForwardPartitioner<string>();
    p.setup(1);
    for (const v of ['a', 'b', 'c']) assert.equal(p.selectChannel(v), 0);
  });

  it('is pointwise, not broadcast', () => {
    const p = new ForwardPartitioner<string>();
    assert.equal(p.isPointwise(), true);
    assert.equal(p.isBroadcast(), false);
    assert.equal(p.toString(), 'FORWARD');
  });
});
