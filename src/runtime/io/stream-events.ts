/*
 * In-band events that travel on channels between record batches, in order: end of a partition
 * and watermark status (Flink's StreamStatus). Watermarks are the api's Watermark class.
 * Checkpoint barriers join them with the checkpoint coordinator.
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

export type StreamEvent = Watermark | WatermarkStatus | EndOfPartitionEvent;
export type ChannelItem = RecordBatch | StreamEvent;

export function isRecordBatch(item: ChannelItem): item is RecordBatch {
  return item instanceof RecordBatch;
}
