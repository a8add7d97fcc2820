/*
 * Buffer debloating (Flink 1.14+, BufferDebloater with BufferSizeEMA) for the in-thread channels of
 * one input gate. Flink sizes network buffers in bytes so that the data queued on a gate can be
 * consumed within a target time (`taskmanager.network.memory.buffer-debloat.target`, 1 s); here
 * the buffer is a batch of records, so its size is records per batch. Every period the consumer's
 * throughput (records per second of the time it was not idle) gives the records it can take in the
 * target time; spread over the batches in use (at least one), that is the batch size it asks for.
 * The batches in use, and the records whose time to consume is reported, are those the consumer
 * found queued when it turned to its channels during the period (LocalChannel.queuedAtArrival; a
 * channel it did not turn to counts what it holds now): on one thread, the level at the moment a
 * timer runs is always the one between two tasks' steps.
 * The size moves as an exponential moving average over `samples` periods, at most doubling per
 * period (Flink's bound, so that growth is as gradual as shrinking), stays between a minimum and
 * the configured batch size, and is announced to the channels only when it changed by the
 * threshold percentage, or reached the minimum or maximum.
 */
import type { InputChannel } from './input-channel.ts';

export interface BufferDebloatConfiguration {
  readonly enabled: boolean;
  /** 'taskmanager.network.memory.buffer-debloat.target': time to consume the queued data. */
  readonly targetMs: number;
  /** 'taskmanager.network.memory.buffer-debloat.period': how often the size is recalculated. */
  readonly periodMs: number;
  /** 'taskmanager.network.memory.buffer-debloat.samples': periods of the moving average. */
  readonly samples: number;
  /** 'taskmanager.network.memory.buffer-debloat.threshold-percentages': smallest change announced. */
  readonly thresholdPercentages: number;
}

export const DEFAULT_BUFFER_DEBLOAT_CONFIGURATION: BufferDebloatConfiguration = { enabled: false, targetMs: 1000, periodMs: 200, samples: 20, thresholdPercentages: 25 };

/**
 * The smallest batch: 1/128 of the configured batch size (Flink's minimum segment of 256 bytes
 * against its 32 KiB buffers), at least one record.
 */
export function minDebloatedBatchSize(batchSize: number): number {
  return Math.max(1, Math.ceil(batchSize / 128));
}

export class BufferDebloater {
  private readonly channels: readonly InputChannel[];
  /** Per channel, its arrival counters at the previous recalculation. */
  private readonly last: { arrivals: number; batches: number; records: number }[];
  private readonly config: BufferDebloatConfiguration;
  private readonly maxSize: number;
  private readonly minSize: number;
  private readonly alpha: number;
  /** The moving average, unrounded so that small steps add up. */
  private average: number;
  /** The size last announced to the channels (Flink's debloatedBufferSize). */
  private announced: number;
  /** Queued records (as found by the consumer) over the last throughput, in ms (Flink's estimatedTimeToConsumeBuffersMs). */
  private timeToConsumeMs = 0;
  /** How often a new size was announced. */
  announcements = 0;

  constructor(channels: readonly InputChannel[], batchSize: number, config: BufferDebloatConfiguration) {
    this.channels = channels;
    this.last = channels.map((c) => ({ arrivals: c.consumerArrivals, batches: c.queuedAtArrival, records: c.recordsAtArrival }));
    this.config = config;
    this.maxSize = batchSize;
    this.minSize = Math.min(batchSize, minDebloatedBatchSize(batchSize));
    this.alpha = 2 / (config.samples + 1);
    this.average = batchSize;
    this.announced = batchSize;
  }

  get debloatedBufferSize(): number {
    return this.announced;
  }

  get estimatedTimeToConsumeBuffersMs(): number {
    return this.timeToConsumeMs;
  }

  /**
   * One period's measurement: `throughput` records per second of non-idle time. Returns the newly
   * announced batch size, or null when the size stays.
   */
  recalculate(throughput: number): number | null {
    let queuedBatches = 0;
    let queuedRecords = 0;
    for (let i = 0; i < this.channels.length; i++) {
      const c = this.channels[i]!;
      const last = this.last[i]!;
      const arrivals = c.consumerArrivals - last.arrivals;
      if (arrivals > 0) {
        queuedBatches += (c.queuedAtArrival - last.batches) / arrivals;
        queuedRecords += (c.recordsAtArrival - last.records) / arrivals;
      } else {
        queuedBatches += c.bufferedBatches;
        queuedRecords += c.bufferedRecords;
      }
      last.arrivals = c.consumerArrivals;
      last.batches = c.queuedAtArrival;
      last.records = c.recordsAtArrival;
    }
    const rate = Math.max(0, throughput);
    this.timeToConsumeMs = rate > 0 ? (queuedRecords * 1000) / rate : queuedRecords > 0 ? Number.POSITIVE_INFINITY : 0;
    const desiredRecordsInFlight = (rate * this.config.targetMs) / 1000;
    const instant = Math.min(this.average * 2, desiredRecordsInFlight / Math.max(1, queuedBatches));
    this.average = Math.min(this.maxSize, Math.max(this.minSize, this.average + this.alpha * (instant - this.average)));
    const size = Math.min(this.maxSize, Math.max(this.minSize, Math.round(this.average)));
    if (this.skipUpdate(size)) return null;
    this.announced = size;
    this.announcements++;
    // A network channel turns the records into bytes and announces a buffer size (Flink's NewBufferSize).
    for (const channel of this.channels) channel.announceBatchSize?.(size);
    return size;
  }

  /** Flink's rule: small changes are not worth a new announcement, reaching a bound always is. */
  private skipUpdate(size: number): boolean {
    if (size === this.announced) return true;
    if (size <= this.minSize || size >= this.maxSize) return false;
    return Math.abs(size - this.announced) < (this.announced * this.config.thresholdPercentages) / 100;
  }
}
