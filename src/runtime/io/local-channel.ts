/*
 * The in-thread channel between one producing and one consuming subtask. The receiver grants a
 * fixed number of buffers (its credit); the producer writes while it has credit and otherwise
 * waits (`whenWritable`) or lets the scheduler drain the consumer. Events are queued in order with
 * the batches and do not need credit, as Flink's priority-free events on a subpartition.
 *
 * Unaligned checkpoints (Flink's priority events on a PipelinedSubpartition): a barrier can be put
 * at the head of the queue, overtaking what is queued; the channel hands back the overtaken data,
 * which becomes the producer's in-flight output state. A barrier queued in order can be watched
 * (told when the consumer polled it) and moved to the head later (the aligned-checkpoint timeout).
 *
 * Buffer debloating (Flink 1.14+): the consumer announces how many records a batch should hold
 * (`announceBatchSize`) so that what is queued can be consumed within the debloat target time; the
 * producer's RecordWriter cuts its batches for this channel at that size. Batches are passed by
 * reference, never serialized: there are no bytes to count (`bytesTransferred` is null).
 */
import { RingQueue } from '../../utils/ring-queue.ts';
import { RecordBatch } from './record-batch.ts';
import { CheckpointBarrier, EndOfPartitionEvent, type ChannelItem } from './stream-events.ts';
import type { ChannelConsumer, InputChannel } from './input-channel.ts';
import type { PrioritizedSubpartition } from './result-subpartition.ts';

export type { ChannelConsumer } from './input-channel.ts';

/** Both ends of an in-thread channel (input-channel.ts, result-subpartition.ts). */
export class LocalChannel implements InputChannel, PrioritizedSubpartition {
  readonly capacity: number;
  readonly producerSubtask: number;
  readonly consumerSubtask: number;
  private readonly queue = new RingQueue<ChannelItem>(8);
  private buffered = 0;
  private records = 0;
  /** Writers waiting until at most `limit` batches are queued (credit, or a throttle's release). */
  private waiters: { readonly limit: number; readonly resolve: () => void }[] = [];
  private consumer: ChannelConsumer | null = null;
  /** A queued barrier whose consumption is reported to `barrierPolled` (null: none watched). */
  private watchedBarrier: CheckpointBarrier | null = null;
  private barrierPolled: (() => void) | null = null;
  /** Total records and batches that went through, for metrics. */
  recordsTransferred = 0;
  batchesTransferred = 0;
  /**
   * How full the consumer finds the queue when it turns to it: each first take after the producer
   * wrote counts one arrival and adds the batches then queued. Their ratio over the capacity is the
   * queue's utilization as the consumer meets it — full when the producer is always ahead, one batch
   * when the consumer keeps up. Reading the level at moments of the clock would be biased on one
   * thread, where it is always read between two tasks' steps.
   */
  consumerArrivals = 0;
  queuedAtArrival = 0;
  /** The records queued at those arrivals, summed. */
  recordsAtArrival = 0;
  private writtenSinceTake = false;
  /**
   * Records per batch the consumer asks for (buffer debloating); the writer's configured batch size
   * applies while it is larger. Infinity: nothing announced.
   */
  announcedBatchSize = Number.POSITIVE_INFINITY;

  constructor(capacity: number, producerSubtask: number, consumerSubtask: number) {
    this.capacity = capacity;
    this.producerSubtask = producerSubtask;
    this.consumerSubtask = consumerSubtask;
  }

  setConsumer(consumer: ChannelConsumer): void {
    this.consumer = consumer;
  }

  /** Buffers queued and not yet consumed. */
  get bufferedBatches(): number {
    return this.buffered;
  }

  /** Records in the queued batches. */
  get bufferedRecords(): number {
    return this.records;
  }

  /** Fraction of the credit in use (queued batches over capacity), at most 1. */
  get utilization(): number {
    return this.buffered >= this.capacity ? 1 : this.buffered / this.capacity;
  }

  /**
   * Serialized bytes that went through (Flink's numBytesIn/Out): null, because an in-thread channel
   * hands record batches over by reference and serializes nothing. Network channels count theirs.
   */
  get bytesTransferred(): number | null {
    return null;
  }

  /** The consumer's buffer debloater sets the records per batch it wants (at least 1). */
  announceBatchSize(records: number): void {
    this.announcedBatchSize = Math.max(1, Math.floor(records));
  }

  isWritable(): boolean {
    return this.buffered < this.capacity;
  }

  isOverCapacity(): boolean {
    return this.buffered > this.capacity;
  }

  push(item: ChannelItem): void {
    if (item instanceof RecordBatch) {
      const n = item.values.length;
      this.buffered++;
      this.records += n;
      this.writtenSinceTake = true;
      this.batchesTransferred++;
      this.recordsTransferred += n;
    }
    this.queue.push(item);
    if (this.queue.size === 1) this.consumer?.notifyDataAvailable();
  }

  hasData(): boolean {
    return this.queue.size > 0;
  }

  poll(): ChannelItem | undefined {
    const item = this.queue.shift();
    if (item instanceof RecordBatch) {
      if (this.writtenSinceTake) {
        this.writtenSinceTake = false;
        this.consumerArrivals++;
        this.queuedAtArrival += this.buffered;
        this.recordsAtArrival += this.records;
      }
      this.buffered--;
      this.records -= item.values.length;
      if (this.waiters.length > 0) this.releaseWaiters();
    } else if (item !== undefined && item === this.watchedBarrier) {
      const polled = this.barrierPolled!;
      this.watchedBarrier = null;
      this.barrierPolled = null;
      polled();
    }
    return item;
  }

  /**
   * Puts `barrier` at the head of the queue, before everything queued; returns the overtaken data
   * (record batches, watermarks, watermark statuses) in order. Barriers it overtakes stay queued
   * (the consumer ignores them as stale).
   */
  pushPriority(barrier: CheckpointBarrier): ChannelItem[] {
    const queued = [...this.queue];
    this.queue.clear();
    this.queue.push(barrier);
    for (const item of queued) this.queue.push(item);
    if (queued.length === 0) this.consumer?.notifyDataAvailable();
    return queued.filter(isInFlightData);
  }

  /** Calls `onPolled` once the consumer polls `barrier` (queued earlier by push()). */
  watchBarrier(barrier: CheckpointBarrier, onPolled: () => void): void {
    this.watchedBarrier = barrier;
    this.barrierPolled = onPolled;
  }

  /**
   * The watched barrier, if still queued, moves to the head as `replacement` (its unaligned form);
   * returns the data it overtook, or null when the consumer polled it already.
   */
  overtakeWatchedBarrier(replacement: CheckpointBarrier): ChannelItem[] | null {
    const barrier = this.watchedBarrier;
    if (barrier === null) return null;
    this.watchedBarrier = null;
    this.barrierPolled = null;
    const queued = [...this.queue];
    const at = queued.indexOf(barrier);
    if (at < 0) return null;
    this.queue.clear();
    this.queue.push(replacement);
    for (let i = 0; i < queued.length; i++) if (i !== at) this.queue.push(queued[i]!);
    return queued.slice(0, at).filter(isInFlightData);
  }

  whenWritable(): Promise<void> {
    return this.whenBufferedAtMost(this.capacity - 1);
  }

  /** Resolves once at most `limit` batches are queued (or the channel is released). */
  whenBufferedAtMost(limit: number): Promise<void> {
    if (this.buffered <= limit) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ limit, resolve }));
  }

  private releaseWaiters(): void {
    const buffered = this.buffered;
    const waiters = this.waiters;
    let kept = 0;
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i]!;
      if (buffered <= w.limit) w.resolve();
      else waiters[kept++] = w;
    }
    waiters.length = kept;
  }

  /** Drops everything queued (cancellation); wakes writers so that nothing waits forever. */
  release(): void {
    this.queue.clear();
    this.watchedBarrier = null;
    this.barrierPolled = null;
    this.buffered = 0;
    this.records = 0;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
  }
}

/** What in-flight channel state holds: data, not barriers or the end of a partition. */
function isInFlightData(item: ChannelItem): boolean {
  return !(item instanceof CheckpointBarrier) && item !== EndOfPartitionEvent.INSTANCE;
}
