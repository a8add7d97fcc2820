/*
 * Tests of the StreamPartitioner base: kinds, names, flags and setup checks shared by all partitioners.
 */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PartitionerKinds, StreamPartitioner } from '../../../src/runtime/partitioner/stream-partitioner.ts';
import type { PartitionerKind } from '../../../src/runtime/partitioner/stream-partitioner.ts';
import { BroadcastPartitioner } from '../../../src/runtime/partitioner/broadcast-partitioner.ts';
import { CustomPartitionerWrapper } from '../../../src/runtime/partitioner/custom-partitioner-wrapper.ts';
import { ForwardPartitioner } from '../../../src/runtime/partitioner/forward-partitioner.ts';
import { GlobalPartitioner } from '../../../src/runtime/partitioner/global-partitioner.ts';
import { KeyGroupStreamPartitioner } from '../../../src/runtime/partitioner/key-group-stream-partitioner.ts';
import { RebalancePartitioner } from '../../../src/runtime/partitioner/rebalance-partitioner.ts';
import { RescalePartitioner } from '../../../src/runtime/partitioner/rescale-partitioner.ts';
import { ShufflePartitioner } from '../../../src/runtime/partitioner/shuffle-partitioner.ts';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';

class FirstChannel extends StreamPartitioner<number> {
  readonly kind: PartitionerKind = PartitionerKinds.GLOBAL;
  selectChannel(_value: number): number {
    return 0;
  }
  copy(): FirstChannel {
    return new FirstChannel();
  }
  channels(): number {
    return this.numberOfChannels;
  }
}

describe('StreamPartitioner', () => {
  it('defaults to not broadcast, not pointwise, and is named after its kind', () => {
    const p = new FirstChannel();
    assert.equal(p.isBroadcast(), false);
    assert.equal(p.isPointwise(), false);
    assert.equal(p.toString(), 'GLOBAL');
    assert.equal(p.channels(), 0);
    p.setup(3);
    assert.equal(p.channels(), 3);
  });

  it('rejects a setup without channels', () => {
    for (const bad of [0, -2, 1.5, NaN]) {
      assert.throws(() => new FirstChannel().setup(bad), (err: unknown) => FlinkError.isFlinkError(err) && err.code === ErrorCodes.FLINK_TS_ILLEGAL_STATE);
    }
  });

  it('has Flink names and flags for every partitioner', () => {
    const all: Array<[StreamPartitioner<number>, string, string, boolean, boolean]> = [
      [new ForwardPartitioner(), 'forward', 'FORWARD', false, true],
      [new KeyGroupStreamPartitioner((v: number) => v, 128), 'hash', 'HASH', false, false],
      [new RebalancePartitioner(), 'rebalance', 'REBALANCE', false, false],
      [new RescalePartitioner(), 'rescale', 'RESCALE', false, true],
      [new BroadcastPartitioner(), 'broadcast', 'BROADCAST', true, false],
      [new ShufflePartitioner(), 'shuffle', 'SHUFFLE', false, false],
      [new GlobalPartitioner(), 'global', 'GLOBAL', false, false],
      [new CustomPartitionerWrapper((k: number, n: number) => k % n, (v: number) => v), 'custom', 'CUSTOM', false, false],
    ];
    assert.deepEqual(all.map(([p]) => p.kind).sort(), Object.values(PartitionerKinds).sort());
    for (const [p, kind, name, broadcast, pointwise] of all) {
      assert.equal(p.kind, kind);
      assert.equal(p.toString(), name);
      assert.equal(p.isBroadcast(), broadcast, name);
      assert.equal(p.isPointwise(), pointwise, name);
      const c = p.copy();
      assert.notEqual(c, p, `${name} copy must be a new instance`);
      assert.equal(c.constructor, p.constructor);
      assert.equal(c.toString(), name);
    }
  });
});
