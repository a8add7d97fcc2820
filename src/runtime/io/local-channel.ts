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
 */
import { RingQueue } from '../../utils/ring-queue.ts';
import { RecordBatch } from './record-batch.ts';
import { CheckpointBarrier, EndOfPartitionEvent, type ChannelItem } from './stream-events.ts';

export interface ChannelConsumer {
  notifyDataAvailable(): void;
}

export class LocalChannel {
  readonly capacity: number;
  readonly producerSubtask: number;
  readonly consumerSubtask: number;
  private readonly queue = new RingQueue<ChannelItem>(8);
  private buffered = 0;
  private writableWaiters: (() => void)[] = [];
  private consumer: ChannelConsumer | null = null;
  /** A queued barrier whose consumption is reported to `barrierPolled` (null: none watched). */
  private watchedBarrier: CheckpointBarrier | null = null;
  private barrierPolled: (() => void) | null = null;
  /** Total records and batches that went through, for metrics. */
  recordsTransferred = 0;
  batchesTransferred = 0;

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

  isWritable(): boolean {
    return this.buffered < this.capacity;
  }

  isOverCapacity(): boolean {
    return this.buffered > this.capacity;
  }

  push(item: ChannelItem): void {
    if (item instanceof RecordBatch) {
      this.buffered++;
      this.batchesTransferred++;
      this.recordsTransferred += item.values.length;
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
      this.buffered--;
      if (this.writableWaiters.length > 0 && this.buffered < this.capacity) {
        const waiters = this.writableWaiters;
        this.writableWaiters = [];
        for (const w of waiters) w();
      }
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
    if (this.isWritable()) return Promise.resolve();
    return new Promise((resolve) => this.writableWaiters.push(resolve));
  }

  /** Drops everything queued (cancellation); wakes writers so that nothing waits forever. */
  release(): void {
    this.queue.clear();
    this.watchedBarrier = null;
    this.barrierPolled = null;
    this.buffered = 0;
    const waiters = this.writableWaiters;
    this.writableWaiters = [];
    for (const w of waiters) w();
  }
}

/** What in-flight channel state holds: data, not barriers or the end of a partition. */
function isInFlightData(item: ChannelItem): boolean {
  return !(item instanceof CheckpointBarrier) && item !== EndOfPartitionEvent.INSTANCE;
}
