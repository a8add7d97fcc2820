/*
 * The in-thread channel between one producing and one consuming subtask. The receiver grants a
 * fixed number of buffers (its credit); the producer writes while it has credit and otherwise
 * waits (`whenWritable`) or lets the scheduler drain the consumer. Events are queued in order with
 * the batches and do not need credit, as Flink's priority-free events on a subpartition.
 */
import { RingQueue } from '../../utils/ring-queue.ts';
import { RecordBatch } from './record-batch.ts';
import type { ChannelItem } from './stream-events.ts';

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
    }
    return item;
  }

  whenWritable(): Promise<void> {
    if (this.isWritable()) return Promise.resolve();
    return new Promise((resolve) => this.writableWaiters.push(resolve));
  }

  /** Drops everything queued (cancellation); wakes writers so that nothing waits forever. */
  release(): void {
    this.queue.clear();
    this.buffered = 0;
    const waiters = this.writableWaiters;
    this.writableWaiters = [];
    for (const w of waiters) w();
  }
}
