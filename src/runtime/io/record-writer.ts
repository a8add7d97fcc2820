/*
 * RecordWriter: the producing end of one job edge in one subtask. Records are appended to a batch
 * per channel (chosen by the edge's partitioner); a full batch goes to its channel. Events are
 * broadcast in order after the pending batches. When a channel goes over its credit the writer
 * asks its task to let the consumers catch up, so a burst inside one step stays bounded.
 */
import type { StreamPartitioner } from '../partitioner/stream-partitioner.ts';
import type { LocalChannel } from './local-channel.ts';
import { RecordBatch } from './record-batch.ts';
import type { StreamEvent } from './stream-events.ts';

export interface OverflowHandler {
  /** Called when `channel` holds more batches than its credit allows. */
  onChannelOverflow(channel: LocalChannel): void;
}

export class RecordWriter<T> {
  readonly channels: readonly LocalChannel[];
  private readonly partitioner: StreamPartitioner<T>;
  private readonly batchSize: number;
  private readonly builders: RecordBatch<T>[];
  private readonly overflow: OverflowHandler;
  private readonly broadcast: boolean;
  private readonly single: boolean;
  recordsOut = 0;

  constructor(channels: readonly LocalChannel[], partitioner: StreamPartitioner<T>, batchSize: number, overflow: OverflowHandler) {
    this.channels = channels;
    this.partitioner = partitioner;
    this.batchSize = batchSize;
    this.overflow = overflow;
    this.builders = channels.map(() => new RecordBatch<T>());
    this.broadcast = partitioner.isBroadcast();
    this.single = channels.length === 1 && !this.broadcast;
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
    if (builder.values.length >= this.batchSize) this.flushChannel(channel);
  }

  flushChannel(channel: number): void {
    const builder = this.builders[channel]!;
    if (builder.values.length === 0) return;
    this.builders[channel] = new RecordBatch<T>();
    const target = this.channels[channel]!;
    target.push(builder);
    if (target.isOverCapacity()) this.overflow.onChannelOverflow(target);
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

  /** Fraction of granted buffers in use, over all channels (Flink's outPoolUsage). */
  bufferUsage(): number {
    let used = 0;
    let capacity = 0;
    for (const channel of this.channels) {
      used += Math.min(channel.bufferedBatches, channel.capacity);
      capacity += channel.capacity;
    }
    return capacity === 0 ? 0 : used / capacity;
  }
}
