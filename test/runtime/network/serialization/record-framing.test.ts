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
import { CheckpointBarrier, EndOfDataEvent, EndOfPartitionEvent, WatermarkStatus, type ChannelItem } from '../../../../src/runtime/io/stream-events.ts';
import type { NetworkBuffer } from '../../../../src/runtime/network/buffer/network-buffer.ts';
import { SpanningRecordSerializer } from '../../../../src/runtime/network/serialization/spanning-record-serializer.ts';
import { SpillingRecordDeserializer } from '../../../../src/runtime/network/serialization/spilling-record-deserializer.ts';
import { SerializedRecordBatch } from '../../../../src/runtime/network/serialization/serialized-record-batch.ts';
import { MsgpackRecordSerializer, RawBytesRecordSerializer, type ChannelRecordSerializer } from '../../../../src/runtime/network/serialization/record-serializers.ts';
import { Types } from '../../../../src/runtime/serialization/types.ts';
import { batchOf, flatten, networkSide } from '../helpers.ts';

/** What the reader has for the buffer set last, batches deserialized (before the next call recycles their buffer). */
function readAll<T>(reader: SpillingRecordDeserializer<T>): ChannelItem[] {
  const out: ChannelItem[] = [];
  for (let item = reader.next(); item !== null; item = reader.next()) out.push(item instanceof SerializedRecordBatch ? item.toRecordBatch() : item);
  return out;
}

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
    out.push(...readAll(reader));
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
      new CheckpointBarrier(8, 1_700_000_000_500, true),
      new CheckpointBarrier(9, 1_700_000_001_000, false, 250),
      batchOf([{ id: 4, nested: { list: [1, 2, 3], when: new Date(5) } }], [Number.NEGATIVE_INFINITY]),
      Watermark.MAX_WATERMARK,
      EndOfDataEvent.INSTANCE,
      EndOfPartitionEvent.INSTANCE,
    ];
    const { out, frames } = roundTrip(items);
    assert.deepEqual(flatten(out), flatten(items));
    assert.equal(frames, 13, '4 records and 9 events');
    const barriers = out.filter((i): i is CheckpointBarrier => i instanceof CheckpointBarrier);
    assert.deepEqual(
      barriers.map((b) => [b.checkpointId, b.unaligned, b.alignedTimeoutMs]),
      [[7, false, -1], [8, true, -1], [9, false, 250]],
      'unaligned barriers and the aligned-checkpoint timeout cross the network',
    );
    assert.equal(out.at(-1), EndOfPartitionEvent.INSTANCE);
    assert.equal(out.at(-2), EndOfDataEvent.INSTANCE);
    assert.equal(out.at(-3), Watermark.MAX_WATERMARK);
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
      out.push(...readAll(reader));
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

describe('reading records in place', () => {
  function written(segmentSize: number, values: Uint8Array[]) {
    const side = networkSide(64, segmentSize);
    const pool = side.network.createBufferPool(1, 64, 'p');
    const buffers: NetworkBuffer[] = [];
    const writer = new SpanningRecordSerializer<Uint8Array>(new RawBytesRecordSerializer(), pool, (b) => buffers.push(b));
    writer.writeBatch(batchOf(values));
    writer.flush();
    return { buffers };
  }

  it('keeps a buffer until the batch read from it is done (the next call), then recycles it', () => {
    const values = Array.from({ length: 5 }, (_, i) => new Uint8Array(40).fill(i + 1)); // one buffer of 256 bytes
    const { buffers } = written(256, values);
    const reader = new SpillingRecordDeserializer<Uint8Array>(new RawBytesRecordSerializer({ readInPlace: true }));
    reader.setNextBuffer(buffers[0]!);
    const batch = (reader.next() as SerializedRecordBatch<Uint8Array>).toRecordBatch();
    assert.equal(batch.values.length, 5);
    assert.equal(batch.values[0]!.buffer, buffers[0]!.segment.bytes.buffer, 'the record is a view into the network buffer');
    assert.deepEqual([...batch.values[0]!], [...values[0]!]);
    assert.equal(buffers[0]!.isRecycled, false, 'held while the batch may still be read');
    assert.equal(reader.next(), null);
    assert.equal(buffers[0]!.isRecycled, true, 'recycled on the next call');
  });

  it('recycles at once a buffer that gave no records to the caller, and on release', () => {
    const big = new Uint8Array(700).fill(9);
    const { buffers } = written(256, [big, new Uint8Array(10).fill(3)]);
    const reader = new SpillingRecordDeserializer<Uint8Array>(new RawBytesRecordSerializer({ readInPlace: true }));
    const out: Uint8Array[] = [];
    for (const buffer of buffers) {
      reader.setNextBuffer(buffer);
      for (let item = reader.next(); item !== null; item = reader.next()) out.push(...(item as SerializedRecordBatch<Uint8Array>).toRecordBatch().values.map((v) => v.slice()));
    }
    assert.deepEqual(out.map((v) => v.length), [700, 10]);
    assert.ok(buffers.slice(0, -1).every((b) => b.isRecycled), 'spanned buffers went back while the frame was gathered');
    reader.release();
    assert.ok(buffers.every((b) => b.isRecycled));
  });

  it('copies binary fields of MessagePack records out of the network buffer', () => {
    // A record's Uint8Array field must not point into a buffer that is recycled and written again.
    const side = networkSide(8, 256);
    const pool = side.network.createBufferPool(1, 1, 'p');
    const sent: NetworkBuffer[] = [];
    const writer = new SpanningRecordSerializer<unknown>(new MsgpackRecordSerializer(), pool, (b) => sent.push(b));
    const reader = new SpillingRecordDeserializer<unknown>(new MsgpackRecordSerializer());
    const read: { bytes: Uint8Array }[] = [];
    for (const fill of [1, 2]) {
      writer.writeBatch(batchOf([{ bytes: new Uint8Array(16).fill(fill) }]));
      writer.flush();
      reader.setNextBuffer(sent.shift()!);
      for (let item = reader.next(); item !== null; item = reader.next()) read.push(...(item as SerializedRecordBatch<{ bytes: Uint8Array }>).toRecordBatch().values);
    }
    assert.deepEqual([...read[0]!.bytes], new Array(16).fill(1), 'the first record is intact after its buffer was reused');
    assert.deepEqual([...read[1]!.bytes], new Array(16).fill(2));
  });
});

describe('records left in the buffer (SerializedRecordBatch)', () => {
  function written(segmentSize: number, values: Uint8Array[]) {
    const side = networkSide(64, segmentSize);
    const pool = side.network.createBufferPool(1, 64, 'p');
    const buffers: NetworkBuffer[] = [];
    const writer = new SpanningRecordSerializer<Uint8Array>(new RawBytesRecordSerializer(), pool, (b) => buffers.push(b));
    writer.writeBatch(batchOf(values));
    writer.flush();
    return buffers;
  }

  it('gives the records of a buffer as offsets into it, and a record that spans buffers as a batch of its own', () => {
    const values = Array.from({ length: 7 }, (_, i) => new Uint8Array(30).fill(i + 1)); // frames of 35 bytes
    const buffers = written(128, values);
    const reader = new SpillingRecordDeserializer<Uint8Array>(new RawBytesRecordSerializer());
    const seen: { first: number; length: number; inBuffer: boolean }[] = [];
    for (const buffer of buffers) {
      reader.setNextBuffer(buffer);
      for (let item = reader.next(); item !== null; item = reader.next()) {
        assert.ok(item instanceof SerializedRecordBatch);
        const inBuffer = item.bytes.buffer === buffer.segment.bytes.buffer;
        for (let i = 0; i < item.length; i++) seen.push({ first: item.bytes[item.start(i)]!, length: item.end(i) - item.start(i), inBuffer });
      }
    }
    assert.deepEqual(seen.map((s) => s.first), [1, 2, 3, 4, 5, 6, 7], 'every record once, in order');
    assert.ok(seen.every((s) => s.length === 30));
    assert.deepEqual(seen.map((s) => s.inBuffer), [true, true, true, false, true, true, true], 'the fourth spans two buffers of 128 bytes');
  });

  it('does not overwrite the record the caller still holds when a frame is gathered on arrival', () => {
    // Buffers of 64 bytes: r1 (frame 59) and the first 5 bytes of r2 (frame 68); the rest of r2
    // and 1 byte of r3 (frame 67); 64 bytes of r3 (no frame ends there); its last 2 bytes.
    const r2 = new Uint8Array(63).fill(2);
    const buffers = written(64, [new Uint8Array(54).fill(1), r2, new Uint8Array(62).fill(3)]);
    assert.deepEqual(buffers.map((b) => b.frames), [1, 1, 0, 1]);
    const reader = new SpillingRecordDeserializer<Uint8Array>(new RawBytesRecordSerializer({ readInPlace: true }));
    reader.setNextBuffer(buffers[0]!);
    assert.equal((reader.next() as SerializedRecordBatch<Uint8Array>).length, 1);
    assert.equal(reader.next(), null);
    reader.setNextBuffer(buffers[1]!);
    const held = reader.next() as SerializedRecordBatch<Uint8Array>;
    const view = held.get(0);
    assert.deepEqual([...view], [...r2]);
    reader.absorb(buffers[2]!); // arrives while the caller still reads r2
    assert.deepEqual([...view], [...r2], 'r2 intact');
    assert.equal(buffers[2]!.isRecycled, true);
    reader.setNextBuffer(buffers[3]!);
    const last = reader.next() as SerializedRecordBatch<Uint8Array>;
    assert.deepEqual([...last.get(0)], new Array(62).fill(3));
  });
});

describe('SpanningRecordSerializer re-entrancy', () => {
  it('writes a pending frame once when emitting a buffer calls back into continueWriting', () => {
    // As a channel does: sending a finished buffer recycles buffers and retries pending frames.
    const side = networkSide(8, 64);
    const pool = side.network.createBufferPool(1, 1, 'p');
    const stream: number[] = [];
    const held: NetworkBuffer[] = [];
    let holding = true;
    const send = (b: NetworkBuffer): void => {
      stream.push(...b.readable());
      b.recycle();
    };
    const writer: SpanningRecordSerializer<Uint8Array> = new SpanningRecordSerializer<Uint8Array>(new RawBytesRecordSerializer(), pool, (b) => {
      if (holding) return void held.push(b);
      send(b);
      writer.continueWriting();
    });
    const record = Uint8Array.from({ length: 300 }, (_, i) => i % 251);
    writer.writeBatch(batchOf([record]));
    assert.equal(writer.hasPending, true, 'the single buffer is out: the rest of the frame waits');
    holding = false;
    for (const b of held.splice(0)) send(b);
    writer.continueWriting();
    writer.flush();
    const bytes = Uint8Array.from(stream);
    assert.equal(bytes.length, 4 + 1 + 300, 'every byte of the frame once');
    assert.deepEqual([...bytes.subarray(5)], [...record]);
  });
});
