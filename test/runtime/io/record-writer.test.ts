/*
 * Tests of RecordWriter: records partitioned into one batch per channel, flushed at the batch
 * size, broadcast to every channel, events that flush pending batches first and keep their order,
 * the overflow handler called when a channel goes over its credit, buffer usage, and batches cut
 * at the size a consumer announced (buffer debloating).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LocalChannel } from '../../../src/runtime/io/local-channel.ts';
import { RecordBatch } from '../../../src/runtime/io/record-batch.ts';
import { RecordWriter, type OverflowHandler } from '../../../src/runtime/io/record-writer.ts';
import { EndOfPartitionEvent } from '../../../src/runtime/io/stream-events.ts';
import type { ChannelItem } from '../../../src/runtime/io/stream-events.ts';
import { BroadcastPartitioner } from '../../../src/runtime/partitioner/broadcast-partitioner.ts';
import { CustomPartitionerWrapper } from '../../../src/runtime/partitioner/custom-partitioner-wrapper.ts';
import { ForwardPartitioner } from '../../../src/runtime/partitioner/forward-partitioner.ts';
import { Watermark, NO_TIMESTAMP } from '../../../src/api/common/watermark.ts';

const noOverflow: OverflowHandler = { onChannelOverflow: () => assert.fail('unexpected overflow') };

function channels(n: number, capacity = 100): LocalChannel[] {
  return Array.from({ length: n }, (_, i) => new LocalChannel(capacity, 0, i));
}

/** Everything queued in a channel, batches as their value arrays. */
function drain(channel: LocalChannel): unknown[] {
  const out: unknown[] = [];
  let item: ChannelItem | undefined;
  while ((item = channel.poll()) !== undefined) out.push(item instanceof RecordBatch ? [...item.values] : item);
  return out;
}

/** Sends a number to the channel with its value modulo the channel count. */
function moduloPartitioner(): CustomPartitionerWrapper<number, number> {
  return new CustomPartitionerWrapper<number, number>((key, n) => key % n, (v) => v);
}

describe('RecordWriter', () => {
  it('partitions records into one batch per channel and flushes a batch when it is full', () => {
    const chs = channels(3);
    const w = new RecordWriter<number>(chs, moduloPartitioner(), 2, noOverflow);
    for (const v of [0, 1, 2, 3]) w.emit(v, NO_TIMESTAMP);
    // Channel 0 got 0 and 3: a full batch of two; channels 1 and 2 hold one pending record each.
    assert.deepEqual(drain(chs[0]!), [[0, 3]]);
    assert.equal(chs[1]!.hasData(), false);
    assert.equal(chs[2]!.hasData(), false);
    assert.equal(w.hasPendingRecords(), true);
    assert.equal(w.recordsOut, 4);
    w.flushAll();
    assert.deepEqual(drain(chs[1]!), [[1]]);
    assert.deepEqual(drain(chs[2]!), [[2]]);
    assert.equal(w.hasPendingRecords(), false);
  });

  it('flushChannel sends only that channel and ignores an empty builder', () => {
    const chs = channels(2);
    const w = new RecordWriter<number>(chs, moduloPartitioner(), 10, noOverflow);
    w.emit(0, NO_TIMESTAMP);
    w.emit(1, NO_TIMESTAMP);
    w.flushChannel(1);
    assert.equal(chs[0]!.hasData(), false);
    assert.deepEqual(drain(chs[1]!), [[1]]);
    w.flushChannel(1);
    assert.equal(chs[1]!.hasData(), false, 'no empty batch is sent');
  });

  it('keeps timestamps with the records of a batch', () => {
    const chs = channels(1);
    const w = new RecordWriter<string>(chs, new ForwardPartitioner<string>(), 3, noOverflow);
    w.emit('a', 10);
    w.emit('b', NO_TIMESTAMP);
    w.emit('c', 30);
    const b = chs[0]!.poll() as RecordBatch<string>;
    assert.deepEqual(b.values, ['a', 'b', 'c']);
    assert.deepEqual(b.timestamps, [10, NO_TIMESTAMP, 30]);
  });

  it('uses the single channel without asking the partitioner', () => {
    const chs = channels(1);
    const partitioner = new CustomPartitionerWrapper<number, number>(() => assert.fail('partitioner called'), (v) => v);
    const w = new RecordWriter<number>(chs, partitioner, 1, noOverflow);
    w.emit(5, NO_TIMESTAMP);
    assert.deepEqual(drain(chs[0]!), [[5]]);
  });

  it('broadcasts every record to every channel, counting it once', () => {
    const chs = channels(3);
    const w = new RecordWriter<number>(chs, new BroadcastPartitioner<number>(), 2, noOverflow);
    w.emit(1, NO_TIMESTAMP);
    w.emit(2, 7);
    for (const c of chs) {
      const b = c.poll() as RecordBatch<number>;
      assert.deepEqual(b.values, [1, 2]);
      assert.deepEqual(b.timestamps, [NO_TIMESTAMP, 7]);
    }
    assert.equal(w.recordsOut, 2);
  });

  it('broadcastEvent flushes pending batches first, so records and events keep their order', () => {
    const chs = channels(2);
    const w = new RecordWriter<number>(chs, moduloPartitioner(), 100, noOverflow);
    const wm = new Watermark(10);
    w.emit(0, NO_TIMESTAMP);
    w.emit(1, NO_TIMESTAMP);
    w.emit(2, NO_TIMESTAMP);
    w.broadcastEvent(wm);
    w.emit(4, NO_TIMESTAMP);
    w.broadcastEvent(EndOfPartitionEvent.INSTANCE);
    assert.deepEqual(drain(chs[0]!), [[0, 2], wm, [4], EndOfPartitionEvent.INSTANCE]);
    assert.deepEqual(drain(chs[1]!), [[1], wm, EndOfPartitionEvent.INSTANCE]);
  });

  it('calls the overflow handler when a flush puts a channel over its credit', () => {
    const chs = channels(2, 1);
    const overflows: [unknown, number][] = [];
    const w = new RecordWriter<number>(chs, moduloPartitioner(), 1, { onChannelOverflow: (c, i) => overflows.push([c, i]) });
    w.emit(0, NO_TIMESTAMP); // channel 0 at capacity, not over
    assert.deepEqual(overflows, []);
    assert.equal(w.isAvailable(), false);
    w.emit(2, NO_TIMESTAMP); // channel 0 over capacity
    assert.deepEqual(overflows, [[chs[0], 0]]);
    w.emit(1, NO_TIMESTAMP);
    assert.deepEqual(overflows, [[chs[0], 0]]);
  });

  it('lets the overflow handler drain the channel before the next record', () => {
    const chs = channels(1, 1);
    const consumed: unknown[] = [];
    const w = new RecordWriter<number>(chs, new ForwardPartitioner<number>(), 1, {
      onChannelOverflow: (c) => {
        while (c.isOverCapacity()) consumed.push(...(chs[0]!.poll() as RecordBatch<number>).values);
      },
    });
    for (let i = 0; i < 5; i++) w.emit(i, NO_TIMESTAMP);
    assert.deepEqual(consumed, [0, 1, 2, 3]);
    assert.equal(chs[0]!.bufferedBatches, 1);
  });

  it('is available while every channel has credit and whenAvailable waits for all of them', async () => {
    const chs = channels(2, 1);
    const w = new RecordWriter<number>(chs, moduloPartitioner(), 1, { onChannelOverflow: () => {} });
    assert.equal(w.isAvailable(), true);
    w.emit(0, NO_TIMESTAMP);
    w.emit(1, NO_TIMESTAMP);
    assert.equal(w.isAvailable(), false);
    let resolved = false;
    const available = w.whenAvailable().then(() => (resolved = true));
    chs[0]!.poll();
    await new Promise<void>((r) => setImmediate(r));
    assert.equal(resolved, false, 'channel 1 is still full');
    chs[1]!.poll();
    await available;
    assert.equal(w.isAvailable(), true);
  });

  it('reports buffer usage over all channels, capped at each channel capacity', () => {
    const chs = channels(2, 2);
    const w = new RecordWriter<number>(chs, moduloPartitioner(), 1, { onChannelOverflow: () => {} });
    assert.equal(w.bufferUsage(), 0);
    w.emit(0, NO_TIMESTAMP);
    assert.equal(w.bufferUsage(), 1 / 4);
    w.emit(2, NO_TIMESTAMP);
    w.emit(4, NO_TIMESTAMP); // channel 0 over capacity: counted as full, not more
    assert.equal(w.bufferUsage(), 2 / 4);
    w.emit(1, NO_TIMESTAMP);
    assert.equal(w.bufferUsage(), 3 / 4);
  });

  it('sets up its partitioner with the channel count', () => {
    const chs = channels(4);
    const seen: number[] = [];
    const w = new RecordWriter<number>(chs, new CustomPartitionerWrapper<number, number>((_k, n) => (seen.push(n), 0), (v) => v), 1, noOverflow);
    w.emit(1, NO_TIMESTAMP);
    assert.deepEqual(seen, [4]);
  });

  it('cuts the batches of a channel at the size its consumer announced, from its next batch on', () => {
    const chs = channels(2);
    const w = new RecordWriter<number>(chs, moduloPartitioner(), 4, noOverflow);
    w.emit(0, NO_TIMESTAMP);
    chs[0]!.announceBatchSize(2);
    // The batch being filled keeps the size it started with.
    for (const v of [2, 4, 6]) w.emit(v, NO_TIMESTAMP);
    assert.deepEqual(drain(chs[0]!), [[0, 2, 4, 6]]);
    assert.equal(w.batchSizeOf(0), 2);
    for (const v of [8, 10, 12, 14, 16]) w.emit(v, NO_TIMESTAMP);
    assert.deepEqual(drain(chs[0]!), [[8, 10], [12, 14]]);
    // The other channel keeps the configured size; an announcement above it does not raise it.
    chs[1]!.announceBatchSize(100);
    for (const v of [1, 3, 5, 7, 9, 11, 13, 15, 17]) w.emit(v, NO_TIMESTAMP);
    assert.deepEqual(drain(chs[1]!), [[1, 3, 5, 7], [9, 11, 13, 15]]);
    assert.equal(w.batchSizeOf(1), 4);
    w.flushAll();
    assert.deepEqual(drain(chs[0]!), [[16]]);
    assert.deepEqual(drain(chs[1]!), [[17]]);
  });
});
