/*
 * Tests of the global partitioner.
 */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GlobalPartitioner } from '../../../src/runtime/partitioner/global-partitioner.ts';

describe('GlobalPartitioner', () => {
  it('sends every record to the first consumer', () => {
    const p = new GlobalPartitioner<number>();
    p.setup(5);
    for (let i = 0; i < 20; i++) assert.equal(p.selectChannel(i), 0);
    assert.equal(p.isPointwise(), false);
    assert.equal(p.toString(), 'GLOBAL');
  });
});
