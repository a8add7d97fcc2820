/*
 * The consuming side of the worker-thread ring transport: for each input channel it builds a
 * SharedBufferRing (the channel's receive memory and, slot by slot, its credit) from segments of
 * shared memory taken from the network memory — so the rings count against the budget like any
 * other network buffer — requests the partition over the MessagePort and reads the buffers the
 * sender publishes in place. A buffer is a view of its slot; recycling it frees the slot, which the
 * sender sees as one more credit. Slots are freed in ring order, so one recycled early waits for
 * the older ones. The segments go back when the channel is released or its connection closes. See
 * WorkerRingPartitionServer for the messages.
 */
import type { MessagePort } from 'node:worker_threads';
import { NetworkBuffer, type BufferRecycler } from '../buffer/network-buffer.ts';
import type { CreditAnnouncer, NetworkInputChannel } from '../channel/network-input-channel.ts';
import type { MemorySegment } from '../memory/memory-segment.ts';
import type { NetworkBufferPool } from '../buffer/network-buffer-pool.ts';
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
  private readonly network: NetworkBufferPool;
  /** The slots, as segments of the network memory. */
  private readonly segments: MemorySegment[];
  private readonly slotOf = new Map<MemorySegment, number>();
  private readonly freed: Uint8Array;
  /** Buffers taken from the ring (head as last seen) and freed (tail). */
  private seen = 0;
  private tail = 0;
  /** A wait for the sender's next buffer is armed. */
  private waiting = false;
  closed = false;

  constructor(channel: NetworkInputChannel, network: NetworkBufferPool, slots: number) {
    this.channel = channel;
    this.network = network;
    this.segments = network.requestSharedSegments(slots, `the buffer ring of input channel '${channel.name}'`);
    try {
      this.ring = SharedBufferRing.create(this.segments.map((segment) => segment.sharedMemory));
    } catch (e) {
      network.recycleSegments(this.segments);
      throw e;
    }
    this.freed = new Uint8Array(slots);
    this.segments.forEach((segment, slot) => this.slotOf.set(segment, slot));
  }

  /**
   * Hands every published buffer to the channel. It waits for the next only once the channel has
   * given back all it was handed (see `recycle`): a thread that is still reading is not woken.
   */
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
    if (this.tail === this.seen) this.waitForHead();
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
    // All read: wait for the next buffer (at once, from a microtask, if it is there already).
    if (this.tail === this.seen) this.waitForHead();
  }

  private waitForHead(): void {
    if (this.waiting || this.closed) return;
    this.waiting = true;
    this.ring.whenChanged(RingIndex.HEAD, this.seen, () => {
      this.waiting = false;
      this.drain();
    });
  }

  /** Stops reading and gives the slots back to the network memory (once). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Ends this thread's own pending wait on the head.
    this.ring.notify(RingIndex.HEAD);
    this.network.recycleSegments(this.segments);
  }
}

export interface WorkerRingPartitionClientOptions {
  /** Buffers per channel ring (a power of two): the channel's receive memory and its most credit. */
  readonly slots?: number;
}

export class WorkerRingPartitionClient {
  readonly peer: string;
  private readonly port: MessagePort;
  private readonly network: NetworkBufferPool;
  private readonly slots: number;
  private readonly readers = new Map<number, RingReader>();
  private nextReceiverId = 0;
  private closed = false;

  /** Rings are built from `network`'s memory; its segment size is the buffer size. */
  constructor(port: MessagePort, network: NetworkBufferPool, peer = 'worker thread', options: WorkerRingPartitionClientOptions = {}) {
    this.port = port;
    this.network = network;
    this.slots = options.slots ?? DEFAULT_RING_SLOTS;
    this.peer = peer;
    port.on('message', (message: RingProducerMessage) => this.onMessage(message));
    port.on('close', () => this.onClose());
  }

  /** Requests the channel's partition; the channel must be created with `creditedByTransport`. */
  requestPartition(channel: NetworkInputChannel): void {
    if (this.closed) {
      channel.fail(networkError('the connection is closed', channel.name, this.peer));
      return;
    }
    const receiverId = this.nextReceiverId++;
    const reader = new RingReader(channel, this.network, this.slots);
    this.readers.set(receiverId, reader);
    const announcer: CreditAnnouncer = {
      peer: this.peer,
      // The ring's free slots are the credit; the channel holds no buffers of its own to announce.
      announceCredit: () => {},
      // The slots stay full-sized; the sender only fills them less.
      announceBufferSize: (bytes) => {
        if (!this.closed) this.port.postMessage({ t: RingMessage.BUFFER_SIZE, r: receiverId, n: bytes });
      },
      cancel: () => {
        reader.close();
        this.readers.delete(receiverId);
        if (!this.closed) this.port.postMessage({ t: RingMessage.CANCEL, r: receiverId });
      },
    };
    channel.connect(announcer);
    this.port.postMessage({ t: RingMessage.REQUEST, r: receiverId, p: channel.name, z: this.network.segmentSize, ring: reader.ring.memory });
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
    if (reader === undefined) return;
    // The sender refused the request: nothing will be written into the ring.
    this.readers.delete(message.r);
    reader.channel.fail(networkError(message.e!, reader.channel.name, this.peer));
    reader.close();
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
