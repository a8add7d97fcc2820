/*
 * Tests of the unaligned barrier handler alone: the first unaligned barrier triggers the snapshot
 * at once and no channel is blocked; data is captured per channel only until that channel's
 * barrier; the input side completes when every open channel delivered it (ended channels no
 * longer count); a newer barrier or a cancellation abandons a capture; aligned barriers
 * (savepoints) still align; aligned barriers with a timeout turn unaligned when it passes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UnalignedBarrierHandler } from '../../../src/runtime/io/unaligned-barrier-handler.ts';
import { CheckpointBarrier } from '../../../src/runtime/io/stream-events.ts';

function recorder() {
  const log: string[] = [];
  const timers: number[] = [];
  return {
    log,
    timers,
    actions: {
      triggerCheckpoint: (b: CheckpointBarrier) => log.push(`snapshot ${b.checkpointId}${b.unaligned ? ' unaligned' : ''}`),
      blockChannel: (c: number) => log.push(`block ${c}`),
      unblockAllChannels: () => log.push('unblock'),
      finishInputCapture: (id: number) => log.push(`input complete ${id}`),
      abortInputCapture: (id: number, reason: string) => log.push(`abort ${id}: ${reason}`),
      registerAlignmentTimer: (delay: number) => timers.push(delay),
    },
  };
}

const unaligned = (id: number): CheckpointBarrier => new CheckpointBarrier(id, 1000, true);
const aligned = (id: number): CheckpointBarrier => new CheckpointBarrier(id, 1000);
const timeoutable = (id: number, timeout: number): CheckpointBarrier => new CheckpointBarrier(id, 1000, false, timeout);

/** Which of `n` channels the handler captures now. */
function captured(h: UnalignedBarrierHandler, n: number): number[] {
  return Array.from({ length: n }, (_, i) => i).filter((c) => h.captures(c));
}

describe('UnalignedBarrierHandler', () => {
  it('snapshots at the first barrier, blocks nothing, and captures each channel until its barrier', () => {
    const { log, actions } = recorder();
    const h = new UnalignedBarrierHandler(3, actions, () => 1000);
    assert.deepEqual(captured(h, 3), []);
    h.processBarrier(unaligned(1), 1);
    assert.deepEqual(log, ['snapshot 1 unaligned']);
    assert.equal(h.capturingCheckpointId, 1);
    // The channel whose barrier arrived carries post-checkpoint data: not captured.
    assert.deepEqual(captured(h, 3), [0, 2]);
    h.processBarrier(unaligned(1), 0);
    assert.deepEqual(captured(h, 3), [2]);
    h.processBarrier(unaligned(1), 2);
    assert.deepEqual(log, ['snapshot 1 unaligned', 'input complete 1']);
    assert.deepEqual(captured(h, 3), []);
    assert.equal(h.isAligning(), false);
    assert.ok(!log.some((l) => l.startsWith('block')));
  });

  it('completes the input side at once with a single channel', () => {
    const { log, actions } = recorder();
    const h = new UnalignedBarrierHandler(1, actions);
    h.processBarrier(unaligned(7), 0);
    assert.deepEqual(log, ['snapshot 7 unaligned', 'input complete 7']);
  });

  it('stops counting a channel that ends, also while capturing', () => {
    const { log, actions } = recorder();
    const h = new UnalignedBarrierHandler(3, actions);
    h.processBarrier(unaligned(1), 0);
    h.processEndOfPartition(2);
    assert.deepEqual(captured(h, 3), [1]);
    h.processBarrier(unaligned(1), 1);
    assert.deepEqual(log, ['snapshot 1 unaligned', 'input complete 1']);
    log.length = 0;
    h.processBarrier(unaligned(2), 1);
    h.processEndOfPartition(0);
    assert.deepEqual(log, ['snapshot 2 unaligned', 'input complete 2']);
  });

  it('abandons a capture when a newer checkpoint starts, and ignores stale and duplicate barriers', () => {
    const { log, actions } = recorder();
    const h = new UnalignedBarrierHandler(2, actions);
    h.processBarrier(unaligned(1), 0);
    h.processBarrier(unaligned(1), 0);
    h.processBarrier(unaligned(2), 1);
    assert.equal(log[1], 'abort 1: checkpoint 2 started before its barriers arrived on every input channel');
    assert.equal(log[2], 'snapshot 2 unaligned');
    assert.deepEqual(captured(h, 2), [0]);
    // Checkpoint 1's barrier still queued on channel 1 is stale now.
    h.processBarrier(unaligned(1), 1);
    assert.equal(log.length, 3);
    h.processBarrier(unaligned(2), 0);
    assert.equal(log.at(-1), 'input complete 2');
  });

  it('drops a capture when its checkpoint is cancelled, and ignores its later barriers', () => {
    const { log, actions } = recorder();
    const h = new UnalignedBarrierHandler(2, actions);
    h.processBarrier(unaligned(3), 0);
    h.processCancellation(3);
    assert.deepEqual(log, ['snapshot 3 unaligned', 'abort 3: checkpoint 3 was aborted']);
    assert.deepEqual(captured(h, 2), []);
    h.processBarrier(unaligned(3), 1);
    assert.equal(log.length, 2);
    h.processBarrier(unaligned(4), 1);
    assert.equal(log.at(-1), 'snapshot 4 unaligned');
  });

  it('aligns aligned barriers (savepoints): blocks, then snapshots when all arrived, captures nothing', () => {
    const { log, actions } = recorder();
    const h = new UnalignedBarrierHandler(2, actions);
    h.processBarrier(aligned(5), 1);
    assert.deepEqual(captured(h, 2), []);
    h.processBarrier(aligned(5), 0);
    assert.deepEqual(log, ['block 1', 'unblock', 'snapshot 5']);
  });

  it('turns an aligned checkpoint unaligned when its timeout passes (timer)', () => {
    const { log, timers, actions } = recorder();
    let now = 1010;
    const h = new UnalignedBarrierHandler(3, actions, () => now);
    h.processBarrier(timeoutable(1, 50), 0);
    assert.deepEqual(log, ['block 0']);
    assert.deepEqual(timers, [40]);
    now = 1030;
    h.checkAlignmentTimeout();
    assert.deepEqual(timers, [40, 20], 'too early: the timer is armed again');
    now = 1050;
    h.checkAlignmentTimeout();
    assert.deepEqual(log, ['block 0', 'unblock', 'snapshot 1 unaligned']);
    assert.equal(h.lastAlignmentDurationMs, 40);
    assert.deepEqual(captured(h, 3), [1, 2]);
    h.processBarrier(timeoutable(1, 50), 2);
    h.processBarrier(timeoutable(1, 50), 1);
    assert.equal(log.at(-1), 'input complete 1');
  });

  it('stays aligned when every barrier arrives before the timeout', () => {
    const { log, actions } = recorder();
    let now = 1000;
    const h = new UnalignedBarrierHandler(2, actions, () => now);
    h.processBarrier(timeoutable(1, 50), 0);
    now = 1020;
    h.processBarrier(timeoutable(1, 50), 1);
    h.checkAlignmentTimeout();
    assert.deepEqual(log, ['block 0', 'unblock', 'snapshot 1']);
  });

  it('starts unaligned when the first barrier arrives after the timeout already passed', () => {
    const { log, actions } = recorder();
    const h = new UnalignedBarrierHandler(2, actions, () => 2000);
    h.processBarrier(timeoutable(1, 50), 1);
    assert.deepEqual(log, ['snapshot 1 unaligned']);
    assert.deepEqual(captured(h, 2), [0]);
  });

  it('switches when a later barrier arrives past the timeout', () => {
    const { log, actions } = recorder();
    let now = 1000;
    const h = new UnalignedBarrierHandler(3, actions, () => now);
    h.processBarrier(timeoutable(1, 50), 0);
    now = 1100;
    h.processBarrier(timeoutable(1, 50), 1);
    assert.deepEqual(log, ['block 0', 'block 1', 'unblock', 'snapshot 1 unaligned']);
    assert.deepEqual(captured(h, 3), [2]);
  });
});
