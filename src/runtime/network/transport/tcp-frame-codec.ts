/*
 * The wire format of the TCP transport (after Flink's NettyMessage): every message is
 *
 *   message := length:u32le  type:u8  body           (length counts type and body)
 *   BUFFER  := receiverId:u32 sequence:u32 backlog:u32 frames:u32 size:u32 payload[size]
 *   ERROR   := receiverId:u32 text:utf8              (receiverId 0xffffffff: the whole connection)
 *   REQUEST := receiverId:u32 credit:u32 segmentSize:u32 name:utf8
 *   CREDIT  := receiverId:u32 credit:u32
 *   CANCEL  := receiverId:u32
 *   BUFFER_SIZE := receiverId:u32 bytes:u32    (buffer debloating: Flink's NewBufferSize)
 *
 * The decoder copies a BUFFER's payload straight from the socket's chunks into the network buffer
 * the receiver provides for it (one copy, as the kernel-to-user copy is unavoidable anyway).
 */
import type { NetworkBuffer } from '../buffer/network-buffer.ts';

export const TcpMessage = { BUFFER: 1, ERROR: 2, REQUEST: 3, CREDIT: 4, CANCEL: 5, BUFFER_SIZE: 6 } as const;
export const CONNECTION_WIDE = 0xffffffff;
const BUFFER_HEADER = 4 + 1 + 20;
const MAX_CONTROL_MESSAGE = 64 * 1024;

export function encodeBufferHeader(receiverId: number, sequenceNumber: number, backlog: number, frames: number, size: number): Buffer {
  const header = Buffer.allocUnsafe(BUFFER_HEADER);
  header.writeUInt32LE(1 + 20 + size, 0);
  header[4] = TcpMessage.BUFFER;
  header.writeUInt32LE(receiverId, 5);
  header.writeUInt32LE(sequenceNumber, 9);
  header.writeUInt32LE(backlog, 13);
  header.writeUInt32LE(frames, 17);
  header.writeUInt32LE(size, 21);
  return header;
}

export function encodeControl(type: number, receiverId: number, numbers: readonly number[] = [], text = ''): Buffer {
  const textBytes = Buffer.from(text, 'utf8');
  const message = Buffer.allocUnsafe(4 + 1 + 4 + numbers.length * 4 + textBytes.length);
  message.writeUInt32LE(message.length - 4, 0);
  message[4] = type;
  message.writeUInt32LE(receiverId, 5);
  numbers.forEach((n, i) => message.writeUInt32LE(n, 9 + i * 4));
  textBytes.copy(message, 9 + numbers.length * 4);
  return message;
}

export interface ControlMessage {
  readonly type: number;
  readonly receiverId: number;
  readonly body: Buffer;
}

export interface FrameHandler {
  /** Where a BUFFER's payload goes; null discards it (the handler reports why). */
  bufferFor(receiverId: number, size: number): NetworkBuffer | null;
  onBuffer(receiverId: number, buffer: NetworkBuffer | null, sequenceNumber: number, backlog: number, frames: number): void;
  onControl(message: ControlMessage): void;
  /** The stream is corrupt; the connection must be closed. */
  onCorrupt(reason: string): void;
}

export class TcpFrameDecoder {
  private readonly handler: FrameHandler;
  private readonly header = Buffer.alloc(BUFFER_HEADER);
  private headerFilled = 0;
  private headerNeeded = 5;
  // The message being read.
  private body: Buffer | null = null;
  private bodyFilled = 0;
  private target: NetworkBuffer | null = null;
  private payloadLeft = 0;
  private corrupt = false;

  constructor(handler: FrameHandler) {
    this.handler = handler;
  }

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.corrupt) {
      if (this.payloadLeft > 0) {
        const n = Math.min(this.payloadLeft, chunk.length - at);
        const target = this.target;
        if (target !== null) {
          target.segment.bytes.set(chunk.subarray(at, at + n), target.size);
          target.size += n;
        }
        at += n;
        this.payloadLeft -= n;
        if (this.payloadLeft === 0) this.finishBuffer();
        continue;
      }
      if (this.body !== null) {
        const n = Math.min(this.body.length - this.bodyFilled, chunk.length - at);
        chunk.copy(this.body, this.bodyFilled, at, at + n);
        this.bodyFilled += n;
        at += n;
        if (this.bodyFilled === this.body.length) this.finishControl();
        continue;
      }
      const n = Math.min(this.headerNeeded - this.headerFilled, chunk.length - at);
      chunk.copy(this.header, this.headerFilled, at, at + n);
      this.headerFilled += n;
      at += n;
      if (this.headerFilled === this.headerNeeded) this.onHeader();
    }
  }

  private onHeader(): void {
    const length = this.header.readUInt32LE(0);
    const type = this.header[4]!;
    if (type === TcpMessage.BUFFER && this.headerNeeded === 5) {
      this.headerNeeded = BUFFER_HEADER;
      return;
    }
    if (type === TcpMessage.BUFFER) {
      const size = this.header.readUInt32LE(21);
      if (length !== 1 + 20 + size) return this.fail(`buffer message of length ${length} announces ${size} payload bytes`);
      const target = this.handler.bufferFor(this.header.readUInt32LE(5), size);
      if (target !== null && target.capacity < size) return this.fail(`a buffer of ${size} bytes does not fit a segment of ${target.capacity} bytes`);
      this.target = target;
      if (target !== null) target.size = 0;
      this.payloadLeft = size;
      if (size === 0) this.finishBuffer();
      return;
    }
    if (length < 5 || length - 1 > MAX_CONTROL_MESSAGE) return this.fail(`control message of type ${type} with length ${length}`);
    this.body = Buffer.allocUnsafe(length - 1);
    this.bodyFilled = 0;
  }

  private finishBuffer(): void {
    const h = this.header;
    const target = this.target;
    this.target = null;
    this.resetHeader();
    this.handler.onBuffer(h.readUInt32LE(5), target, h.readUInt32LE(9), h.readUInt32LE(13), h.readUInt32LE(17));
  }

  private finishControl(): void {
    const body = this.body!;
    const type = this.header[4]!;
    this.body = null;
    this.resetHeader();
    this.handler.onControl({ type, receiverId: body.readUInt32LE(0), body: body.subarray(4) });
  }

  private resetHeader(): void {
    this.headerFilled = 0;
    this.headerNeeded = 5;
  }

  private fail(reason: string): void {
    this.corrupt = true;
    this.handler.onCorrupt(reason);
  }
}
