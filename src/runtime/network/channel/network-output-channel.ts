/*
 * NetworkOutputChannel: the producing end of one channel that leaves the task through a network
 * transport (Flink's ResultSubpartition with its credit-based view reader). It plays LocalChannel's
 * role for a writer — push batches and events, isWritable/whenWritable, release — but serializes
 * into buffers of its result partition's pool, queues finished buffers as backlog, and sends one
 * only against a credit the receiver announced. Each sent buffer carries the backlog behind it,
 * so the receiver can hand out floating buffers before the sender stalls.
 *
 * Writability is Flink's: a writer may push while the partition's pool has a buffer for it and this
 * channel's backlog is under taskmanager.network.memory.max-buffers-per-channel. Memory is bounded
 * by the pool; a push that overruns it is kept, serialized, until buffers come back.
 *
 * It is a ResultSubpartition (io/result-subpartition.ts): a RecordWriter writes it as it writes
 * in-thread channels. It is over capacity while such an overrun waits for buffers. Its barriers
 * cannot overtake what is already serialized, so it offers no priority events (unaligned
 * checkpoints need in-thread channels).
 *
 * Buffer debloating reaches it in bytes, as in Flink (NettyMessage.NewBufferSize → the view reader →
 * ResultSubpartition#bufferSize): the receiver announces a buffer size and buffers are ended once
 * they hold that many bytes — at least MIN_BUFFER_SIZE, at most the segment — so that less data
 * waits in flight under back pressure. The segments stay full-sized; only the cut moves. The
 * writer's batch size in records (`announcedBatchSize`) is not touched by it.
 */
import { RingQueue } from '../../../utils/ring-queue.ts';
import { RecordBatch } from '../../io/record-batch.ts';
import type { ChannelItem } from '../../io/stream-events.ts';
import type { ResultSubpartition } from '../../io/result-subpartition.ts';
import { BufferAvailability } from '../buffer/buffer-availability.ts';
import type { LocalBufferPool } from '../buffer/local-buffer-pool.ts';
import type { NetworkBuffer } from '../buffer/network-buffer.ts';
import { CreditBasedFlowController } from '../credit/credit-based-flow-controller.ts';
import { SpanningRecordSerializer } from '../serialization/spanning-record-serializer.ts';
import type { ChannelRecordSerializer } from '../serialization/record-serializers.ts';

/** What a transport offers an output channel once a receiver has requested it. */
export interface BufferSender {
  /** Describes the receiving side in errors, e.g. 'tcp 127.0.0.1:40123'. */
  readonly peer: string;
  /** Sends the buffer; the transport recycles it once the bytes are out. */
  sendBuffer(buffer: NetworkBuffer, sequenceNumber: number, backlog: number): void;
  /**
   * Credit given since it was last reported that the transport can read without a message (a
   * ring's freed slots, in shared memory); asked when the channel has backlog and no credit. 0 when
   * there is none: the transport then reports the next credit with `addCredits`.
   */
  pollCredits?(): number;
}

/**
 * The smallest buffer size an announcement can bring (Flink's
 * taskmanager.network.memory.min-segment-size, 256 bytes): below it the per-buffer costs dominate.
 */
export const MIN_BUFFER_SIZE = 256;

export interface NetworkOutputChannelOptions<T> {
  /** Unique name, used by receivers to request this channel and in errors. */
  readonly name: string;
  readonly pool: LocalBufferPool;
  readonly serializer: ChannelRecordSerializer<T>;
  /** The most buffers this channel may have queued (taskmanager.network.memory.max-buffers-per-channel). */
  readonly maxBacklog: number;
  /** Upper bound of credit a receiver may announce; at least its exclusive plus floating buffers. */
  readonly maxCredits?: number;
}

export class NetworkOutputChannel<T = unknown> implements ResultSubpartition {
  readonly name: string;
  private readonly pool: LocalBufferPool;
  private readonly writer: SpanningRecordSerializer<T>;
  private readonly backlog = new RingQueue<NetworkBuffer>(8);
  private readonly maxBacklog: number;
  private readonly credits: CreditBasedFlowController;
  private readonly writability = new BufferAvailability();
  private sender: BufferSender | null = null;
  private sequenceNumber = 0;
  private watchingPool = false;
  private released = false;
  private failure: Error | null = null;
  recordsOut = 0;
  buffersOut = 0;
  bytesOut = 0;
  /** Batch sizes in records are not announced over the network (buffer sizes in bytes are): batches stay as configured. */
  readonly announcedBatchSize = Number.POSITIVE_INFINITY;
  /**
   * Queue figures as credit meets the backlog: each first send after buffers were queued counts one
   * arrival, with the buffers (and their frames) then waiting.
   */
  consumerArrivals = 0;
  queuedAtArrival = 0;
  recordsAtArrival = 0;
  private queuedSinceSend = false;
  private backlogFrames = 0;

  constructor(options: NetworkOutputChannelOptions<T>) {
    this.name = options.name;
    this.pool = options.pool;
    this.maxBacklog = options.maxBacklog;
    this.credits = new CreditBasedFlowController(options.maxCredits ?? 1024);
    this.writer = new SpanningRecordSerializer(options.serializer, options.pool, (buffer) => this.enqueue(buffer));
  }

  get isReleased(): boolean {
    return this.released;
  }

  get peer(): string {
    return this.sender?.peer ?? 'not connected';
  }

  /** Finished buffers waiting for credit (what each sent buffer reports as backlog). */
  get backlogSize(): number {
    return this.backlog.size;
  }

  get capacity(): number {
    return this.maxBacklog;
  }

  get bufferedBatches(): number {
    return this.backlog.size;
  }

  /** Frames in the backlog (records, an event counting as one). */
  get bufferedRecords(): number {
    return this.backlogFrames;
  }

  get bytesTransferred(): number {
    return this.bytesOut;
  }

  /** A push overran the pool: its frames wait, serialized, for buffers. */
  isOverCapacity(): boolean {
    return this.writer.hasPending;
  }

  get availableCredits(): number {
    return this.credits.getAvailableCredits(0);
  }

  /** Called by the transport when a receiver requested this channel. */
  connect(sender: BufferSender, initialCredit: number): void {
    if (this.released) return;
    this.sender = sender;
    this.addCredits(initialCredit);
  }

  /** The bytes a buffer is filled to: Infinity (the whole segment) until the receiver announces a size. */
  get bufferSize(): number {
    return this.writer.targetBufferSize;
  }

  /**
   * A NewBufferSize announcement from the receiver: buffers are ended at `bytes` (not below
   * MIN_BUFFER_SIZE; a segment is never exceeded) from the next write on. What is already queued
   * or sent keeps its cut; a buffer being filled past the new size ends with the next write.
   */
  onNewBufferSize(bytes: number): void {
    if (this.released || !(bytes > 0)) return;
    this.writer.setBufferSize(Math.max(MIN_BUFFER_SIZE, bytes));
  }

  /** An AddCredit announcement from the receiver. */
  addCredits(credit: number): void {
    if (this.released) return;
    this.credits.addCredits(0, credit);
    this.sendAgainstCredit();
  }

  isWritable(): boolean {
    return !this.released && !this.writer.hasPending && this.backlog.size < this.maxBacklog && this.pool.isAvailable();
  }

  /** Resolves when a push would be accepted without overrunning the pool (or the channel is released). */
  async whenWritable(): Promise<void> {
    while (!this.released) {
      if (this.writer.hasPending && this.pool.isAvailable()) this.writer.continueWriting();
      if (this.isWritable()) return;
      const signal = this.writability.wait();
      if (!this.pool.isAvailable()) this.watchPool();
      await signal;
    }
  }

  push(item: ChannelItem): void {
    if (this.failure !== null) throw this.failure;
    if (this.released) return;
    if (item instanceof RecordBatch) {
      this.recordsOut += item.values.length;
      this.writer.writeBatch(item as RecordBatch<T>);
    } else {
      this.writer.writeEvent(item);
    }
    // Frames that found no buffer are written as soon as the pool has one again.
    if (this.writer.hasPending) this.watchPool();
  }

  /** Sends the partly filled buffer (Flink's output flusher on buffer timeout). */
  flush(): void {
    if (!this.released) this.writer.flush();
  }

  /** The receiver cancelled or the task is cancelled: every buffer goes back, waiters wake up. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.writer.release();
    for (let b = this.backlog.shift(); b !== undefined; b = this.backlog.shift()) b.recycle();
    this.backlogFrames = 0;
    this.writability.notifyAvailable();
  }

  /** The transport failed: the next push throws `error`, which names channel and peer. */
  fail(error: Error): void {
    if (this.failure === null) this.failure = error;
    this.release();
  }

  get failureCause(): Error | null {
    return this.failure;
  }

  private enqueue(buffer: NetworkBuffer): void {
    this.backlog.push(buffer);
    this.backlogFrames += buffer.frames;
    this.queuedSinceSend = true;
    this.sendAgainstCredit();
  }

  private sendAgainstCredit(): void {
    const sender = this.sender;
    if (sender === null) return;
    let sent = false;
    while (this.backlog.size > 0) {
      if (!this.credits.consumeCredits(0, 1)) {
        const polled = sender.pollCredits === undefined ? 0 : sender.pollCredits();
        if (polled === 0) break;
        this.credits.addCredits(0, polled);
        continue;
      }
      if (this.queuedSinceSend) {
        this.queuedSinceSend = false;
        this.consumerArrivals++;
        this.queuedAtArrival += this.backlog.size;
        this.recordsAtArrival += this.backlogFrames;
      }
      const buffer = this.backlog.shift()!;
      this.backlogFrames -= buffer.frames;
      this.buffersOut++;
      this.bytesOut += buffer.size;
      sender.sendBuffer(buffer, this.sequenceNumber++, this.backlog.size);
      sent = true;
    }
    if (sent && (this.writability.hasWaiters || this.writer.hasPending)) this.onBuffersFreed();
  }

  private watchPool(): void {
    if (this.watchingPool || this.released) return;
    this.watchingPool = true;
    void this.pool.whenAvailable().then(() => {
      this.watchingPool = false;
      this.onBuffersFreed();
    });
  }

  private onBuffersFreed(): void {
    if (this.released) {
      this.writability.notifyAvailable();
      return;
    }
    if (this.writer.hasPending && this.pool.isAvailable()) this.writer.continueWriting();
    if (this.isWritable()) this.writability.notifyAvailable();
    // Only the pool's signal can help now; credit arrivals call back here by themselves.
    else if ((this.writability.hasWaiters || this.writer.hasPending) && !this.pool.isAvailable()) this.watchPool();
  }
}
