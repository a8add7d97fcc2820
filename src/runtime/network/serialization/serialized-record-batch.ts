/*
 * SerializedRecordBatch: the records of one network buffer as they arrived — still serialized,
 * in place — with the offsets of each record's value, as Flink's deserializer iterates a buffer
 * instead of making an object per record on arrival. A consumer that reads a record's bytes where
 * they are (a byte, a field at a known offset) uses `bytes` with `start(i)` and `end(i)`; `get(i)`
 * deserializes record i with the channel's serializer; `toRecordBatch()` makes the RecordBatch a
 * generic consumer takes.
 *
 * It is a view of the channel's receive buffer, and one object per channel: valid until the
 * channel is polled again, when the buffer is recycled (its credit goes back to the sender) and
 * the object is reused for the next batch. A consumer copies what it keeps.
 */
import { NO_TIMESTAMP } from '../../../api/common/watermark.ts';
import { RecordBatch } from '../../io/record-batch.ts';
import type { ChannelRecordSerializer } from './record-serializers.ts';

const EMPTY = new Uint8Array(0);
const INITIAL_CAPACITY = 256;

export class SerializedRecordBatch<T = unknown> {
  /** The bytes the records are in: the network buffer, or the spill of a record that spanned buffers. */
  bytes: Uint8Array = EMPTY;
  /** The number of records. */
  length = 0;
  /** Record i's value is bytes[offsets[2i], offsets[2i + 1]) (written by the deserializer). */
  offsets = new Int32Array(2 * INITIAL_CAPACITY);
  /** Timestamps by record, once a record of this batch had one (NO_TIMESTAMP for those without). */
  private stamps: Float64Array | null = null;
  private timestamped = false;
  private readonly readRange: (bytes: Uint8Array, start: number, end: number) => T;

  constructor(serializer: ChannelRecordSerializer<T>) {
    const ranged = serializer.deserializeRange?.bind(serializer);
    this.readRange = ranged ?? ((bytes, start, end) => serializer.deserialize(bytes.subarray(start, end)));
  }

  /** Where record i's value starts in `bytes`. */
  start(i: number): number {
    return this.offsets[2 * i]!;
  }

  /** Where record i's value ends in `bytes` (exclusive). */
  end(i: number): number {
    return this.offsets[2 * i + 1]!;
  }

  /** Whether any record of the batch has a timestamp. */
  get hasTimestamps(): boolean {
    return this.timestamped;
  }

  timestampAt(i: number): number {
    return this.timestamped ? this.stamps![i]! : NO_TIMESTAMP;
  }

  /** Record i, deserialized (a view into the buffer if the serializer reads in place). */
  get(i: number): T {
    return this.readRange(this.bytes, this.offsets[2 * i]!, this.offsets[2 * i + 1]!);
  }

  /** The records deserialized into a RecordBatch of their own. */
  toRecordBatch(): RecordBatch<T> {
    const n = this.length;
    const values = new Array<T>(n);
    const offsets = this.offsets;
    for (let i = 0; i < n; i++) values[i] = this.readRange(this.bytes, offsets[2 * i]!, offsets[2 * i + 1]!);
    return new RecordBatch<T>(values, this.timestamped ? Array.from(this.stamps!.subarray(0, n)) : null);
  }

  /** Starts a new batch over `bytes` (the deserializer's side). */
  reset(bytes: Uint8Array): void {
    this.bytes = bytes;
    this.length = 0;
    this.timestamped = false;
  }

  /** Adds the record whose value is bytes[start, end). */
  add(start: number, end: number): void {
    const i = this.length;
    if (2 * i === this.offsets.length) this.grow();
    this.offsets[2 * i] = start;
    this.offsets[2 * i + 1] = end;
    if (this.timestamped) this.stamps![i] = NO_TIMESTAMP;
    this.length = i + 1;
  }

  addWithTimestamp(start: number, end: number, timestamp: number): void {
    if (!this.timestamped) {
      const capacity = this.offsets.length / 2;
      if (this.stamps === null || this.stamps.length < capacity) this.stamps = new Float64Array(capacity);
      this.stamps.fill(NO_TIMESTAMP, 0, this.length);
      this.timestamped = true;
    }
    const i = this.length;
    this.add(start, end);
    this.stamps![i] = timestamp;
  }

  /** Doubles the room for records; returns the new offsets. */
  grow(): Int32Array<ArrayBuffer> {
    const offsets = new Int32Array(this.offsets.length * 2);
    offsets.set(this.offsets);
    this.offsets = offsets;
    if (this.stamps !== null) {
      const stamps = new Float64Array(offsets.length / 2);
      stamps.set(this.stamps);
      this.stamps = stamps;
    }
    return offsets;
  }
}
