/*
 * Tests of the frame format through SpanningRecordSerializer and SpillingRecordDeserializer:
 * records with and without timestamps and events come back in order; records larger than a buffer
 * and length headers split between buffers are reassembled; a writer without buffers keeps its
 * frames pending in order; frame counts per buffer are exact; any TypeSerializer can replace the
 * default.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Watermark } from '../../../../src/api/common/watermark.ts';
import { CheckpointBarrier, EndOfPartitionEvent, WatermarkStatus, type ChannelItem } from '../../../../src/runtime/io/stream-events.ts';
import type { NetworkBuffer } from '../../../../src/runtime/network/buffer/network-buffer.ts';
import { SpanningRecordSerializer } from '../../../../src/runtime/network/serialization/spanning-record-serializer.ts';
import { SpillingRecordDeserializer } from '../../../../src/runtime/network/serialization/spilling-record-deserializer.ts';
import { MsgpackRecordSerializer, RawBytesRecordSerializer, type ChannelRecordSerializer } from '../../../../src/runtime/network/serialization/record-serializers.ts';
import { Types } from '../../../../src/runtime/serialization/types.ts';
import { batchOf, flatten, networkSide } from '../helpers.ts';

function roundTrip<T>(items: readonly ChannelItem[], options: { segmentSize?: number; serializer?: () => ChannelRecordSerializer<T> } = {}) {
  const side = networkSide(4096, options.segmentSize ?? 256);
  const pool = side.network.createBufferPool(1, 4096, 'p');
  const buffers: NetworkBuffer[] = [];
  const make = options.serializer ?? (() => new MsgpackRecordSerializer<T>());
  const writer = new SpanningRecordSerializer<T>(make(), pool, (b) => buffers.push(b));
  for (const item of items) {
    if (item instanceof Object && 'values' in item) writer.writeBatch(item as never);
    else writer.writeEvent(item as never);
  }
  writer.flush();
  const reader = new SpillingRecordDeserializer<T>(make());
  const out: ChannelItem[] = [];
  let frames = 0;
  for (const buffer of buffers) {
    frames += buffer.frames;
    reader.setNextBuffer(buffer);
    for (let item = reader.next(); item !== null; item = reader.next()) out.push(item);
  }
  assert.equal(reader.hasPartialFrame, false);
  assert.equal(side.memory.getStatistics().allocatedSegments, 1, 'every buffer was recycled once read (the pool keeps its minimum)');
  return { out, buffers: buffers.length, frames };
}

describe('record framing', () => {
  it('keeps records, timestamps and every kind of event in order', () => {
    const items: ChannelItem[] = [
      batchOf([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]),
      new Watermark(10),
      batchOf([{ id: 3, name: 'c' }], [15]),
      WatermarkStatus.IDLE,
      WatermarkStatus.ACTIVE,
      new CheckpointBarrier(7, 1_700_000_000_000),
      batchOf([{ id: 4, nested: { list: [1, 2, 3], when: new Date(5) } }], [Number.NEGATIVE_INFINITY]),
      Watermark.MAX_WATERMARK,
      EndOfPartitionEvent.INSTANCE,
    ];
    const { out, frames } = roundTrip(items);
    assert.deepEqual(flatten(out), flatten(items));
    assert.equal(frames, 10, '4 records and 6 events');
    assert.equal(out.at(-1), EndOfPartitionEvent.INSTANCE);
    assert.equal(out.at(-2), Watermark.MAX_WATERMARK);
  });

  it('reassembles records much larger than a buffer and headers split between buffers', () => {
    const values: Uint8Array[] = [];
    let seed = 7;
    for (let i = 0; i < 400; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const size = i % 50 === 0 ? 5000 + (seed % 3000) : 1 + (seed % 300);
      values.push(Uint8Array.from({ length: size }, (_, j) => (i + j) % 256));
    }
    const items: ChannelItem[] = [];
    for (let i = 0; i < values.length; i += 40) items.push(batchOf(values.slice(i, i + 40)), new Watermark(i));
    const { out, buffers } = roundTrip<Uint8Array>(items, { segmentSize: 128, serializer: () => new RawBytesRecordSerializer() });
    assert.ok(buffers > 300);
    assert.deepEqual(flatten(out), flatten(items));
  });

  it('holds frames pending when the pool is empty and writes them in order once buffers return', () => {
    const side = networkSide(3, 128);
    const pool = side.network.createBufferPool(2, 2, 'p');
    const sent: NetworkBuffer[] = [];
    const writer = new SpanningRecordSerializer<string>(new MsgpackRecordSerializer(), pool, (b) => sent.push(b));
    const words = Array.from({ length: 40 }, (_, i) => `word-${i}-${'x'.repeat(i)}`);
    writer.writeBatch(batchOf(words));
    writer.writeEvent(new Watermark(99));
    assert.equal(writer.hasPending, true);
    assert.equal(sent.length, 2);
    const reader = new SpillingRecordDeserializer<string>(new MsgpackRecordSerializer());
    const out: ChannelItem[] = [];
    while (sent.length > 0) {
      reader.setNextBuffer(sent.shift()!);
      for (let item = reader.next(); item !== null; item = reader.next()) out.push(item);
      writer.continueWriting();
    }
    assert.equal(writer.hasPending, false);
    assert.deepEqual(flatten(out), flatten([batchOf(words), new Watermark(99)]));
  });

  it('uses a serializer the stream sets instead of the default', () => {
    const items = [batchOf(['to', 'be', 'or', 'not'], [1, 2, 3, 4])];
    const { out } = roundTrip<string>(items, { serializer: () => Types.STRING });
    assert.deepEqual(flatten(out), flatten(items));
  });

  it('describes a record shape once per channel (sequential record structures)', () => {
    const first = new MsgpackRecordSerializer<object>();
    const a = first.serialize({ customer: 'c-1', amount: 10 }).length;
    const b = first.serialize({ customer: 'c-2', amount: 11 }).length;
    assert.ok(b < a, `second record (${b} bytes) is smaller than the first (${a} bytes)`);
  });
});
