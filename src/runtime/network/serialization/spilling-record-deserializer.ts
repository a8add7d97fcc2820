/*
 * The reading side of the frame format (Flink's SpillingAdaptiveSpanningRecordDeserializer): turns
 * the received buffers of one channel back into batches of records and events, in order. Records
 * stay where they are: a batch is the buffer with the offsets of its records' values (a
 * SerializedRecordBatch the caller iterates), so reading costs a walk over the frames and nothing
 * per record; a frame that continues into the next buffer is gathered in a spill array and comes
 * as a batch of its own. A buffer is recycled as soon as its last byte is read, which is what
 * returns its credit to the sender — or, when records of it went out in the batch just returned,
 * on the next call (or `recycleRetired()`), once the caller is done with that batch.
 */
import type { StreamEvent } from '../../io/stream-events.ts';
import { illegalState } from '../../../errors.ts';
import type { NetworkBuffer } from '../buffer/network-buffer.ts';
import { FrameTag, LENGTH_BYTES, deserializeEvent } from './frame-format.ts';
import type { ChannelRecordSerializer } from './record-serializers.ts';
import { SerializedRecordBatch } from './serialized-record-batch.ts';

/** Tag, timestamp. */
const TIMESTAMPED_BODY_BYTES = 9;
/** Up to this many bytes, a copy loop costs less than a view and set(). */
const SMALL_COPY_BYTES = 32;

export class SpillingRecordDeserializer<T> {
  private buffer: NetworkBuffer | null = null;
  private bytes: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  private position = 0;
  private limit = 0;
  // A frame split across buffers: its length header (possibly split too) and its body.
  private readonly header = new Uint8Array(LENGTH_BYTES);
  private readonly headerView = new DataView(this.header.buffer);
  private headerFilled = 0;
  private spill: Uint8Array | null = null;
  /** The length of the frame's body being gathered into `spill` (which may be longer). */
  private spillLength = 0;
  private spillFilled = 0;
  /**
   * The spill of frames up to a segment in size, reused: a body gathered in it is read before the
   * next one is (a batch is valid until the next call), and nearly every buffer ends with a frame
   * that continues in the next, which would otherwise cost a new ArrayBuffer per buffer.
   */
  private spillScratch = new Uint8Array(0);
  /** What the channel is called in errors about corrupt frames. */
  private readonly channelName: string;
  /** The one batch object of this channel, reused by every call. */
  private readonly batch: SerializedRecordBatch<T>;
  /** A used-up buffer that the records of the last batch are in. */
  private retired: NetworkBuffer | null = null;

  constructor(serializer: ChannelRecordSerializer<T>, channelName = 'channel') {
    this.channelName = channelName;
    this.batch = new SerializedRecordBatch(serializer);
  }

  /** Whether items can be read without another buffer (the next buffer may only be set when not). */
  get hasUnreadData(): boolean {
    return this.buffer !== null;
  }

  /** Whether a frame is partly read and waits for the next buffer. */
  get hasPartialFrame(): boolean {
    return this.headerFilled > 0 || this.spill !== null;
  }

  setNextBuffer(buffer: NetworkBuffer): void {
    if (this.buffer !== null) throw illegalState(`${this.channelName}: a new buffer was set before the previous one was read`);
    this.buffer = buffer;
    this.bytes = buffer.segment.bytes;
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    this.position = 0;
    this.limit = buffer.size;
  }

  /**
   * The next item: a batch of the records up to the next event or the end of the buffer (valid
   * until the next call), or the event. Null when the buffer is used up — the caller sets the next.
   */
  next(): SerializedRecordBatch<T> | StreamEvent | null {
    this.recycleRetired();
    if (this.buffer === null) return null;
    if (this.spill !== null || this.headerFilled > 0) {
      // A frame begun in earlier buffers: it ends in this one, or this one is all of it.
      const body = this.gather();
      if (this.position === this.limit) this.releaseBuffer(false);
      return body === null ? null : this.decodeSpilled(body);
    }
    const batch = this.batch;
    const bytes = this.bytes;
    const view = this.view;
    const limit = this.limit;
    batch.reset(bytes);
    // Plain records go straight into the batch's offsets (the hot loop); the rest through its methods.
    let offsets = batch.offsets;
    let at = 0;
    let timestamped = false;
    let position = this.position;
    for (;;) {
      const remaining = limit - position;
      if (remaining >= LENGTH_BYTES) {
        const length = view.getUint32(position, true);
        const start = position + LENGTH_BYTES;
        const end = start + length;
        if (end <= limit) {
          if (length === 0) throw illegalState(`${this.channelName}: corrupt frame of length 0 at byte ${position}`);
          const tag = bytes[start];
          if (tag === FrameTag.RECORD && !timestamped) {
            if (at === offsets.length) offsets = batch.grow();
            offsets[at] = start + 1;
            offsets[at + 1] = end;
            at += 2;
            position = end;
            continue;
          }
          batch.length = at >> 1;
          if (tag === FrameTag.RECORD) {
            batch.add(start + 1, end);
          } else if (tag === FrameTag.RECORD_WITH_TIMESTAMP) {
            if (length < TIMESTAMPED_BODY_BYTES) throw illegalState(`${this.channelName}: corrupt frame of a timestamped record of ${length} bytes at byte ${position}`);
            batch.addWithTimestamp(start + TIMESTAMPED_BODY_BYTES, end, view.getFloat64(start + 1, true));
            timestamped = true;
          } else {
            // An event ends the batch before it; it is returned by the next call.
            this.position = position;
            if (at > 0) return batch;
            const event = deserializeEvent(bytes, start, end);
            if (event === null) throw illegalState(`${this.channelName}: corrupt frame with unknown tag ${tag}`);
            this.position = end;
            if (end === limit) this.releaseBuffer(false);
            return event;
          }
          offsets = batch.offsets;
          at = 2 * batch.length;
          position = end;
          continue;
        }
      }
      // The buffer is used up, or ends inside a frame that the next buffer continues.
      batch.length = at >> 1;
      this.position = position;
      if (remaining === 0) this.releaseBuffer(at > 0);
      else this.spillRestOfBuffer(at > 0);
      return at > 0 ? batch : null;
    }
  }

  /** Recycles the buffer the last batch's records are in: the caller is done with that batch. */
  recycleRetired(): void {
    const retired = this.retired;
    if (retired === null) return;
    this.retired = null;
    retired.recycle();
  }

  /**
   * Takes a buffer that completes no frame, when no complete frame is left unread: everything left
   * (the rest of the current buffer, then this one) is the beginning of one frame, gathered into
   * the spill now and recycled at once. A record larger than all the credit of its channel needs
   * this — its buffers must come back before its last one can be sent — and a consumer is only
   * woken when a frame is complete.
   */
  absorb(buffer: NetworkBuffer): void {
    if (this.buffer !== null) this.gatherIncomplete();
    this.setNextBuffer(buffer);
    this.gatherIncomplete();
  }

  /** Recycles the buffer being read and forgets partial frames (cancellation). */
  release(): void {
    if (this.retired !== null && !this.retired.isRecycled) this.retired.recycle();
    this.retired = null;
    if (this.buffer !== null && !this.buffer.isRecycled) this.buffer.recycle();
    this.buffer = null;
    this.spill = null;
    this.headerFilled = 0;
    this.spillFilled = 0;
  }

  /** A frame completed from the spill: a batch of its one record (in the spill), or its event. */
  private decodeSpilled(spill: Uint8Array): SerializedRecordBatch<T> | StreamEvent {
    const length = this.spillLength;
    const tag = spill[0];
    const batch = this.batch;
    if (tag === FrameTag.RECORD) {
      batch.reset(spill);
      batch.add(1, length);
      return batch;
    }
    if (tag === FrameTag.RECORD_WITH_TIMESTAMP) {
      if (length < TIMESTAMPED_BODY_BYTES) throw illegalState(`${this.channelName}: corrupt frame of a timestamped record of ${length} bytes`);
      batch.reset(spill);
      batch.addWithTimestamp(TIMESTAMPED_BODY_BYTES, length, new DataView(spill.buffer, spill.byteOffset, length).getFloat64(1, true));
      return batch;
    }
    const event = deserializeEvent(spill, 0, length);
    if (event === null) throw illegalState(`${this.channelName}: corrupt frame with unknown tag ${tag}`);
    return event;
  }

  /** The rest of the buffer begins a frame that ends in a later buffer: it goes into the spill. */
  private spillRestOfBuffer(retire: boolean): void {
    if (this.gather() !== null) throw illegalState(`${this.channelName}: a frame that does not fit its buffer completed in it`);
    this.releaseBuffer(retire);
  }

  /**
   * All of the current buffer is part of a frame that does not complete in it. Not called by a
   * poll, so the batch last returned may still be in use: a frame begun here gets its own spill.
   */
  private gatherIncomplete(): void {
    if (this.gather(false) !== null) throw illegalState(`${this.channelName}: a frame completed in a buffer that announced no complete frame`);
    this.releaseBuffer(false);
  }

  /**
   * Continues the frame being gathered (its length header, then its body) with the current buffer's
   * bytes: the body once complete, else null with the buffer read to its end.
   */
  private gather(reuseScratch = true): Uint8Array | null {
    const bytes = this.bytes;
    let position = this.position;
    if (this.spill === null) {
      const n = Math.min(LENGTH_BYTES - this.headerFilled, this.limit - position);
      for (let k = 0; k < n; k++) this.header[this.headerFilled++] = bytes[position++]!;
      this.position = position;
      if (this.headerFilled < LENGTH_BYTES) return null;
      const length = this.headerView.getUint32(0, true);
      if (length === 0) throw illegalState(`${this.channelName}: corrupt frame of length 0`);
      if (!reuseScratch || length > this.bytes.length) {
        this.spill = new Uint8Array(length);
      } else {
        if (this.spillScratch.length < length) this.spillScratch = new Uint8Array(this.bytes.length);
        this.spill = this.spillScratch;
      }
      this.spillLength = length;
      this.spillFilled = 0;
    }
    const spill = this.spill;
    const n = Math.min(this.spillLength - this.spillFilled, this.limit - position);
    if (n <= SMALL_COPY_BYTES) {
      for (let k = 0; k < n; k++) spill[this.spillFilled + k] = bytes[position + k]!;
    } else {
      // A view made with the constructor costs less than subarray() (no species lookup).
      spill.set(new Uint8Array(bytes.buffer, bytes.byteOffset + position, n), this.spillFilled);
    }
    this.spillFilled += n;
    this.position = position + n;
    if (this.spillFilled < this.spillLength) return null;
    this.spill = null;
    this.headerFilled = 0;
    this.spillFilled = 0;
    return spill;
  }

  /** The buffer is read to its end: recycled now, or retired if the batch returned is in it. */
  private releaseBuffer(retire: boolean): void {
    const buffer = this.buffer!;
    this.buffer = null;
    this.limit = 0;
    this.position = 0;
    if (retire) this.retired = buffer;
    else buffer.recycle();
  }
}
