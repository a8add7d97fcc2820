/*
 * Tests of the byte buffers under the typed serializers: varints at their boundaries, strings of
 * every length class, growth of the output, and reads past the end.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataInputView, DataOutputView, varUintSize } from '../../../../src/runtime/serialization/typed/data-view-io.ts';
import { ErrorCodes, FlinkError } from '../../../../src/errors.ts';

describe('DataOutputView / DataInputView', () => {
  it('varints round-trip at every width boundary', () => {
    const out = new DataOutputView(4);
    const unsigned = [0, 1, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 32 - 1];
    const signed = [0, -1, 1, -64, 63, -65, 64, 2 ** 31 - 1, -(2 ** 31)];
    for (const n of unsigned) out.writeVarUint(n);
    for (const n of signed) out.writeVarInt(n);
    const input = new DataInputView(out.toBytes());
    for (const n of unsigned) assert.equal(input.readVarUint(), n);
    for (const n of signed) assert.equal(input.readVarInt(), n);
    assert.equal(input.remaining, 0);
    assert.deepEqual(unsigned.map(varUintSize), [1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });

  it('strings round-trip across the one-byte and padded-length encodings, and the buffer grows', () => {
    const strings = ['', 'ascii', 'ä', '€'.repeat(42), 'a'.repeat(43), '😀'.repeat(21), '😀'.repeat(22), 'z'.repeat(5000), 'ж'.repeat(3000)];
    const out = new DataOutputView(8);
    for (const s of strings) out.writeString(s);
    out.writeFloat64(-0);
    const input = new DataInputView(out.toBytes());
    for (const s of strings) assert.equal(input.readString(), s);
    assert.ok(Object.is(input.readFloat64(), -0));
    assert.equal(input.remaining, 0);
  });

  it('toBytes() is a copy that later writes do not change', () => {
    const out = new DataOutputView();
    out.writeByte(1);
    const first = out.toBytes();
    out.pos = 0;
    out.writeByte(2);
    assert.deepEqual([...first], [1]);
  });

  it('reads past the end are corrupt-data errors with the byte position', () => {
    const isCorrupt = (pattern: RegExp) => (err: unknown): boolean => FlinkError.isFlinkError(err) && err.code === ErrorCodes.FLINK_TS_ILLEGAL_STATE && pattern.test(err.message);
    assert.throws(() => new DataInputView(new Uint8Array([0x80])).readVarUint(), isCorrupt(/end of data in a varint at byte 1/));
    assert.throws(() => new DataInputView(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).readVarUint(), isCorrupt(/varint longer than 5 bytes/));
    assert.throws(() => new DataInputView(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x7f])).readVarUint(), isCorrupt(/varint out of range/));
    assert.throws(() => new DataInputView(new Uint8Array(7)).readFloat64(), isCorrupt(/float64 at byte 0/));
    assert.throws(() => new DataInputView(new Uint8Array([5, 97])).readString(), isCorrupt(/string of 5 bytes runs past the end/));
    assert.throws(() => new DataInputView(new Uint8Array([])).readByte(), isCorrupt(/unexpected end of data at byte 0/));
  });
});
