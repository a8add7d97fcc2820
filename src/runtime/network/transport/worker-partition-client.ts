/*
 * The consuming side of the worker-thread transport: requests partitions for input channels over a
 * MessagePort and receives their buffers by transfer. Each arriving block is swapped with the memory
 * of one of the channel's credited buffers, which goes straight back to the sender; a buffer that
 * arrives without credit is returned untouched and fails the channel. See WorkerPartitionServer for
 * the messages.
 */
import type { MessagePort } from 'node:worker_threads';
import type { CreditAnnouncer, NetworkInputChannel } from '../channel/network-input-channel.ts';
import { networkError } from '../network-errors.ts';
import { WorkerMessage } from './worker-partition-server.ts';

interface WorkerProducerMessage {
  readonly t: number;
  readonly r: number;
  readonly s?: number;
  readonly b?: number[];
  readonly f?: number[];
  readonly n?: number[];
  readonly m?: ArrayBuffer[];
  readonly e?: string;
}

export class WorkerPartitionClient {
  readonly peer: string;
  private readonly port: MessagePort;
  private readonly segmentSize: number;
  private readonly channels = new Map<number, NetworkInputChannel>();
  private nextReceiverId = 0;
  private closed = false;
  // Emptied blocks for the sender, per receiver: they travel with the credit announced once the
  // consumer has read what arrived or, at the latest, in a turn of the event loop of their own.
  private readonly returns = new Map<number, ArrayBuffer[]>();
  private returnsScheduled = false;
  /** Credit to announce at the end of this turn, per receiver. */
  private readonly credits = new Map<number, number>();
  private creditsScheduled = false;

  constructor(port: MessagePort, segmentSize: number, peer = 'worker thread') {
    this.port = port;
    this.segmentSize = segmentSize;
    this.peer = peer;
    port.on('message', (message: WorkerProducerMessage) => this.onMessage(message));
    port.on('close', () => this.onClose());
  }

  requestPartition(channel: NetworkInputChannel): void {
    const receiverId = this.nextReceiverId++;
    this.channels.set(receiverId, channel);
    const port = this.port;
    const channels = this.channels;
    const announcer: CreditAnnouncer = {
      peer: this.peer,
      announceCredit: (credit) => this.announceCredit(receiverId, credit),
      announceBufferSize: (bytes) => {
        if (!this.closed) port.postMessage({ t: WorkerMessage.BUFFER_SIZE, r: receiverId, n: bytes });
      },
      cancel: () => {
        channels.delete(receiverId);
        this.credits.delete(receiverId);
        port.postMessage({ t: WorkerMessage.CANCEL, r: receiverId });
      },
    };
    const credit = channel.connect(announcer);
    port.postMessage({ t: WorkerMessage.REQUEST, r: receiverId, p: channel.name, c: credit, z: this.segmentSize });
  }

  /**
   * Credit freed while a task reads its input is sent when it yields (a microtask later), with the
   * emptied blocks waiting to go back: one message per read pass instead of one per pair of buffers.
   */
  private announceCredit(receiverId: number, credit: number): void {
    this.credits.set(receiverId, (this.credits.get(receiverId) ?? 0) + credit);
    if (this.creditsScheduled) return;
    this.creditsScheduled = true;
    queueMicrotask(() => {
      this.creditsScheduled = false;
      if (this.closed) return;
      for (const [r, c] of this.credits) {
        const blocks = this.returns.get(r);
        if (blocks === undefined || blocks.length === 0) {
          this.port.postMessage({ t: WorkerMessage.CREDIT, r, c });
        } else {
          this.returns.set(r, []);
          this.port.postMessage({ t: WorkerMessage.CREDIT, r, c, m: blocks }, blocks);
        }
      }
      this.credits.clear();
    });
  }

  close(): void {
    if (this.closed) return;
    this.port.close();
    this.onClose();
  }

  private onMessage(message: WorkerProducerMessage): void {
    if (message.t === WorkerMessage.BUFFER) {
      const blocks = message.m!;
      for (let i = 0; i < blocks.length; i++) {
        const channel = this.channels.get(message.r);
        const buffer = channel?.requestBuffer() ?? null;
        if (buffer === null) {
          // Cancelled, or sent without credit: the memory goes back as it came.
          const rest = blocks.slice(i);
          this.port.postMessage({ t: WorkerMessage.RETURN, r: message.r, m: rest }, rest);
          if (channel !== undefined) channel.fail(networkError('the sender sent a buffer without credit', channel.name, this.peer));
          return;
        }
        const mine = buffer.segment.detach();
        buffer.segment.adopt(blocks[i]!);
        this.returnBlock(message.r, mine);
        buffer.size = message.n![i]!;
        buffer.frames = message.f![i]!;
        channel!.onBuffer(buffer, message.s! + i, message.b![i]!);
      }
      // Scheduled after the consumer the buffers woke: the blocks usually go with its credit.
      this.scheduleReturns();
    } else if (message.t === WorkerMessage.ERROR) {
      const channel = this.channels.get(message.r);
      if (channel !== undefined) channel.fail(networkError(message.e!, channel.name, this.peer));
    }
  }

  private returnBlock(receiverId: number, block: ArrayBuffer): void {
    let blocks = this.returns.get(receiverId);
    if (blocks === undefined) this.returns.set(receiverId, (blocks = []));
    blocks.push(block);
  }

  private scheduleReturns(): void {
    if (this.returnsScheduled) return;
    this.returnsScheduled = true;
    setImmediate(() => {
      this.returnsScheduled = false;
      if (this.closed) return;
      for (const [r, pending] of this.returns) {
        if (pending.length === 0) continue;
        this.returns.set(r, []);
        this.port.postMessage({ t: WorkerMessage.RETURN, r, m: pending }, pending);
      }
    });
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const channel of this.channels.values()) channel.fail(networkError('the connection to the sending thread was closed', channel.name, this.peer));
    this.channels.clear();
  }
}
