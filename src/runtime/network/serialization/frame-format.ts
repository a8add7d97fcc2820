/*
 * The framing shared by every transport. The data buffers of one channel form one byte stream of
 * frames, in the order the producer wrote them; a frame may continue from one buffer into the next
 * (header included), so a record of any size fits and buffers are filled to the last byte.
 *
 *   frame  := length:u32le  body[length]
 *   body   := RECORD                   value
 *           | RECORD_WITH_TIMESTAMP    timestamp:f64le  value
 *           | WATERMARK                timestamp:f64le
 *           | WATERMARK_STATUS         idle:u8
 *           | END_OF_PARTITION
 *           | END_OF_DATA
 *           | CHECKPOINT_BARRIER       checkpointId:f64le  timestamp:f64le  unaligned:u8  alignedTimeoutMs:f64le
 *
 * The first byte of every body is its tag. Events are frames like records, so they keep their
 * place between records; the producer ends the buffer after an event so it is not held back.
 */
import { Watermark } from '../../../api/common/watermark.ts';
import { CheckpointBarrier, EndOfDataEvent, EndOfPartitionEvent, WatermarkStatus, type StreamEvent } from '../../io/stream-events.ts';
import { illegalState } from '../../../errors.ts';

export const FrameTag = {
  RECORD: 0,
  RECORD_WITH_TIMESTAMP: 1,
  WATERMARK: 2,
  WATERMARK_STATUS: 3,
  END_OF_PARTITION: 4,
  CHECKPOINT_BARRIER: 5,
  END_OF_DATA: 6,
} as const;

export const LENGTH_BYTES = 4;

/** The body of an event frame (tag included). */
export function serializeEvent(event: StreamEvent): Uint8Array {
  if (event instanceof Watermark) {
    const body = new Uint8Array(9);
    body[0] = FrameTag.WATERMARK;
    new DataView(body.buffer).setFloat64(1, event.timestamp, true);
    return body;
  }
  if (event instanceof WatermarkStatus) return Uint8Array.of(FrameTag.WATERMARK_STATUS, event.idle ? 1 : 0);
  if (event instanceof EndOfPartitionEvent) return Uint8Array.of(FrameTag.END_OF_PARTITION);
  if (event instanceof EndOfDataEvent) return Uint8Array.of(FrameTag.END_OF_DATA);
  if (event instanceof CheckpointBarrier) {
    const body = new Uint8Array(26);
    body[0] = FrameTag.CHECKPOINT_BARRIER;
    const view = new DataView(body.buffer);
    view.setFloat64(1, event.checkpointId, true);
    view.setFloat64(9, event.timestamp, true);
    body[17] = event.unaligned ? 1 : 0;
    view.setFloat64(18, event.alignedTimeoutMs, true);
    return body;
  }
  throw illegalState(`No frame format for event ${String(event)}`);
}

/** Reads the event body at bytes[start, end) (tag at start); null when the tag is not an event. */
export function deserializeEvent(bytes: Uint8Array, start: number, end: number): StreamEvent | null {
  const tag = bytes[start];
  const view = () => new DataView(bytes.buffer, bytes.byteOffset + start, end - start);
  switch (tag) {
    case FrameTag.WATERMARK: {
      const timestamp = view().getFloat64(1, true);
      return timestamp === Watermark.MAX_WATERMARK.timestamp ? Watermark.MAX_WATERMARK : new Watermark(timestamp);
    }
    case FrameTag.WATERMARK_STATUS:
      return bytes[start + 1] === 1 ? WatermarkStatus.IDLE : WatermarkStatus.ACTIVE;
    case FrameTag.END_OF_PARTITION:
      return EndOfPartitionEvent.INSTANCE;
    case FrameTag.END_OF_DATA:
      return EndOfDataEvent.INSTANCE;
    case FrameTag.CHECKPOINT_BARRIER: {
      const v = view();
      return new CheckpointBarrier(v.getFloat64(1, true), v.getFloat64(9, true), bytes[start + 17] === 1, v.getFloat64(18, true));
    }
    default:
      return null;
  }
}
