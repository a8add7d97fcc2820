/*
 * The reading side of the frame format (Flink's SpillingAdaptiveSpanningRecordDeserializer): turns
 * the received buffers of one channel back into record batches and events, in order. Records are
 * read in place from the buffer; a frame that continues into the next buffer is gathered in a spill
 * array of exactly its size. A buffer is recycled as soon as its last byte is read, which is what
 * returns its credit to the sender — unless the serializer reads in place (its values are views into
 * the buffer): then a buffer whose records went out in a batch is retired, and recycled on the next
 * call, once the caller is done with that batch.
 */
import { RecordBatch } from '../../io/record-batch.ts';
import type { ChannelItem } from '../../io/stream-events.ts';
import { illegalState } from '../../../errors.ts';
import type { NetworkBuffer } from '../buffer/network-buffer.ts';
import { FrameTag, LENGTH_BYTES, deserializeEvent } from './frame-format.ts';
import type { ChannelRecordSerializer } from './record-serializers.ts';

export class SpillingRecordDeserializer<T> {
  private readonly serializer: ChannelRecordSerializer<T>;
  private readonly readRange: (bytes: Uint8Array, start: number, end: number) => T;
  private buffer: NetworkBuffer | null = null;
  private bytes: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  private position = 0;
  private limit = 0;
  // A frame split across buffers: its length header (possibly split too) and its body.
  private readonly header = new Uint8Array(LENGTH_BYTES);
  private headerFilled = 0;
  private spill: Uint8Array | null = null;
  private spillFilled = 0;
  /** What the channel is called in errors about corrupt frames. */
  private readonly channelName: string;
  private held: ChannelItem | null = null;
  private readonly readsInPlace: boolean;
  /** A used-up buffer that records of the last batch still point into (reading in place only). */
  private retired: NetworkBuffer | null = null;
  /** Whether the call in progress has put records into a batch (which may point into the buffer). */
  private batchStarted = false;

  constructor(serializer: ChannelRecordSerializer<T>, channelName = 'channel') {
    this.serializer = serializer;
    this.channelName = channelName;
    this.readsInPlace = serializer.readsInPlace === true;
    const ranged = serializer.deserializeRange?.bind(serializer);
    this.readRange = ranged ?? ((bytes, start, end) => serializer.deserialize(bytes.subarray(start, end)));
  }

  /** Whether items can be read without another buffer (the next buffer may only be set when not). */
  get hasUnreadData(): boolean {
    return this.buffer !== null || this.held !== null;
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
   * The next item: a batch of the records up to the next event or the end of the buffer, or the
   * event. Null when the buffer is used up (and recycled) — the caller sets the next one.
   */
  next(): ChannelItem | null {
    if (this.retired !== null) {
      this.retired.recycle();
      this.retired = null;
    }
    if (this.held !== null) {
      const item = this.held;
      this.held = null;
      return item;
    }
    let batch: RecordBatch<T> | null = null;
    this.batchStarted = false;
    while (this.buffer !== null) {
      if (this.spill !== null || this.headerFilled > 0) {
        const body = this.fillSpill();
        if (body === null) break; // the buffer ended inside the frame
        const item = this.decode(body, 0, body.length, batch);
        if (item instanceof RecordBatch) {
          batch = item as RecordBatch<T>;
          this.batchStarted = true;
          continue;
        }
        if (batch === null) return item;
        // An event completed from a spill after records of this call: it follows the batch.
        this.held = item;
        return batch;
      }
      const remaining = this.limit - this.position;
      if (remaining === 0) {
        this.releaseBuffer();
        break;
      }
      if (remaining < LENGTH_BYTES) {
        this.startSpill();
        continue;
      }
      const length = this.view.getUint32(this.position, true);
      if (length === 0) throw illegalState(`${this.channelName}: corrupt frame of length 0 at byte ${this.position}`);
      const start = this.position + LENGTH_BYTES;
      if (start + length > this.limit) {
        this.startSpill();
        continue;
      }
      const tag = this.bytes[start]!;
      // An event ends the batch before it; it is returned by the next call.
      if (batch !== null && tag > FrameTag.RECORD_WITH_TIMESTAMP) return batch;
      this.position = start + length;
      if (tag === FrameTag.RECORD && batch !== null && batch.timestamps === null) {
        // The common case, inline: a record without timestamp joining a batch without timestamps.
        batch.values.push(this.readRange(this.bytes, start + 1, start + length));
        continue;
      }
      const item = this.decode(this.bytes, start, start + length, batch);
      if (!(item instanceof RecordBatch)) {
        // An event (a batch before it was returned above).
        if (this.position === this.limit) this.releaseBuffer();
        return item;
      }
      batch = item as RecordBatch<T>;
      this.batchStarted = true;
    }
    return batch;
  }

  /**
   * Takes a buffer that completes no frame, when no complete frame is left unread: everything left
   * (the rest of the current buffer, then this one) is the beginning of one frame, gathered into
   * the spill now and recycled at once. A record larger than all the credit of its channel needs
   * this — its buffers must come back before its last one can be sent — and a consumer is only
   * woken when a frame is complete.
   */
  absorb(buffer: NetworkBuffer): void {
    this.batchStarted = false;
    this.spillRest();
    this.setNextBuffer(buffer);
    this.spillRest();
  }

  private spillRest(): void {
    while (this.buffer !== null) {
      if (this.spill === null && this.headerFilled === 0) this.startSpill();
      else if (this.fillSpill() !== null) throw illegalState(`${this.channelName}: a frame completed in a buffer that announced no complete frame`);
    }
  }

  /** Recycles the buffer being read and forgets partial frames (cancellation). */
  release(): void {
    if (this.retired !== null && !this.retired.isRecycled) this.retired.recycle();
    this.retired = null;
    if (this.buffer !== null && !this.buffer.isRecycled) this.buffer.recycle();
    this.buffer = null;
    this.held = null;
    this.spill = null;
    this.headerFilled = 0;
    this.spillFilled = 0;
  }

  /** Decodes the body at [start, end); records join `batch` (created if null), events are returned. */
  private decode(bytes: Uint8Array, start: number, end: number, batch: RecordBatch<T> | null): ChannelItem {
    const tag = bytes[start];
    if (tag === FrameTag.RECORD) {
      const target = batch ?? new RecordBatch<T>();
      target.add(this.readRange(bytes, start + 1, end), Number.NEGATIVE_INFINITY);
      return target;
    }
    if (tag === FrameTag.RECORD_WITH_TIMESTAMP) {
      const target = batch ?? new RecordBatch<T>();
      const timestamp = new DataView(bytes.buffer, bytes.byteOffset + start + 1, 8).getFloat64(0, true);
      target.add(this.readRange(bytes, start + 9, end), timestamp);
      return target;
    }
    const event = deserializeEvent(bytes, start, end);
    if (event === null) throw illegalState(`${this.channelName}: corrupt frame with unknown tag ${tag}`);
    return event;
  }

  private startSpill(): void {
    this.headerFilled = 0;
    this.spill = null;
    this.spillFilled = 0;
    this.fillHeader();
  }

  private fillHeader(): void {
    const n = Math.min(LENGTH_BYTES - this.headerFilled, this.limit - this.position);
    this.header.set(this.bytes.subarray(this.position, this.position + n), this.headerFilled);
    this.headerFilled += n;
    this.position += n;
    if (this.headerFilled === LENGTH_BYTES) {
      const length = new DataView(this.header.buffer).getUint32(0, true);
      if (length === 0) throw illegalState(`${this.channelName}: corrupt frame of length 0`);
      this.spill = new Uint8Array(length);
      this.spillFilled = 0;
    }
    if (this.position === this.limit) this.releaseBuffer();
  }

  /** Continues the spilled frame from the current buffer; its body once complete, else null. */
  private fillSpill(): Uint8Array | null {
    if (this.spill === null) {
      this.fillHeader();
      if (this.spill === null || this.buffer === null) return null;
    }
    const spill = this.spill;
    const n = Math.min(spill.length - this.spillFilled, this.limit - this.position);
    spill.set(this.bytes.subarray(this.position, this.position + n), this.spillFilled);
    this.spillFilled += n;
    this.position += n;
    const complete = this.spillFilled === spill.length;
    if (complete) {
      this.spill = null;
      this.headerFilled = 0;
      this.spillFilled = 0;
    }
    if (this.position === this.limit) this.releaseBuffer();
    return complete ? spill : null;
  }

  private releaseBuffer(): void {
    const buffer = this.buffer;
    this.buffer = null;
    this.limit = 0;
    this.position = 0;
    if (buffer === null) return;
    // Records of this call's batch may be views into the buffer: keep it until the next call.
    if (this.readsInPlace && this.batchStarted) this.retired = buffer;
    else buffer.recycle();
  }
}
