/*
 * The producing end of a channel, as a RecordWriter writes it (Flink's ResultSubpartition; see
 * input-channel.ts for the abstraction). Priority events — an unaligned checkpoint's barrier
 * overtaking what is queued — are a capability of the in-thread channel only: a network channel
 * has already serialized and possibly sent what is queued, so the barrier cannot overtake it.
 */
import { ErrorCodes, FlinkError } from '../../errors.ts';
import type { ChannelQueueFigures } from './input-channel.ts';
import type { CheckpointBarrier, ChannelItem } from './stream-events.ts';

export interface ResultSubpartition extends ChannelQueueFigures {
  /**
   * Records per batch the consumer asked for (buffer debloating); Infinity when nothing was
   * announced or the transport carries no announcement.
   */
  readonly announcedBatchSize: number;
  push(item: ChannelItem): void;
  /** A push now stays within the channel's credit (or memory). */
  isWritable(): boolean;
  /** The channel holds more than its credit allows: its producer should let the consumer catch up. */
  isOverCapacity(): boolean;
  /** Resolves when the channel is writable again (or released). */
  whenWritable(): Promise<void>;
  release(): void;
  /** Unaligned checkpoints: see PrioritizedSubpartition. */
  pushPriority?(barrier: CheckpointBarrier): ChannelItem[];
  watchBarrier?(barrier: CheckpointBarrier, onPolled: () => void): void;
  overtakeWatchedBarrier?(replacement: CheckpointBarrier): ChannelItem[] | null;
}

/** A subpartition whose barriers can overtake queued data (unaligned checkpoints). */
export interface PrioritizedSubpartition extends ResultSubpartition {
  /** Puts `barrier` at the head of the queue; returns the data it overtook, in order. */
  pushPriority(barrier: CheckpointBarrier): ChannelItem[];
  /** Calls `onPolled` once the consumer polls `barrier` (queued earlier by push()). */
  watchBarrier(barrier: CheckpointBarrier, onPolled: () => void): void;
  /** The watched barrier, if still queued, moves to the head as `replacement`; returns the data it overtook, or null. */
  overtakeWatchedBarrier(replacement: CheckpointBarrier): ChannelItem[] | null;
}

/** `channel` as one whose barriers can overtake data; a FlinkError naming `where` when it is not. */
export function prioritized(channel: ResultSubpartition, where: string): PrioritizedSubpartition {
  if (channel.pushPriority === undefined || channel.watchBarrier === undefined || channel.overtakeWatchedBarrier === undefined) {
    throw new FlinkError(
      ErrorCodes.FLINK_TS_UNSUPPORTED,
      `Unaligned checkpoints need in-thread channels: ${where} sends through a network channel, whose queued data is already serialized and cannot be overtaken by a barrier. Use aligned checkpoints for jobs with network channels.`,
    );
  }
  return channel as PrioritizedSubpartition;
}
