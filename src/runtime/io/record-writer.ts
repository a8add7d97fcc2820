/*
 * RecordWriter: the producing end of one job edge in one subtask. Records are appended to a batch
 * per channel (chosen by the edge's partitioner); a full batch goes to its channel. Events are
 * broadcast in order after the pending batches. When a channel goes over its credit the writer
 * asks its task to let the consumers catch up, so a burst inside one step stays bounded.
 * With buffer debloating a consumer announces a smaller batch size for its channel; the writer
 * takes it up when it cuts the channel's next batch (per batch, so the record path is unchanged).
 * Its channels may be in-thread or network channels (result-subpartition.ts); only per-batch
 * calls go to them.
 */
import type { StreamPartitioner } from '../partitioner/stream-partitioner.ts';
import { ChannelQueueUsage } from './channel-queue-usage.ts';
import { RecordBatch } from './record-batch.ts';
import type { ResultSubpartition } from './result-subpartition.ts';
import type { StreamEvent } from './stream-events.ts';

export interface OverflowHandler {
  /** Called when `channel` (the writer's channel `index`, to consumer subtask `index`) holds more than its credit allows. */
  onChannelOverflow(channel: ResultSubpartition, index: number): void;
}

export class RecordWriter<T> {
  readonly channels: readonly ResultSubpartition[];
  private readonly partitioner: StreamPartitioner<T>;
  private readonly batchSize: number;
  private readonly builders: RecordBatch<T>[];
  /** Records per batch for each channel: the batch size, or less when its consumer announced less. */
  private readonly limits: number[];
  private readonly overflow: OverflowHandler;
  private readonly broadcast: boolean;
  private readonly single: boolean;
  private readonly usage: ChannelQueueUsage;
  recordsOut = 0;

  constructor(channels: readonly ResultSubpartition[], partitioner: StreamPartitioner<T>, batchSize: number, overflow: OverflowHandler) {
    this.channels = channels;
    this.partitioner = partitioner;
    this.batchSize = batchSize;
    this.overflow = overflow;
    this.builders = channels.map(() => new RecordBatch<T>());
    this.limits = channels.map((c) => Math.min(batchSize, c.announcedBatchSize));
    this.broadcast = partitioner.isBroadcast();
    this.single = channels.length === 1 && !this.broadcast;
    this.usage = new ChannelQueueUsage(channels);
    partitioner.setup(channels.length);
  }

  emit(value: T, timestamp: number): void {
    this.recordsOut++;
    if (this.broadcast) {
      for (let ch = 0; ch < this.builders.length; ch++) this.append(ch, value, timestamp);
      return;
    }
    this.append(this.single ? 0 : this.partitioner.selectChannel(value), value, timestamp);
  }

  private append(channel: number, value: T, timestamp: number): void {
    const builder = this.builders[channel]!;
    builder.add(value, timestamp);
    if (builder.values.length >= this.limits[channel]!) this.flushChannel(channel);
  }

  flushChannel(channel: number): void {
    const builder = this.builders[channel]!;
    if (builder.values.length === 0) return;
    this.builders[channel] = new RecordBatch<T>();
    const target = this.channels[channel]!;
    this.limits[channel] = Math.min(this.batchSize, target.announcedBatchSize);
    target.push(builder);
    if (target.isOverCapacity()) this.overflow.onChannelOverflow(target, channel);
  }

  flushAll(): void {
    for (let ch = 0; ch < this.builders.length; ch++) this.flushChannel(ch);
  }

  hasPendingRecords(): boolean {
    for (const b of this.builders) if (b.values.length > 0) return true;
    return false;
  }

  broadcastEvent(event: StreamEvent): void {
    this.flushAll();
    for (const channel of this.channels) channel.push(event);
  }

  isAvailable(): boolean {
    for (const channel of this.channels) if (!channel.isWritable()) return false;
    return true;
  }

  /** Resolves when every channel has credit again. */
  async whenAvailable(): Promise<void> {
    for (const channel of this.channels) if (!channel.isWritable()) await channel.whenWritable();
  }

  /**
   * Fraction of the granted buffers holding data as the consumers found them since the previous
   * reading (Flink's outPoolUsage; see channel-queue-usage.ts).
   */
  bufferUsage(): number {
    return this.usage.read();
  }

  /** Records per batch this writer cuts for `channel` now. */
  batchSizeOf(channel: number): number {
    return this.limits[channel]!;
  }
}
