/*
 * The consuming side of the worker-thread ring transport: for each input channel it allocates a
 * SharedBufferRing (the channel's receive memory and, slot by slot, its credit), requests the
 * partition over the MessagePort and reads the buffers the sender publishes in place. A buffer is
 * a view of its slot; recycling it frees the slot, which the sender sees as one more credit. Slots
 * are freed in ring order, so one recycled early waits for the older ones. See
 * WorkerRingPartitionServer for the messages.
 */
import type { MessagePort } from 'node:worker_threads';
import { NetworkBuffer, type BufferRecycler } from '../buffer/network-buffer.ts';
import type { CreditAnnouncer, NetworkInputChannel } from '../channel/network-input-channel.ts';
import { MemorySegment } from '../memory/memory-segment.ts';
import { networkError } from '../network-errors.ts';
import { DEFAULT_RING_SLOTS, META_INTS, RingIndex, SharedBufferRing } from './shared-buffer-ring.ts';
import { RingMessage } from './worker-ring-partition-server.ts';

interface RingProducerMessage {
  readonly t: number;
  readonly r: number;
  readonly e?: string;
}

/** One requested channel: publishes arrived slots to it and frees recycled ones. */
class RingReader implements BufferRecycler {
  readonly channel: NetworkInputChannel;
  readonly ring: SharedBufferRing;
  private readonly segments: MemorySegment[];
  private readonly slotOf = new Map<MemorySegment, number>();
  private readonly freed: Uint8Array;
  /** Buffers taken from the ring (head as last seen) and freed (tail). */
  private seen = 0;
  private tail = 0;
  closed = false;

  constructor(channel: NetworkInputChannel, ring: SharedBufferRing) {
    this.channel = channel;
    this.ring = ring;
    this.freed = new Uint8Array(ring.slotCount);
    this.segments = ring.memory.slots.map((memory, slot) => new MemorySegment(slot, ring.segmentSize, memory));
    this.segments.forEach((segment, slot) => this.slotOf.set(segment, slot));
  }

  /** Hands every published buffer to the channel, then waits for the next. */
  drain(): void {
    const control = this.ring.control;
    const head = Atomics.load(control, RingIndex.HEAD);
    while (this.seen !== head && !this.closed) {
      const slot = this.seen & this.ring.mask;
      const meta = RingIndex.META + slot * META_INTS;
      const buffer = new NetworkBuffer(this.segments[slot]!, this);
      buffer.size = control[meta]!;
      buffer.frames = control[meta + 1]!;
      this.seen = (this.seen + 1) | 0;
      this.channel.onBuffer(buffer, control[meta + 2]!, control[meta + 3]!);
    }
    if (!this.closed) this.ring.whenChanged(RingIndex.HEAD, head, () => this.drain());
  }

  recycle(segment: MemorySegment): void {
    if (this.closed) return;
    this.freed[this.slotOf.get(segment)!] = 1;
    const start = this.tail;
    while (this.tail !== this.seen && this.freed[this.tail & this.ring.mask] === 1) {
      this.freed[this.tail & this.ring.mask] = 0;
      this.tail = (this.tail + 1) | 0;
    }
    if (this.tail === start) return;
    this.ring.publish(RingIndex.TAIL, this.tail);
  }

  close(): void {
    this.closed = true;
    // Ends this thread's own pending wait on the head.
    this.ring.notify(RingIndex.HEAD);
  }
}

export interface WorkerRingPartitionClientOptions {
  /** Buffers per channel ring (a power of two): the channel's receive memory and its most credit. */
  readonly slots?: number;
}

export class WorkerRingPartitionClient {
  readonly peer: string;
  private readonly port: MessagePort;
  private readonly segmentSize: number;
  private readonly slots: number;
  private readonly readers = new Map<number, RingReader>();
  private nextReceiverId = 0;
  private closed = false;

  constructor(port: MessagePort, segmentSize: number, peer = 'worker thread', options: WorkerRingPartitionClientOptions = {}) {
    this.port = port;
    this.segmentSize = segmentSize;
    this.slots = options.slots ?? DEFAULT_RING_SLOTS;
    this.peer = peer;
    port.on('message', (message: RingProducerMessage) => this.onMessage(message));
    port.on('close', () => this.onClose());
  }

  /** Shared memory held by the rings of the channels requested here. */
  get ringBytes(): number {
    let bytes = 0;
    for (const reader of this.readers.values()) bytes += reader.ring.byteSize;
    return bytes;
  }

  /** Requests the channel's partition; the channel must be created with `creditedByTransport`. */
  requestPartition(channel: NetworkInputChannel): void {
    if (this.closed) {
      channel.fail(networkError('the connection is closed', channel.name, this.peer));
      return;
    }
    const receiverId = this.nextReceiverId++;
    const reader = new RingReader(channel, SharedBufferRing.allocate(this.slots, this.segmentSize));
    this.readers.set(receiverId, reader);
    const announcer: CreditAnnouncer = {
      peer: this.peer,
      // The ring's free slots are the credit; the channel holds no buffers of its own to announce.
      announceCredit: () => {},
      cancel: () => {
        reader.close();
        this.readers.delete(receiverId);
        if (!this.closed) this.port.postMessage({ t: RingMessage.CANCEL, r: receiverId });
      },
    };
    channel.connect(announcer);
    this.port.postMessage({ t: RingMessage.REQUEST, r: receiverId, p: channel.name, z: this.segmentSize, ring: reader.ring.memory });
    reader.drain();
  }

  close(): void {
    if (this.closed) return;
    this.port.close();
    this.onClose();
  }

  private onMessage(message: RingProducerMessage): void {
    if (message.t !== RingMessage.ERROR) return;
    const reader = this.readers.get(message.r);
    if (reader !== undefined) reader.channel.fail(networkError(message.e!, reader.channel.name, this.peer));
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const reader of this.readers.values()) {
      // A closed connection fails the channel at once, as with the other transports.
      reader.channel.fail(networkError('the connection to the sending thread was closed', reader.channel.name, this.peer));
      reader.close();
    }
    this.readers.clear();
  }
}
