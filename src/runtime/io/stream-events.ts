/*
 * In-band events that travel on channels between record batches, in order: end of data, end of a
 * partition, watermark status (Flink's StreamStatus) and checkpoint barriers. Watermarks are the
 * api's Watermark class.
 */
import { RecordBatch } from './record-batch.ts';
import { Watermark } from '../../api/common/watermark.ts';

/**
 * The producing subtask finished its input and its operators (Flink's EndOfData, FLIP-147): no
 * records or watermarks follow on this channel, only checkpoint barriers — the producer stays
 * alive until a checkpoint taken after it finished completed — and then the end of the partition.
 * A consumer ends an input once every channel of it delivered EndOfData.
 */
export class EndOfDataEvent {
  static readonly INSTANCE = new EndOfDataEvent();
  private constructor() {}
  toString(): string {
    return 'EndOfData';
  }
}

/** The producing subtask has ended: no more items follow on this channel. */
export class EndOfPartitionEvent {
  static readonly INSTANCE = new EndOfPartitionEvent();
  private constructor() {}
  toString(): string {
    return 'EndOfPartition';
  }
}

/** An input became idle (it is left out of the watermark minimum) or active again. */
export class WatermarkStatus {
  static readonly IDLE = new WatermarkStatus(true);
  static readonly ACTIVE = new WatermarkStatus(false);
  readonly idle: boolean;
  private constructor(idle: boolean) {
    this.idle = idle;
  }
  isIdle(): boolean {
    return this.idle;
  }
  isActive(): boolean {
    return !this.idle;
  }
  toString(): string {
    return this.idle ? 'WatermarkStatus(IDLE)' : 'WatermarkStatus(ACTIVE)';
  }
}

/**
 * A checkpoint barrier (Flink's CheckpointBarrier with its CheckpointOptions): injected by each
 * source task when the checkpoint coordinator triggers checkpoint `checkpointId`, after the records
 * the source emitted before; every task snapshots its state once the barrier has arrived on its
 * inputs and forwards it.
 *
 * An unaligned barrier (FLIP-76) overtakes the data queued in the channels: a task snapshots when
 * the first one arrives, and the data it overtook or that arrives before the other channels'
 * barriers becomes part of the checkpoint. An aligned barrier with a timeout (`alignedTimeoutMs`
 * >= 0) travels in order and turns unaligned once that long has passed since the trigger.
 */
export class CheckpointBarrier {
  readonly checkpointId: number;
  /** When the coordinator triggered the checkpoint, epoch milliseconds. */
  readonly timestamp: number;
  readonly unaligned: boolean;
  /** Aligned barriers only: ms after `timestamp` at which the checkpoint turns unaligned; -1: never. */
  readonly alignedTimeoutMs: number;

  constructor(checkpointId: number, timestamp: number, unaligned = false, alignedTimeoutMs = -1) {
    this.checkpointId = checkpointId;
    this.timestamp = timestamp;
    this.unaligned = unaligned;
    this.alignedTimeoutMs = unaligned ? -1 : alignedTimeoutMs;
  }

  /** Aligned, but turns unaligned when the alignment takes too long. */
  isTimeoutable(): boolean {
    return this.alignedTimeoutMs >= 0;
  }

  /** Whether the checkpoint may store in-flight data (unaligned now or later). */
  needsChannelState(): boolean {
    return this.unaligned || this.alignedTimeoutMs >= 0;
  }

  asUnaligned(): CheckpointBarrier {
    return this.unaligned ? this : new CheckpointBarrier(this.checkpointId, this.timestamp, true);
  }

  toString(): string {
    return `CheckpointBarrier(${this.checkpointId}${this.unaligned ? ', unaligned' : this.isTimeoutable() ? `, aligned-timeout ${this.alignedTimeoutMs} ms` : ''})`;
  }
}

export type StreamEvent = Watermark | WatermarkStatus | EndOfDataEvent | EndOfPartitionEvent | CheckpointBarrier;
export type ChannelItem = RecordBatch | StreamEvent;

export function isRecordBatch(item: ChannelItem): item is RecordBatch {
  return item instanceof RecordBatch;
}
