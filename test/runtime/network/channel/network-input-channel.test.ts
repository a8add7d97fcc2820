/*
 * NetworkInputChannel's two ways of reading, over a loopback that copies each sent buffer into a
 * credited receive buffer: pollSerialized leaves the records in the buffer (a SerializedRecordBatch
 * valid until the next poll, which recycles the buffer and so returns its credit), poll() gives a
 * RecordBatch and, when the serializer copies, returns the credit at once; both count records and
 * keep events in their place.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Watermark } from '../../../../src/api/common/watermark.ts';
import { RecordBatch } from '../../../../src/runtime/io/record-batch.ts';
import type { BufferSender } from '../../../../src/runtime/network/channel/network-output-channel.ts';
import { SerializedRecordBatch } from '../../../../src/runtime/network/serialization/serialized-record-batch.ts';
import { RawBytesRecordSerializer } from '../../../../src/runtime/network/serialization/record-serializers.ts';
import { batchOf, channelEnds, type ChannelEnds } from '../helpers.ts';

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
  const credit = ends.input.connect({ peer: 'loopback', announceCredit: (c) => ends.output.addCredits(c), cancel: () => ends.output.release() });
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
});
