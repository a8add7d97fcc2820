/*
 * The producing side of the worker-thread ring transport (the default between worker threads):
 * serves the output channels registered here to input channels of another thread. Control
 * messages (request, cancel, error, buffer size) go over a MessagePort; data goes through a SharedArrayBuffer
 * ring per channel that the receiver allocates and sends with its request (see SharedBufferRing).
 * A sent buffer is copied into the next free slot and recycled at once, so the sender's pool gets
 * it back without a round trip. Records are serialized into the pool's buffers, not straight into
 * the slots: V8 copies into shared memory several times slower than into an ArrayBuffer (a
 * record's set() there costs three times as much), so one copy of the whole buffer per slot is
 * cheaper. Each slot the receiver frees comes back as one credit, read from the ring's tail when
 * the channel runs out (no message, and no wake-up while the sender is busy).
 *
 *   consumer → producer  { t: REQUEST, r, p: name, z: segmentSize, ring: SharedBufferRingMemory } | { t: CANCEL, r }
 *                        | { t: BUFFER_SIZE, r, n: bytes }  (buffer debloating: Flink's NewBufferSize)
 *   producer → consumer  { t: ERROR, r, e }
 */
import type { MessagePort } from 'node:worker_threads';
import { PortPartitionServer } from './port-partition-server.ts';
import type { NetworkBuffer } from '../buffer/network-buffer.ts';
import type { BufferSender, NetworkOutputChannel } from '../channel/network-output-channel.ts';
import { networkError } from '../network-errors.ts';
import { META_INTS, RingIndex, SharedBufferRing, type SharedBufferRingMemory } from './shared-buffer-ring.ts';

export const RingMessage = { REQUEST: 1, CANCEL: 3, ERROR: 6, BUFFER_SIZE: 7 } as const;

export interface RingConsumerMessage {
  readonly t: number;
  readonly r: number;
  readonly p?: string;
  readonly z?: number;
  readonly ring?: SharedBufferRingMemory;
  /** The announced buffer size in bytes (BUFFER_SIZE). */
  readonly n?: number;
}

/** One served channel: writes its buffers into the ring and turns freed slots into credit. */
class RingWriter implements BufferSender {
  readonly peer: string;
  readonly channel: NetworkOutputChannel;
  private readonly ring: SharedBufferRing;
  private head = 0;
  /** The tail up to which freed slots were given to the channel as credit. */
  private creditedTail = 0;
  /** Buffers published since the receiver was last woken, and the most before it is woken. */
  private unsignalled = 0;
  private readonly signalEvery: number;
  private signalScheduled = false;
  /** A wait for the receiver to free a slot is armed. */
  private watchingTail = false;
  closed = false;

  constructor(channel: NetworkOutputChannel, ring: SharedBufferRing, peer: string) {
    this.channel = channel;
    this.ring = ring;
    this.peer = peer;
    // Half the ring: the receiver empties one half while this side fills the other.
    this.signalEvery = Math.max(1, ring.slotCount >> 1);
  }

  start(): void {
    this.channel.connect(this, this.ring.slotCount);
  }

  sendBuffer(buffer: NetworkBuffer, sequenceNumber: number, backlog: number): void {
    const control = this.ring.control;
    const slot = this.head & this.ring.mask;
    this.ring.copyIntoSlot(slot, buffer.segment.bytes, buffer.size);
    const meta = RingIndex.META + slot * META_INTS;
    control[meta] = buffer.size;
    control[meta + 1] = buffer.frames;
    control[meta + 2] = sequenceNumber;
    control[meta + 3] = backlog;
    buffer.recycle();
    this.head = (this.head + 1) | 0;
    // The store publishes the slot and its meta (Atomics are sequentially consistent). A waiting
    // receiver is woken once half the ring is filled or at the end of this turn, not per buffer.
    this.ring.store(RingIndex.HEAD, this.head);
    if (++this.unsignalled >= this.signalEvery) this.signalHead();
    else if (!this.signalScheduled) {
      this.signalScheduled = true;
      queueMicrotask(() => {
        this.signalScheduled = false;
        this.signalHead();
      });
    }
  }

  /** The slots freed since last asked, read from shared memory; if none, waits for the next. */
  pollCredits(): number {
    const freed = this.takeFreedSlots();
    if (freed === 0) this.watchTail();
    return freed;
  }

  close(): void {
    this.closed = true;
    this.ring.notify(RingIndex.TAIL);
  }

  private signalHead(): void {
    if (this.unsignalled === 0) return;
    this.unsignalled = 0;
    this.ring.wake(RingIndex.HEAD);
  }

  private takeFreedSlots(): number {
    const tail = Atomics.load(this.ring.control, RingIndex.TAIL);
    const freed = (tail - this.creditedTail) | 0;
    this.creditedTail = tail;
    return freed;
  }

  /** Armed only while the channel has buffers and no credit: a busy sender is never woken. */
  private watchTail(): void {
    if (this.watchingTail || this.closed) return;
    this.watchingTail = true;
    this.ring.whenChanged(RingIndex.TAIL, this.creditedTail, () => {
      this.watchingTail = false;
      if (this.closed || this.channel.isReleased) return;
      const freed = this.takeFreedSlots();
      // Sending against this credit polls again, which re-arms the wait if it runs out.
      if (freed > 0) this.channel.addCredits(freed);
      else this.watchTail();
    });
  }
}

export class WorkerRingPartitionServer extends PortPartitionServer<RingConsumerMessage> {
  private readonly writers = new Map<number, RingWriter>();

  constructor(port: MessagePort, segmentSize: number, peer = 'worker thread') {
    super(port, segmentSize, peer, RingMessage.ERROR);
  }

  protected onMessage(message: RingConsumerMessage): void {
    if (this.closed) return;
    if (message.t === RingMessage.REQUEST) return this.onRequest(message);
    if (message.t === RingMessage.BUFFER_SIZE) return this.writers.get(message.r)?.channel.onNewBufferSize(message.n!);
    if (message.t === RingMessage.CANCEL) {
      const writer = this.writers.get(message.r);
      this.writers.delete(message.r);
      writer?.close();
      writer?.channel.release();
    }
  }

  protected bind(channel: NetworkOutputChannel, message: RingConsumerMessage): void {
    const writer = new RingWriter(channel, new SharedBufferRing(message.ring!), this.peer);
    this.writers.set(message.r, writer);
    writer.start();
  }

  protected onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const writer of this.writers.values()) {
      writer.close();
      const channel = writer.channel;
      if (!channel.isReleased) channel.fail(networkError('the connection to the receiving thread was closed', channel.name, this.peer));
    }
    this.writers.clear();
  }
}
