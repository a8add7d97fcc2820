/*
 * Tests of LocalChannel: credit accounting in batches, events that need no credit, waking writers
 * when a batch is consumed or the channel is released, and consumer notification on the
 * empty -> non-empty transition only; barriers that overtake queued data (unaligned checkpoints);
 * queued records, utilization as the consumer finds it, level waiters, announced batch sizes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LocalChannel } from '../../../src/runtime/io/local-channel.ts';
import { RecordBatch } from '../../../src/runtime/io/record-batch.ts';
import { CheckpointBarrier, EndOfPartitionEvent, WatermarkStatus } from '../../../src/runtime/io/stream-events.ts';
import { Watermark } from '../../../src/api/common/watermark.ts';

function batch(...values: number[]): RecordBatch<number> {
  return new RecordBatch<number>(values);
}

/** Resolves to true when `promise` settles within a few turns of the event loop. */
async function settlesSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
  return settled;
}

describe('LocalChannel', () => {
  it('knows its producer and consumer subtasks and its capacity', () => {
    const c = new LocalChannel(3, 1, 2);
    assert.equal(c.capacity, 3);
    assert.equal(c.producerSubtask, 1);
    assert.equal(c.consumerSubtask, 2);
    assert.equal(c.bufferedBatches, 0);
    assert.equal(c.hasData(), false);
    assert.equal(c.poll(), undefined);
  });

  it('counts batches against its capacity and frees credit when a batch is consumed', () => {
    const c = new LocalChannel(2, 0, 0);
    assert.equal(c.isWritable(), true);
    c.push(batch(1));
    assert.equal(c.bufferedBatches, 1);
    assert.equal(c.isWritable(), true);
    c.push(batch(2, 3));
    assert.equal(c.bufferedBatches, 2);
    assert.equal(c.isWritable(), false);
    assert.equal(c.isOverCapacity(), false);
    // The writer may overshoot (a burst inside one step); the channel reports it.
    c.push(batch(4));
    assert.equal(c.isOverCapacity(), true);
    assert.deepEqual((c.poll() as RecordBatch<number>).values, [1]);
    assert.equal(c.isOverCapacity(), false);
    assert.equal(c.isWritable(), false);
    c.poll();
    assert.equal(c.isWritable(), true);
    assert.equal(c.bufferedBatches, 1);
  });

  it('queues events in order with batches without using credit', () => {
    const c = new LocalChannel(1, 0, 0);
    const wm = new Watermark(5);
    c.push(batch(1));
    c.push(wm);
    c.push(WatermarkStatus.IDLE);
    c.push(EndOfPartitionEvent.INSTANCE);
    assert.equal(c.bufferedBatches, 1);
    assert.equal(c.isOverCapacity(), false);
    const items = [c.poll(), c.poll(), c.poll(), c.poll()];
    assert.ok(items[0] instanceof RecordBatch);
    assert.equal(items[1], wm);
    assert.equal(items[2], WatermarkStatus.IDLE);
    assert.equal(items[3], EndOfPartitionEvent.INSTANCE);
    assert.equal(c.bufferedBatches, 0);
    assert.equal(c.hasData(), false);
  });

  it('an event pushed into a full channel is accepted and does not wake writers when polled', async () => {
    const c = new LocalChannel(1, 0, 0);
    c.push(new Watermark(1));
    c.push(batch(1));
    const writable = c.whenWritable();
    c.poll(); // the watermark: no credit returns
    assert.equal(await settlesSoon(writable), false);
    c.poll(); // the batch
    assert.equal(await settlesSoon(writable), true);
  });

  it('counts records and batches that went through', () => {
    const c = new LocalChannel(4, 0, 0);
    c.push(batch(1, 2, 3));
    c.push(new Watermark(1));
    c.push(batch(4));
    assert.equal(c.batchesTransferred, 2);
    assert.equal(c.recordsTransferred, 4);
  });

  it('whenWritable resolves at once with credit and otherwise once a batch is consumed', async () => {
    const c = new LocalChannel(1, 0, 0);
    assert.equal(await settlesSoon(c.whenWritable()), true);
    c.push(batch(1));
    c.push(batch(2));
    const first = c.whenWritable();
    const second = c.whenWritable();
    assert.equal(await settlesSoon(first), false);
    c.poll(); // still at capacity (1 buffered, capacity 1): nobody may write yet
    assert.equal(await settlesSoon(first), false);
    c.poll();
    assert.equal(await settlesSoon(first), true);
    assert.equal(await settlesSoon(second), true);
  });

  it('release drops what is queued, returns the credit and wakes waiting writers', async () => {
    const c = new LocalChannel(1, 0, 0);
    c.push(batch(1));
    c.push(new Watermark(3));
    const waiting = c.whenWritable();
    c.release();
    assert.equal(await settlesSoon(waiting), true);
    assert.equal(c.hasData(), false);
    assert.equal(c.bufferedBatches, 0);
    assert.equal(c.isWritable(), true);
    assert.equal(c.poll(), undefined);
  });

  it('notifies its consumer only when it goes from empty to non-empty', () => {
    const c = new LocalChannel(8, 0, 0);
    let notified = 0;
    c.setConsumer({ notifyDataAvailable: () => notified++ });
    c.push(batch(1));
    assert.equal(notified, 1);
    c.push(batch(2));
    c.push(new Watermark(1));
    assert.equal(notified, 1);
    c.poll();
    c.push(batch(3));
    assert.equal(notified, 1, 'still non-empty: no new notification');
    c.poll();
    c.poll();
    c.poll();
    assert.equal(c.hasData(), false);
    c.push(EndOfPartitionEvent.INSTANCE);
    assert.equal(notified, 2, 'an event into an empty channel notifies too');
  });

  it('accepts pushes before a consumer is set', () => {
    const c = new LocalChannel(2, 0, 0);
    c.push(batch(1));
    let notified = 0;
    c.setConsumer({ notifyDataAvailable: () => notified++ });
    assert.equal(notified, 0);
    assert.equal(c.hasData(), true);
  });
});

describe('LocalChannel priority barriers (unaligned checkpoints)', () => {
  it('puts a barrier ahead of the queued items and hands back the overtaken data', () => {
    const channel = new LocalChannel(4, 0, 0);
    const first = new RecordBatch([1]);
    const mark = new Watermark(5);
    channel.push(first);
    channel.push(mark);
    const barrier = new CheckpointBarrier(1, 0, true);
    assert.deepEqual(channel.pushPriority(barrier), [first, mark]);
    assert.equal(channel.poll(), barrier);
    assert.equal(channel.poll(), first);
    assert.equal(channel.bufferedBatches, 0);
  });

  it('reports a watched barrier when polled, or moves it to the head when overtaken', () => {
    const channel = new LocalChannel(4, 0, 0);
    const barrier = new CheckpointBarrier(2, 0, false, 10);
    let polled = 0;
    channel.push(new RecordBatch([1]));
    channel.push(barrier);
    channel.push(new RecordBatch([2]));
    channel.watchBarrier(barrier, () => polled++);
    const unaligned = barrier.asUnaligned();
    const overtaken = channel.overtakeWatchedBarrier(unaligned)!;
    assert.deepEqual(overtaken.map((b) => (b as RecordBatch).values), [[1]]);
    assert.equal(channel.poll(), unaligned);
    assert.deepEqual((channel.poll() as RecordBatch).values, [1]);
    assert.deepEqual((channel.poll() as RecordBatch).values, [2]);
    assert.equal(polled, 0);

    const other = new CheckpointBarrier(3, 0, false, 10);
    channel.push(other);
    channel.watchBarrier(other, () => polled++);
    channel.poll();
    assert.equal(polled, 1);
    assert.equal(channel.overtakeWatchedBarrier(other.asUnaligned()), null);
  });

  it('counts queued records and its utilization, capped at 1 when a writer overshoots', () => {
    const c = new LocalChannel(4, 0, 0);
    assert.equal(c.utilization, 0);
    c.push(batch(1, 2, 3));
    c.push(new Watermark(5));
    c.push(batch(4));
    assert.equal(c.bufferedRecords, 4);
    assert.equal(c.utilization, 0.5);
    for (let i = 0; i < 4; i++) c.push(batch(i));
    assert.equal(c.utilization, 1);
    c.poll();
    assert.equal(c.bufferedRecords, 5);
    c.release();
    assert.equal(c.bufferedRecords, 0);
  });

  it('sums the queue level the consumer finds when it turns to the channel after a write', () => {
    const c = new LocalChannel(4, 0, 0);
    for (let i = 0; i < 3; i++) c.push(batch(i));
    c.poll();
    c.poll(); // the same visit: no write in between
    c.push(batch(3));
    c.push(WatermarkStatus.IDLE);
    c.poll();
    c.poll();
    c.poll(); // the status: not a batch
    assert.equal(c.consumerArrivals, 2);
    assert.equal(c.queuedAtArrival, 3 + 2);
  });

  it('wakes a waiter once the queue is down to its level, and every waiter on release', async () => {
    const c = new LocalChannel(4, 0, 0);
    for (let i = 0; i < 4; i++) c.push(batch(i));
    const atTwo = c.whenBufferedAtMost(2);
    const writable = c.whenWritable();
    c.poll();
    assert.equal(await settlesSoon(writable), true);
    assert.equal(await settlesSoon(atTwo), false);
    c.poll();
    assert.equal(await settlesSoon(atTwo), true);
    assert.equal(await settlesSoon(c.whenBufferedAtMost(2)), true, 'already at the level');
    const never = c.whenBufferedAtMost(0);
    c.release();
    assert.equal(await settlesSoon(never), true);
  });

  it('keeps the batch size its consumer announces, at least one record', () => {
    const c = new LocalChannel(2, 0, 0);
    assert.equal(c.announcedBatchSize, Number.POSITIVE_INFINITY);
    c.announceBatchSize(37.8);
    assert.equal(c.announcedBatchSize, 37);
    c.announceBatchSize(0);
    assert.equal(c.announcedBatchSize, 1);
  });

  it('serializes nothing, so it has no bytes to report', () => {
    const c = new LocalChannel(2, 0, 0);
    c.push(batch(1, 2));
    assert.equal(c.bytesTransferred, null);
  });
});
