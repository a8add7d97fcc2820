/*
 * NetworkInputChannel: the consuming end of one channel fed by a network transport (Flink's
 * RemoteInputChannel). It plays LocalChannel's role for an input gate — poll batches and events in
 * order, hasData, a consumer notified when data arrives, release — while it owns the receiving
 * buffers: data arrives only into buffers it has credited, each buffer is recycled as soon as it
 * is read, and every freed buffer is credit announced back to the sender. The backlog the sender
 * reports brings floating buffers from the gate's pool.
 *
 * A transport whose memory is the credit (the SharedArrayBuffer ring: a sender can only write into
 * a free slot) brings its own buffers: the channel then holds none, announces nothing and takes
 * each arriving buffer as it comes, in sequence.
 *
 * It is an InputChannel (io/input-channel.ts): an InputGate reads it as it reads in-thread channels.
 * Its queue figures count network buffers. Buffer debloating announces sizes in bytes, as Flink's
 * NettyMessage.NewBufferSize: `announceBufferSize` sends one through the transport to the output
 * channel, which ends its buffers there (see NetworkOutputChannel.onNewBufferSize).
 * `announceBatchSize` takes the debloater's records per batch — here records per buffer, the
 * unit of its queue figures — and converts them with the bytes per frame measured on this channel.
 */
import { RingQueue } from '../../../utils/ring-queue.ts';
import type { ChannelItem, StreamEvent } from '../../io/stream-events.ts';
import type { ChannelConsumer, InputChannel } from '../../io/input-channel.ts';
import type { LocalBufferPool } from '../buffer/local-buffer-pool.ts';
import type { NetworkBuffer } from '../buffer/network-buffer.ts';
import type { NetworkBufferPool } from '../buffer/network-buffer-pool.ts';
import { InputChannelBufferManager } from '../buffer/input-channel-buffer-manager.ts';
import { CreditBasedFlowController } from '../credit/credit-based-flow-controller.ts';
import { networkError } from '../network-errors.ts';
import { illegalState } from '../../../errors.ts';
import { MIN_BUFFER_SIZE } from './network-output-channel.ts';
import { SpillingRecordDeserializer } from '../serialization/spilling-record-deserializer.ts';
import { SerializedRecordBatch } from '../serialization/serialized-record-batch.ts';
import type { ChannelRecordSerializer } from '../serialization/record-serializers.ts';

/** What a transport offers an input channel once it has requested its partition. */
export interface CreditAnnouncer {
  readonly peer: string;
  announceCredit(credit: number): void;
  /** Tells the sender to fill buffers to `bytes` from now on (Flink's NewBufferSize). */
  announceBufferSize(bytes: number): void;
  /** Tells the sender to stop and release the channel (cancellation). */
  cancel(): void;
}

export interface NetworkInputChannelOptions<T> {
  /** The name of the output channel it reads (also its name in errors). */
  readonly name: string;
  readonly network: NetworkBufferPool;
  /** The gate's floating buffers; null for none. */
  readonly floatingPool: LocalBufferPool | null;
  readonly exclusiveBuffers: number;
  readonly serializer: ChannelRecordSerializer<T>;
  /** Shared by the channels of a gate; channel `index` in it. Default: one of its own. */
  readonly flowController?: CreditBasedFlowController;
  readonly index?: number;
  /** The transport's own bounded memory is the credit (a ring); needs exclusiveBuffers 0 and no floating pool. */
  readonly creditedByTransport?: boolean;
}

export class NetworkInputChannel<T = unknown> implements InputChannel {
  readonly name: string;
  readonly index: number;
  private readonly buffers: InputChannelBufferManager;
  private readonly credits: CreditBasedFlowController;
  private readonly received = new RingQueue<NetworkBuffer>(8);
  private readonly deserializer: SpillingRecordDeserializer<T>;
  private announcer: CreditAnnouncer | null = null;
  private consumer: ChannelConsumer | null = null;
  private expectedSequenceNumber = 0;
  /** Frames complete in the received buffers and not yet read: hasData() is exact. */
  private unreadFrames = 0;
  private released = false;
  private failure: Error | null = null;
  private readonly creditedByTransport: boolean;
  /** The serializer's values are views into the buffer: it is kept until the next poll. */
  private readonly readsInPlace: boolean;
  private readonly segmentSize: number;
  /** The buffer size last announced to the sender; Infinity: none (full segments). */
  private announcedBufferSize = Number.POSITIVE_INFINITY;
  /** Frames (records and events) that arrived: with bytesIn, the bytes a frame takes on the wire. */
  framesIn = 0;
  recordsIn = 0;
  buffersIn = 0;
  bytesIn = 0;
  /** Queue figures as the consumer meets the received buffers (see ChannelQueueFigures). */
  consumerArrivals = 0;
  queuedAtArrival = 0;
  recordsAtArrival = 0;
  private arrivedSinceTake = false;
  /** The most buffers held at once, the credit of a transport that brings its own buffers. */
  private mostHeld = 0;

  constructor(options: NetworkInputChannelOptions<T>) {
    this.name = options.name;
    this.index = options.index ?? 0;
    this.creditedByTransport = options.creditedByTransport === true;
    this.readsInPlace = options.serializer.readsInPlace === true;
    this.segmentSize = options.network.segmentSize;
    if (this.creditedByTransport && (options.exclusiveBuffers !== 0 || options.floatingPool !== null)) {
      throw illegalState(`Input channel '${options.name}': a transport that brings its own buffers needs exclusiveBuffers 0 and no floating pool`);
    }
    // Announce at once while the sender is down to one credit, else in pairs: half the messages.
    this.credits = options.flowController ?? new CreditBasedFlowController(options.exclusiveBuffers + 64, 1, 3);
    this.deserializer = new SpillingRecordDeserializer(options.serializer, `input channel '${options.name}'`);
    this.buffers = new InputChannelBufferManager(options.network, options.floatingPool, options.exclusiveBuffers, options.name, (n) => this.onNewCredit(n));
    this.credits.requestCredits(this.index, this.buffers.initialCredit);
  }

  get peer(): string {
    return this.announcer?.peer ?? 'not connected';
  }

  get isReleased(): boolean {
    return this.released;
  }

  /** Buffers received and not yet read. */
  get bufferedBuffers(): number {
    return this.received.size;
  }

  get bufferedBatches(): number {
    return this.received.size;
  }

  /** Complete frames received and not yet read (records, an event counting as one). */
  get bufferedRecords(): number {
    return this.unreadFrames;
  }

  /**
   * The buffers it may hold: its exclusive and floating buffers; for a transport that brings its own
   * buffers (the ring) the most it has held at once, as the ring's slots are not visible here.
   */
  get capacity(): number {
    if (this.creditedByTransport) return Math.max(1, this.mostHeld);
    return Math.max(1, this.buffers.initialCredit + this.buffers.numberOfFloatingBuffers);
  }

  get bytesTransferred(): number {
    return this.bytesIn;
  }

  /** The credit state of this channel (announced, unannounced, backlog). */
  creditState(): ReturnType<CreditBasedFlowController['getChannelState']> {
    return this.credits.getChannelState(this.index);
  }

  get numberOfFloatingBuffers(): number {
    return this.buffers.numberOfFloatingBuffers;
  }

  /** Called by the transport when the partition request is on its way; returns the initial credit. */
  connect(announcer: CreditAnnouncer): number {
    this.announcer = announcer;
    return this.credits.takeAnnouncement(this.index);
  }

  setConsumer(consumer: ChannelConsumer): void {
    this.consumer = consumer;
  }

  /** The buffer size in bytes last announced to the sender; Infinity while none was. */
  get bufferSize(): number {
    return this.announcedBufferSize;
  }

  /**
   * Buffer debloating in records per buffer (the unit of this channel's queue figures), converted
   * to bytes with the bytes per frame measured so far. Before any frame arrived there is no measure:
   * nothing is announced, and the sender keeps its size.
   */
  announceBatchSize(records: number): void {
    if (this.framesIn === 0) return;
    this.announceBufferSize(Math.ceil(records * (this.bytesIn / this.framesIn)));
  }

  /**
   * Asks the sender to end its buffers at `bytes` (between MIN_BUFFER_SIZE and the segment size). The
   * message travels on the channel's connection; the sender applies it to what it writes after it
   * arrives. An unchanged size is not sent again.
   */
  announceBufferSize(bytes: number): void {
    if (this.released || this.announcer === null || !(bytes > 0)) return;
    const size = Math.min(this.segmentSize, Math.max(MIN_BUFFER_SIZE, Math.ceil(bytes)));
    if (size === this.announcedBufferSize) return;
    this.announcedBufferSize = size;
    this.announcer.announceBufferSize(size);
  }

  /** A free credited buffer for arriving data, or null when the sender has no credit for it. */
  requestBuffer(): NetworkBuffer | null {
    return this.released ? null : this.buffers.requestBuffer();
  }

  /** A filled buffer from the transport, in sequence; it carries the sender's backlog. */
  onBuffer(buffer: NetworkBuffer, sequenceNumber: number, backlog: number): void {
    if (this.released) {
      buffer.recycle();
      return;
    }
    if (sequenceNumber !== this.expectedSequenceNumber) {
      buffer.recycle();
      this.fail(networkError(`buffer ${sequenceNumber} arrived where ${this.expectedSequenceNumber} was expected`, this.name, this.peer));
      return;
    }
    if (!this.creditedByTransport && !this.credits.onBufferReceived(this.index, backlog)) {
      buffer.recycle();
      this.fail(networkError('the sender sent a buffer without credit', this.name, this.peer));
      return;
    }
    this.expectedSequenceNumber++;
    this.buffersIn++;
    this.bytesIn += buffer.size;
    this.framesIn += buffer.frames;
    if (buffer.frames === 0 && this.unreadFrames === 0 && this.received.size === 0) {
      // Part of a frame larger than this buffer: gathered now, so its buffer goes back as credit
      // without waiting for a consumer that is only woken by complete frames.
      try {
        this.deserializer.absorb(buffer);
      } catch (e) {
        this.fail(networkError('a corrupt frame arrived', this.name, this.peer, e));
        return;
      }
      if (backlog > 0 && !this.creditedByTransport) this.buffers.onSenderBacklog(backlog);
      return;
    }
    this.unreadFrames += buffer.frames;
    this.received.push(buffer);
    this.arrivedSinceTake = true;
    if (this.received.size > this.mostHeld) this.mostHeld = this.received.size;
    if (backlog > 0 && !this.creditedByTransport) this.buffers.onSenderBacklog(backlog);
    if (buffer.frames > 0 && this.unreadFrames === buffer.frames) this.consumer?.notifyDataAvailable();
  }

  hasData(): boolean {
    return this.unreadFrames > 0 || this.failure !== null;
  }

  /**
   * The next batch or event, in the order they were pushed; undefined when none is complete. The
   * batch's records are deserialized into a RecordBatch (views into the buffer, valid until the
   * next poll, when the serializer reads in place).
   */
  poll(): ChannelItem | undefined {
    const item = this.pollSerialized();
    if (!(item instanceof SerializedRecordBatch)) return item;
    const batch = item.toRecordBatch();
    // Nothing points into the buffer any more: its credit goes back now, not at the next poll.
    if (!this.readsInPlace) this.deserializer.recycleRetired();
    return batch;
  }

  /**
   * The next batch or event, with the batch's records left serialized in the network buffer (see
   * SerializedRecordBatch): the batch is valid until the next poll, which recycles its buffer.
   */
  pollSerialized(): SerializedRecordBatch<T> | StreamEvent | undefined {
    if (this.failure !== null) throw this.failure;
    if (this.arrivedSinceTake && this.unreadFrames > 0) {
      this.arrivedSinceTake = false;
      this.consumerArrivals++;
      this.queuedAtArrival += this.received.size;
      this.recordsAtArrival += this.unreadFrames;
    }
    for (;;) {
      const item = this.deserializer.next();
      if (item !== null) {
        if (item instanceof SerializedRecordBatch) {
          this.unreadFrames -= item.length;
          this.recordsIn += item.length;
        } else {
          this.unreadFrames--;
        }
        return item;
      }
      const next = this.received.shift();
      if (next === undefined) return undefined;
      this.deserializer.setNextBuffer(next);
    }
  }

  /** Drops everything received, gives all buffers back and tells the sender to stop. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.deserializer.release();
    for (let b = this.received.shift(); b !== undefined; b = this.received.shift()) b.recycle();
    this.unreadFrames = 0;
    this.buffers.release();
    this.credits.releaseChannel(this.index);
    const announcer = this.announcer;
    this.announcer = null;
    announcer?.cancel();
  }

  /** The transport failed: the consumer wakes up and its next poll throws `error`. */
  fail(error: Error): void {
    if (this.failure !== null || this.released) return;
    this.failure = error;
    // The connection is gone or broken: nothing to cancel on the other side.
    this.announcer = null;
    this.release();
    this.consumer?.notifyDataAvailable();
  }

  get failureCause(): Error | null {
    return this.failure;
  }

  private onNewCredit(n: number): number {
    if (this.released) return 0;
    const accepted = this.credits.requestCredits(this.index, n);
    if (accepted > 0 && this.announcer !== null) {
      const credit = this.credits.takeAnnouncement(this.index);
      if (credit > 0) this.announcer.announceCredit(credit);
    }
    return accepted;
  }
}
