/*
 * NetworkInputChannel's two ways of reading, over a loopback that copies each sent buffer into a
 * credited receive buffer: pollSerialized leaves the records in the buffer (a SerializedRecordBatch
 * valid until the next poll, which recycles the buffer and so returns its credit), poll() gives a
 * RecordBatch and, when the serializer copies, returns the credit at once; both count records and
 * keep events in their place. Buffer debloating: the announced buffer size (in bytes, or in
 * records converted with the measured bytes per frame) reaches the output channel, which cuts its
 * buffers there, records spanning the cut, between the minimum and the segment size.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Watermark } from '../../../../src/api/common/watermark.ts';
import { RecordBatch } from '../../../../src/runtime/io/record-batch.ts';
import type { BufferSender } from '../../../../src/runtime/network/channel/network-output-channel.ts';
import { SerializedRecordBatch } from '../../../../src/runtime/network/serialization/serialized-record-batch.ts';
import { RawBytesRecordSerializer } from '../../../../src/runtime/network/serialization/record-serializers.ts';
import { MIN_BUFFER_SIZE } from '../../../../src/runtime/network/channel/network-output-channel.ts';
import { batchOf, channelEnds, drain, flatten, type ChannelEnds } from '../helpers.ts';

/** Connects the two ends directly: a sent buffer is copied into a buffer the receiver credited. */
function loopback<T>(ends: ChannelEnds<T>): void {
  const sender: BufferSender = {
    peer: 'loopback',
    sendBuffer(buffer, sequenceNumber, backlog) {
      const target = ends.input.requestBuffer()!;
      target.segment.bytes.set(buffer.readable());
      target.size = buffer.size;
      target.frames = buffer.frames;
      buffer.recycle();
      ends.input.onBuffer(target, sequenceNumber, backlog);
    },
  };
  const credit = ends.input.connect({
    peer: 'loopback',
    announceCredit: (c) => ends.output.addCredits(c),
    announceBufferSize: (bytes) => ends.output.onNewBufferSize(bytes),
    cancel: () => ends.output.release(),
  });
  ends.output.connect(sender, credit);
}

const record = (fill: number): Uint8Array => new Uint8Array(20).fill(fill);

describe('NetworkInputChannel', () => {
  it('leaves records in the buffer with pollSerialized and returns its credit on the next poll', () => {
    const ends = channelEnds<Uint8Array>({ serializer: () => new RawBytesRecordSerializer(), floatingBuffers: 0 });
    loopback(ends);
    assert.equal(ends.output.availableCredits, 2);
    ends.output.push(batchOf([record(1), record(2), record(3)]));
    ends.output.push(new Watermark(5));
    assert.equal(ends.output.availableCredits, 1, 'the event ended the buffer, which was sent');
    const batch = ends.input.pollSerialized();
    assert.ok(batch instanceof SerializedRecordBatch);
    assert.equal(batch.length, 3);
    assert.deepEqual([0, 1, 2].map((i) => batch.bytes[batch.start(i)]), [1, 2, 3]);
    assert.equal(ends.input.recordsIn, 3);
    assert.equal(ends.input.hasData(), true, 'the watermark is still unread');
    const watermark = ends.input.pollSerialized();
    assert.ok(watermark instanceof Watermark);
    assert.equal(ends.output.availableCredits, 2, 'the buffer went back once the batch was done');
    assert.equal(ends.input.pollSerialized(), undefined);
    assert.equal(ends.input.hasData(), false);
  });

  it('returns the credit at once from poll() when the serializer copies the records out', () => {
    const ends = channelEnds<Uint8Array>({ serializer: () => new RawBytesRecordSerializer(), floatingBuffers: 0 });
    loopback(ends);
    ends.output.push(batchOf([record(7), record(8)], [10, 11]));
    ends.output.flush();
    assert.equal(ends.output.availableCredits, 1);
    const batch = ends.input.poll();
    assert.ok(batch instanceof RecordBatch);
    assert.deepEqual((batch.values as Uint8Array[]).map((v) => v[0]), [7, 8]);
    assert.deepEqual(batch.timestamps, [10, 11]);
    assert.equal(ends.output.availableCredits, 2, 'credit back before the next poll');
    assert.equal(ends.input.poll(), undefined);
  });

  it('holds the buffer until the next poll when poll() gives views into it', () => {
    const ends = channelEnds<Uint8Array>({ serializer: () => new RawBytesRecordSerializer({ readInPlace: true }), floatingBuffers: 0 });
    loopback(ends);
    ends.output.push(batchOf([record(4)]));
    ends.output.flush();
    const batch = ends.input.poll() as RecordBatch<Uint8Array>;
    assert.equal(batch.values[0]![0], 4);
    assert.equal(ends.output.availableCredits, 1, 'the view still points into the buffer');
    assert.equal(ends.input.poll(), undefined);
    assert.equal(ends.output.availableCredits, 2);
  });

  it('cuts buffers at the announced size, records spanning the cut, and converts records per buffer to bytes', () => {
    const ends = channelEnds<Uint8Array>({ serializer: () => new RawBytesRecordSerializer(), floatingBuffers: 0 });
    const sizes: number[] = [];
    const onBuffer = ends.input.onBuffer.bind(ends.input);
    ends.input.onBuffer = (buffer, sequenceNumber, backlog) => (sizes.push(buffer.size), onBuffer(buffer, sequenceNumber, backlog));
    loopback(ends);
    // 40 records of 20 bytes (25 bytes a frame) and a watermark (13 bytes): 1013 bytes, one buffer.
    const values = Array.from({ length: 40 }, (_, i) => record(i));
    const received: ReturnType<typeof drain> = [];
    const send = (): void => {
      ends.output.push(batchOf(values));
      ends.output.push(new Watermark(1));
      received.push(...drain(ends.input));
    };
    send();
    assert.deepEqual(sizes, [1013]);
    assert.equal(ends.output.bufferSize, Number.POSITIVE_INFINITY);

    // Records per buffer become bytes at the bytes per frame measured (1013 over 41 frames).
    assert.equal(ends.input.framesIn, 41);
    ends.input.announceBatchSize(12);
    assert.equal(ends.input.bufferSize, Math.ceil(12 * (1013 / 41)));
    assert.equal(ends.output.bufferSize, Math.ceil(12 * (1013 / 41)));
    ends.input.announceBufferSize(300);
    assert.equal(ends.output.bufferSize, 300);
    sizes.length = 0;
    send();
    assert.deepEqual(sizes, [300, 300, 300, 113], '1013 bytes cut at 300, frames spanning the cuts');
    assert.equal(ends.output.availableCredits, 2, 'one credit per buffer, all back');

    ends.input.announceBufferSize(10);
    assert.equal(ends.output.bufferSize, MIN_BUFFER_SIZE, 'not below the minimum');
    ends.input.announceBufferSize(1 << 20);
    assert.equal(ends.input.bufferSize, 1024, 'not above the segment');
    sizes.length = 0;
    send();
    assert.deepEqual(sizes, [1013]);
    assert.deepEqual(flatten(received), flatten([batchOf(values), new Watermark(1), batchOf(values), new Watermark(1), batchOf(values), new Watermark(1)]));
    assert.equal(ends.input.buffersIn, ends.output.buffersOut);
    assert.equal(ends.input.creditState().totalConsumed, ends.output.buffersOut);
  });

  it('ends a buffer filled past a size announced while it was being written at the next write', () => {
    const ends = channelEnds<Uint8Array>({ serializer: () => new RawBytesRecordSerializer(), floatingBuffers: 0 });
    const sizes: number[] = [];
    const onBuffer = ends.input.onBuffer.bind(ends.input);
    ends.input.onBuffer = (buffer, sequenceNumber, backlog) => (sizes.push(buffer.size), onBuffer(buffer, sequenceNumber, backlog));
    loopback(ends);
    ends.output.push(batchOf(Array.from({ length: 16 }, (_, i) => record(i)))); // 400 bytes, not sent
    assert.deepEqual(sizes, []);
    ends.output.onNewBufferSize(256);
    ends.output.push(batchOf([record(99)]));
    ends.output.flush();
    assert.deepEqual(sizes, [400, 25]);
    const items = drain(ends.input);
    assert.deepEqual(flatten(items), flatten([batchOf(Array.from({ length: 16 }, (_, i) => record(i))), batchOf([record(99)])]));
  });
});
