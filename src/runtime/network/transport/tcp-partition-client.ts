/*
 * The consuming side of the TCP transport: one connection to a producer's data port, over which
 * input channels request their partitions, announce credit and receive buffers. Each BUFFER's
 * payload is copied from the socket into a buffer the channel credited; one that arrives without
 * credit is discarded and fails that channel with the channel's and peer's names. Credit
 * announcements made while a task reads its input are gathered and written together when it
 * yields (a microtask later): one write system call per read pass instead of one per buffer.
 */
import net from 'node:net';
import { once } from 'node:events';
import type { CreditAnnouncer, NetworkInputChannel } from '../channel/network-input-channel.ts';
import { networkError } from '../network-errors.ts';
import { CONNECTION_WIDE, TcpFrameDecoder, TcpMessage, encodeControl, type ControlMessage } from './tcp-frame-codec.ts';

export class TcpPartitionClient {
  readonly peer: string;
  private readonly socket: net.Socket;
  private readonly segmentSize: number;
  private readonly channels = new Map<number, NetworkInputChannel>();
  private nextReceiverId = 0;
  private closed = false;
  /** Credit announced and not yet written, per receiver id. */
  private readonly pendingCredit = new Map<number, number>();
  private creditFlushScheduled = false;

  private constructor(socket: net.Socket, segmentSize: number, peer: string) {
    this.socket = socket;
    this.segmentSize = segmentSize;
    this.peer = peer;
    socket.setNoDelay(true);
    const decoder = new TcpFrameDecoder({
      bufferFor: (receiverId) => this.channels.get(receiverId)?.requestBuffer() ?? null,
      onBuffer: (receiverId, buffer, sequenceNumber, backlog, frames) => {
        const channel = this.channels.get(receiverId);
        if (buffer === null) {
          if (channel !== undefined) channel.fail(networkError('the sender sent a buffer without credit', channel.name, this.peer));
          return;
        }
        buffer.frames = frames;
        if (channel === undefined) buffer.recycle();
        else channel.onBuffer(buffer, sequenceNumber, backlog);
      },
      onControl: (message) => this.onControl(message),
      onCorrupt: (reason) => this.destroy(`corrupt stream: ${reason}`),
    });
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    socket.on('error', (e) => this.onClosed(`connection error: ${e.message}`, e));
    socket.on('close', () => this.onClosed('the sender closed the connection'));
  }

  static async connect(host: string, port: number, segmentSize: number): Promise<TcpPartitionClient> {
    const socket = net.connect(port, host);
    const peer = `tcp ${host}:${port}`;
    try {
      await Promise.race([once(socket, 'connect'), once(socket, 'error').then(([e]) => Promise.reject(e as Error))]);
    } catch (e) {
      socket.destroy();
      throw networkError(`cannot connect: ${(e as Error).message}`, '(connection)', peer, e);
    }
    return new TcpPartitionClient(socket, segmentSize, peer);
  }

  requestPartition(channel: NetworkInputChannel): void {
    if (this.closed) {
      channel.fail(networkError('the connection is closed', channel.name, this.peer));
      return;
    }
    const receiverId = this.nextReceiverId++;
    this.channels.set(receiverId, channel);
    const socket = this.socket;
    const channels = this.channels;
    const announcer: CreditAnnouncer = {
      peer: this.peer,
      announceCredit: (credit) => this.announceCredit(receiverId, credit),
      announceBufferSize: (bytes) => {
        if (!this.closed && !socket.destroyed) socket.write(encodeControl(TcpMessage.BUFFER_SIZE, receiverId, [bytes]));
      },
      cancel: () => {
        channels.delete(receiverId);
        this.pendingCredit.delete(receiverId);
        if (!socket.destroyed) socket.write(encodeControl(TcpMessage.CANCEL, receiverId));
      },
    };
    const credit = channel.connect(announcer);
    socket.write(encodeControl(TcpMessage.REQUEST, receiverId, [credit, this.segmentSize], channel.name));
  }

  private announceCredit(receiverId: number, credit: number): void {
    this.pendingCredit.set(receiverId, (this.pendingCredit.get(receiverId) ?? 0) + credit);
    if (this.creditFlushScheduled) return;
    this.creditFlushScheduled = true;
    queueMicrotask(() => this.flushCredit());
  }

  private flushCredit(): void {
    this.creditFlushScheduled = false;
    const socket = this.socket;
    if (this.closed || socket.destroyed) {
      this.pendingCredit.clear();
      return;
    }
    const several = this.pendingCredit.size > 1;
    if (several) socket.cork();
    for (const [receiverId, credit] of this.pendingCredit) socket.write(encodeControl(TcpMessage.CREDIT, receiverId, [credit]));
    if (several) socket.uncork();
    this.pendingCredit.clear();
  }

  /** Closes the connection; channels still open fail. */
  destroy(reason = 'the connection was closed by the receiver'): void {
    this.onClosed(reason);
    this.socket.destroy();
  }

  private onControl(message: ControlMessage): void {
    if (message.type !== TcpMessage.ERROR) return this.destroy(`unexpected message type ${message.type}`);
    const text = message.body.toString('utf8');
    if (message.receiverId === CONNECTION_WIDE) return this.destroy(`the sender reported: ${text}`);
    const channel = this.channels.get(message.receiverId);
    this.channels.delete(message.receiverId);
    channel?.fail(networkError(text, channel.name, this.peer));
  }

  private onClosed(reason: string, cause?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    for (const channel of this.channels.values()) channel.fail(networkError(reason, channel.name, this.peer, cause));
    this.channels.clear();
  }
}
