/*
 * SerializedRecordBatch: records stay in their bytes with an offset pair each; timestamps appear
 * once a record has one (earlier records read NO_TIMESTAMP); room grows past the initial capacity;
 * `get` and `toRecordBatch` deserialize with the channel's serializer; `reset` starts over.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NO_TIMESTAMP } from '../../../../src/api/common/watermark.ts';
import { SerializedRecordBatch } from '../../../../src/runtime/network/serialization/serialized-record-batch.ts';
import { MsgpackRecordSerializer, RawBytesRecordSerializer } from '../../../../src/runtime/network/serialization/record-serializers.ts';
import { Types } from '../../../../src/runtime/serialization/types.ts';

describe('SerializedRecordBatch', () => {
  it('keeps each record as a range of its bytes, read in place or deserialized', () => {
    const bytes = Uint8Array.of(9, 1, 2, 3, 9, 4, 5, 9);
    const batch = new SerializedRecordBatch<Uint8Array>(new RawBytesRecordSerializer({ readInPlace: true }));
    batch.reset(bytes);
    batch.add(1, 4);
    batch.add(5, 7);
    assert.equal(batch.length, 2);
    assert.deepEqual([batch.start(0), batch.end(0), batch.start(1), batch.end(1)], [1, 4, 5, 7]);
    assert.equal(batch.bytes[batch.start(1)], 4, 'read where it is');
    const second = batch.get(1);
    assert.equal(second.buffer, bytes.buffer, 'a view, with a serializer that reads in place');
    assert.deepEqual([...second], [4, 5]);
    assert.equal(batch.hasTimestamps, false);
    const records = batch.toRecordBatch();
    assert.deepEqual(records.values.map((v) => [...v]), [[1, 2, 3], [4, 5]]);
    assert.equal(records.timestamps, null);
  });

  it('gives records before the first timestamped one NO_TIMESTAMP, and those after it too', () => {
    const batch = new SerializedRecordBatch<Uint8Array>(new RawBytesRecordSerializer());
    batch.reset(new Uint8Array(16));
    batch.add(0, 1);
    batch.addWithTimestamp(1, 2, 42);
    batch.add(2, 3);
    assert.equal(batch.hasTimestamps, true);
    assert.deepEqual([0, 1, 2].map((i) => batch.timestampAt(i)), [NO_TIMESTAMP, 42, NO_TIMESTAMP]);
    assert.deepEqual(batch.toRecordBatch().timestamps, [NO_TIMESTAMP, 42, NO_TIMESTAMP]);
    batch.reset(new Uint8Array(4));
    batch.add(0, 1);
    assert.equal(batch.hasTimestamps, false, 'a new batch starts without timestamps');
    assert.equal(batch.timestampAt(0), NO_TIMESTAMP);
  });

  it('grows past its initial room, timestamps included', () => {
    const batch = new SerializedRecordBatch<Uint8Array>(new RawBytesRecordSerializer());
    batch.reset(new Uint8Array(5000));
    batch.addWithTimestamp(0, 1, 7);
    for (let i = 1; i < 1000; i++) batch.add(i, i + 1);
    assert.equal(batch.length, 1000);
    assert.equal(batch.start(999), 999);
    assert.equal(batch.end(999), 1000);
    assert.equal(batch.timestampAt(0), 7);
    assert.equal(batch.timestampAt(999), NO_TIMESTAMP);
  });

  it('deserializes with any serializer, ranged or not', () => {
    const msgpack = new MsgpackRecordSerializer<{ id: number }>();
    const body = msgpack.serialize({ id: 3 });
    const bytes = new Uint8Array(body.length + 2);
    bytes.set(body, 1);
    const reader = new SerializedRecordBatch<{ id: number }>(new MsgpackRecordSerializer());
    reader.reset(bytes);
    reader.add(1, 1 + body.length);
    assert.deepEqual(reader.get(0), { id: 3 });
    const text = Types.STRING.serialize('hello');
    const strings = new SerializedRecordBatch<string>(Types.STRING);
    strings.reset(text);
    strings.add(0, text.length);
    assert.deepEqual(strings.toRecordBatch().values, ['hello']);
  });
});
