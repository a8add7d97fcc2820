/*
 * In-band events that travel on channels between record batches, in order: end of a partition,
 * watermark status (Flink's StreamStatus) and checkpoint barriers. Watermarks are the api's
 * Watermark class.
 */
import { RecordBatch } from './record-batch.ts';
import { Watermark } from '../../api/common/watermark.ts';

/** The producing subtask has finished: no more items follow on this channel. */
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
 * A checkpoint barrier (Flink's CheckpointBarrier): injected by each source task when the
 * checkpoint coordinator triggers checkpoint `checkpointId`, after the records the source emitted
 * before; every task snapshots its state once the barrier has arrived on its inputs and forwards it.
 */
export class CheckpointBarrier {
  readonly checkpointId: number;
  /** When the coordinator triggered the checkpoint, epoch milliseconds. */
  readonly timestamp: number;

  constructor(checkpointId: number, timestamp: number) {
    this.checkpointId = checkpointId;
    this.timestamp = timestamp;
  }

  toString(): string {
    return `CheckpointBarrier(${this.checkpointId})`;
  }
}

export type StreamEvent = Watermark | WatermarkStatus | EndOfPartitionEvent | CheckpointBarrier;
export type ChannelItem = RecordBatch | StreamEvent;

export function isRecordBatch(item: ChannelItem): item is RecordBatch {
  return item instanceof RecordBatch;
}
