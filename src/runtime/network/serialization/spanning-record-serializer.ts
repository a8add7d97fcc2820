/*
 * SpanningRecordSerializer (Flink's name): writes record batches and events of one channel as
 * frames into network buffers. Frames go straight into the current buffer when they fit; one that
 * does not is copied across as many buffers as it needs. A finished buffer is handed on at once.
 *
 * When the buffer pool has nothing to give, the rest of the frame, and every frame after it, waits
 * in `pending` (in order) until `continueWriting()` finds buffers again. The caller stops pushing
 * while `hasPending` is true (the channel is not writable), so pending holds at most what one push
 * produced: the bound on it is the caller's batch size, never the stream.
 *
 * Buffer debloating (Flink's ResultSubpartition#bufferSize): `setBufferSize` makes it end each
 * buffer once that many bytes are in it, although the segment is larger. A frame still continues
 * into the next buffer wherever the cut falls, so the byte stream, and the framing, stay the same.
 */
import { NO_TIMESTAMP } from '../../../api/common/watermark.ts';
import type { RecordBatch } from '../../io/record-batch.ts';
import type { StreamEvent } from '../../io/stream-events.ts';
import type { NetworkBuffer } from '../buffer/network-buffer.ts';
import { FrameTag, LENGTH_BYTES, serializeEvent } from './frame-format.ts';
import type { ChannelRecordSerializer } from './record-serializers.ts';

const TIMESTAMP_BYTES = 8;

export interface BufferProvider {
  /** A fresh buffer, or null when none is available now. */
  requestBuffer(): NetworkBuffer | null;
}

interface PendingFrame {
  readonly bytes: Uint8Array;
  /** End the buffer after this frame (events). */
  readonly flush: boolean;
}

export class SpanningRecordSerializer<T> {
  private readonly serializer: ChannelRecordSerializer<T>;
  private readonly provider: BufferProvider;
  private readonly emit: (buffer: NetworkBuffer) => void;
  private current: NetworkBuffer | null = null;
  private bytes: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  private readonly pending: PendingFrame[] = [];
  private pendingBytes = 0;
  private flushWhenDrained = false;
  /** continueWriting is running: a finished buffer's emit may call back into it (see there). */
  private continuing = false;
  /** Bytes at which a buffer is ended (buffer debloating); a buffer's capacity bounds it too. */
  private bufferSize = Number.POSITIVE_INFINITY;
  bytesWritten = 0;

  constructor(serializer: ChannelRecordSerializer<T>, provider: BufferProvider, emit: (buffer: NetworkBuffer) => void) {
    this.serializer = serializer;
    this.provider = provider;
    this.emit = emit;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  get pendingByteCount(): number {
    return this.pendingBytes;
  }

  /** The bytes each buffer is filled to from now on (at least 1; the segment's size bounds it). */
  setBufferSize(bytes: number): void {
    this.bufferSize = Math.max(1, Math.floor(bytes));
  }

  get targetBufferSize(): number {
    return this.bufferSize;
  }

  writeBatch(batch: RecordBatch<T>): void {
    const values = batch.values;
    const timestamps = batch.timestamps;
    const serializer = this.serializer;
    const n = values.length;
    let i = 0;
    while (i < n) {
      const buffer = this.current;
      if (buffer === null || this.pending.length > 0) {
        this.writeRecord(values[i]!, timestamps === null ? NO_TIMESTAMP : timestamps[i]!);
        i++;
        continue;
      }
      // The hot loop: frames that fit the current buffer, written with its state in locals.
      const capacity = Math.min(buffer.capacity, this.bufferSize);
      if (buffer.size >= capacity) {
        // The buffer size shrank below what this buffer holds already: it ends here.
        this.finishBuffer();
        continue;
      }
      const bytes = this.bytes;
      const view = this.view;
      const from = buffer.size;
      let at = from;
      let frames = 0;
      let payload: Uint8Array | null = null;
      let timestamp = NO_TIMESTAMP;
      if (timestamps === null) {
        // Records without timestamps (a loop of its own: the check per record costs a tenth).
        for (; i < n; i++) {
          const record = serializer.serialize(values[i]!);
          const bodyLength = 1 + record.length;
          if (capacity - at < LENGTH_BYTES + bodyLength) {
            payload = record;
            break;
          }
          view.setUint32(at, bodyLength, true);
          bytes[at + LENGTH_BYTES] = FrameTag.RECORD;
          bytes.set(record, at + LENGTH_BYTES + 1);
          at += LENGTH_BYTES + bodyLength;
          frames++;
        }
      } else {
        for (; i < n; i++) {
          const record = serializer.serialize(values[i]!);
          timestamp = timestamps[i]!;
          const bodyLength = (timestamp === NO_TIMESTAMP ? 1 : 1 + TIMESTAMP_BYTES) + record.length;
          if (capacity - at < LENGTH_BYTES + bodyLength) {
            payload = record;
            break;
          }
          view.setUint32(at, bodyLength, true);
          if (timestamp === NO_TIMESTAMP) {
            bytes[at + LENGTH_BYTES] = FrameTag.RECORD;
          } else {
            bytes[at + LENGTH_BYTES] = FrameTag.RECORD_WITH_TIMESTAMP;
            view.setFloat64(at + LENGTH_BYTES + 1, timestamp, true);
          }
          bytes.set(record, at + LENGTH_BYTES + bodyLength - record.length);
          at += LENGTH_BYTES + bodyLength;
          frames++;
        }
      }
      buffer.size = at;
      buffer.frames += frames;
      this.bytesWritten += at - from;
      if (at >= capacity) this.finishBuffer();
      if (payload !== null) {
        // Record i is serialized (once: a serializer may keep state) but does not fit: it spans.
        this.writeSerialized(payload, timestamp);
        i++;
      }
    }
  }

  writeRecord(value: T, timestamp: number): void {
    this.writeSerialized(this.serializer.serialize(value), timestamp);
  }

  private writeSerialized(payload: Uint8Array, timestamp: number): void {
    const withTimestamp = timestamp !== NO_TIMESTAMP;
    const bodyLength = 1 + (withTimestamp ? TIMESTAMP_BYTES : 0) + payload.length;
    const frameLength = LENGTH_BYTES + bodyLength;
    const buffer = this.current;
    const limit = buffer === null ? 0 : Math.min(buffer.capacity, this.bufferSize);
    if (buffer !== null && this.pending.length === 0 && limit - buffer.size >= frameLength) {
      // Fast path: the whole frame fits in the current buffer.
      let at = buffer.size;
      this.view.setUint32(at, bodyLength, true);
      at += LENGTH_BYTES;
      this.bytes[at++] = withTimestamp ? FrameTag.RECORD_WITH_TIMESTAMP : FrameTag.RECORD;
      if (withTimestamp) {
        this.view.setFloat64(at, timestamp, true);
        at += TIMESTAMP_BYTES;
      }
      this.bytes.set(payload, at);
      buffer.size = at + payload.length;
      buffer.frames++;
      this.bytesWritten += frameLength;
      if (buffer.size >= limit) this.finishBuffer();
      return;
    }
    const frame = new Uint8Array(frameLength);
    const view = new DataView(frame.buffer);
    view.setUint32(0, bodyLength, true);
    frame[LENGTH_BYTES] = withTimestamp ? FrameTag.RECORD_WITH_TIMESTAMP : FrameTag.RECORD;
    if (withTimestamp) view.setFloat64(LENGTH_BYTES + 1, timestamp, true);
    frame.set(payload, frameLength - payload.length);
    this.writeFrame(frame, false);
  }

  /** Writes the event after everything written before and ends the buffer, so it leaves now. */
  writeEvent(event: StreamEvent): void {
    const body = serializeEvent(event);
    const frame = new Uint8Array(LENGTH_BYTES + body.length);
    new DataView(frame.buffer).setUint32(0, body.length, true);
    frame.set(body, LENGTH_BYTES);
    this.writeFrame(frame, true);
  }

  /** Hands on the current buffer if it holds anything (Flink's flush on buffer timeout). */
  flush(): void {
    if (this.pending.length > 0) {
      this.flushWhenDrained = true;
      return;
    }
    if (this.current !== null && this.current.size > 0) this.finishBuffer();
  }

  /** Writes pending frames into newly available buffers; true when nothing is pending any more. */
  continueWriting(): boolean {
    // Emitting a finished buffer can free buffers and call back here (the channel sends it, which
    // recycles buffers and retries pending frames): the call in progress keeps the head frame's
    // offset, so a nested one would write the same bytes twice. It goes on by itself instead.
    if (this.continuing) return false;
    this.continuing = true;
    try {
      return this.writePending();
    } finally {
      this.continuing = false;
    }
  }

  private writePending(): boolean {
    while (this.pending.length > 0) {
      const head = this.pending[0]!;
      const written = this.copyFrame(head.bytes);
      this.pendingBytes -= written;
      if (written < head.bytes.length) {
        this.pending[0] = { bytes: head.bytes.subarray(written), flush: head.flush };
        return false;
      }
      this.pending.shift();
      if (head.flush) this.flushCurrent();
    }
    if (this.flushWhenDrained) {
      this.flushWhenDrained = false;
      this.flushCurrent();
    }
    return true;
  }

  /** Gives back the buffer being written and drops pending frames (cancellation). */
  release(): void {
    const buffer = this.current;
    this.current = null;
    this.pending.length = 0;
    this.pendingBytes = 0;
    if (buffer !== null && !buffer.isRecycled) buffer.recycle();
  }

  private writeFrame(frame: Uint8Array, flush: boolean): void {
    if (this.pending.length === 0) {
      const written = this.copyFrame(frame);
      if (written === frame.length) {
        if (flush) this.flushCurrent();
        return;
      }
      frame = frame.subarray(written);
    }
    this.pending.push({ bytes: frame, flush });
    this.pendingBytes += frame.length;
  }

  /** Copies as much of `frame` as buffers allow; returns the bytes copied. */
  private copyFrame(frame: Uint8Array): number {
    let offset = 0;
    while (offset < frame.length) {
      let buffer = this.current;
      if (buffer === null) {
        buffer = this.provider.requestBuffer();
        if (buffer === null) break;
        this.setCurrent(buffer);
      }
      const limit = Math.min(buffer.capacity, this.bufferSize);
      if (buffer.size >= limit) {
        // Filled to a buffer size that shrank since it was begun.
        this.finishBuffer();
        continue;
      }
      const n = Math.min(limit - buffer.size, frame.length - offset);
      this.bytes.set(frame.subarray(offset, offset + n), buffer.size);
      buffer.size += n;
      offset += n;
      if (offset === frame.length) buffer.frames++;
      if (buffer.size >= limit) this.finishBuffer();
    }
    this.bytesWritten += offset;
    return offset;
  }

  private flushCurrent(): void {
    if (this.current !== null && this.current.size > 0) this.finishBuffer();
  }

  private setCurrent(buffer: NetworkBuffer): void {
    this.current = buffer;
    this.bytes = buffer.segment.bytes;
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  private finishBuffer(): void {
    const buffer = this.current!;
    this.current = null;
    this.emit(buffer);
  }
}
