/*
 * Tests of barrier alignment alone: the aligned handler (exactly-once) blocks each channel after
 * its barrier and takes the snapshot when all open channels delivered it; ended channels no longer
 * count; a newer barrier or a cancellation releases an alignment; the tracker (at-least-once)
 * only counts and never blocks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AlignedBarrierHandler, BarrierTracker, createBarrierHandler } from '../../../src/runtime/io/checkpoint-barrier-handler.ts';
import { CheckpointBarrier } from '../../../src/runtime/io/stream-events.ts';

function recorder() {
  const log: string[] = [];
  return {
    log,
    actions: {
      triggerCheckpoint: (b: CheckpointBarrier) => log.push(`snapshot ${b.checkpointId}`),
      blockChannel: (c: number) => log.push(`block ${c}`),
      unblockAllChannels: () => log.push('unblock'),
    },
  };
}

const barrier = (id: number): CheckpointBarrier => new CheckpointBarrier(id, 1000 + id);

describe('AlignedBarrierHandler', () => {
  it('blocks channels until every channel delivered the barrier, then snapshots and releases', () => {
    const { log, actions } = recorder();
    const h = new AlignedBarrierHandler(3, actions);
    h.processBarrier(barrier(1), 0);
    h.processBarrier(barrier(1), 2);
    assert.equal(h.isAligning(), true);
    assert.deepEqual(log, ['block 0', 'block 2']);
    h.processBarrier(barrier(1), 1);
    assert.deepEqual(log, ['block 0', 'block 2', 'unblock', 'snapshot 1']);
    assert.equal(h.isAligning(), false);
  });

  it('snapshots at once with a single channel, without blocking', () => {
    const { log, actions } = recorder();
    const h = new AlignedBarrierHandler(1, actions);
    h.processBarrier(barrier(4), 0);
    assert.deepEqual(log, ['snapshot 4']);
  });

  it('counts an ended channel as aligned', () => {
    const { log, actions } = recorder();
    const h = new AlignedBarrierHandler(2, actions);
    h.processBarrier(barrier(1), 0);
    h.processEndOfPartition(1);
    assert.deepEqual(log, ['block 0', 'unblock', 'snapshot 1']);
    log.length = 0;
    // Later checkpoints only wait for the open channel.
    h.processBarrier(barrier(2), 0);
    assert.deepEqual(log, ['snapshot 2']);
  });

  it('abandons an alignment when a newer barrier arrives and ignores stale barriers', () => {
    const { log, actions } = recorder();
    const h = new AlignedBarrierHandler(2, actions);
    h.processBarrier(barrier(1), 0);
    h.processBarrier(barrier(2), 1);
    assert.deepEqual(log, ['block 0', 'unblock', 'block 1']);
    h.processBarrier(barrier(1), 1);
    h.processBarrier(barrier(2), 0);
    assert.deepEqual(log, ['block 0', 'unblock', 'block 1', 'unblock', 'snapshot 2']);
  });

  it('releases the channels when the checkpoint is cancelled and ignores its later barriers', () => {
    const { log, actions } = recorder();
    const h = new AlignedBarrierHandler(2, actions);
    h.processBarrier(barrier(3), 0);
    h.processCancellation(3);
    h.processBarrier(barrier(3), 1);
    assert.deepEqual(log, ['block 0', 'unblock']);
    h.processBarrier(barrier(4), 1);
    h.processBarrier(barrier(4), 0);
    assert.deepEqual(log.slice(2), ['block 1', 'unblock', 'snapshot 4']);
  });
});

describe('BarrierTracker (at-least-once)', () => {
  it('never blocks and snapshots when every open channel delivered the barrier', () => {
    const { log, actions } = recorder();
    const h = createBarrierHandler(false, 2, actions);
    assert.ok(h instanceof BarrierTracker);
    h.processBarrier(barrier(1), 0);
    h.processBarrier(barrier(2), 0);
    h.processBarrier(barrier(1), 1);
    h.processBarrier(barrier(2), 1);
    assert.deepEqual(log, ['snapshot 1', 'snapshot 2']);
  });

  it('drops older incomplete checkpoints when a newer one completes, and handles ended channels', () => {
    const { log, actions } = recorder();
    const h = new BarrierTracker(3, actions);
    h.processBarrier(barrier(1), 0);
    h.processBarrier(barrier(2), 0);
    h.processBarrier(barrier(2), 1);
    h.processEndOfPartition(2);
    assert.deepEqual(log, ['snapshot 2']);
    h.processBarrier(barrier(1), 1);
    assert.deepEqual(log, ['snapshot 2']);
    h.processCancellation(3);
    h.processBarrier(barrier(3), 0);
    h.processBarrier(barrier(3), 1);
    assert.deepEqual(log, ['snapshot 2']);
  });
});
