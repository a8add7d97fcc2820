/*
 * Tests of the broadcast partitioner.
 */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BroadcastPartitioner } from '../../../src/runtime/partitioner/broadcast-partitioner.ts';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';

describe('BroadcastPartitioner', () => {
  it('is broadcast and refuses to select a single channel', () => {
    const p = new BroadcastPartitioner<number>();
    p.setup(3);
    assert.equal(p.isBroadcast(), true);
    assert.equal(p.isPointwise(), false);
    assert.throws(
      () => p.selectChannel(1),
      (err: unknown) =>
        FlinkError.isFlinkError(err) && err.code === ErrorCodes.FLINK_TS_UNSUPPORTED && err.message === 'Broadcast partitioner does not support select channels.',
    );
  });
});
