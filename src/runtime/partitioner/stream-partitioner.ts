/*
 * The base of all stream partitioners: given a record, choose the output channel (downstream
 * subtask among those this producer is connected to). One instance per producing subtask, made
 * with copy(), because some partitioners keep per-producer state (round-robin position).
 */

import { ErrorCodes, FlinkError } from '../../errors.ts';

export const PartitionerKinds = {
  FORWARD: 'forward',
  HASH: 'hash',
  REBALANCE: 'rebalance',
  RESCALE: 'rescale',
  BROADCAST: 'broadcast',
  SHUFFLE: 'shuffle',
  GLOBAL: 'global',
  CUSTOM: 'custom',
} as const;

export type PartitionerKind = (typeof PartitionerKinds)[keyof typeof PartitionerKinds];

export abstract class StreamPartitioner<T> {
  abstract readonly kind: PartitionerKind;

  protected numberOfChannels = 0;

  /** Called once per producing subtask instance with the number of channels it writes to. */
  setup(numberOfChannels: number): void {
    if (!Number.isInteger(numberOfChannels) || numberOfChannels < 1) {
      throw new FlinkError(
        ErrorCodes.FLINK_TS_ILLEGAL_STATE,
        `${this.toString()} partitioner set up with ${numberOfChannels} channels; it needs a positive integer.`,
      );
    }
    this.numberOfChannels = numberOfChannels;
  }

  /** The channel for `value`, in [0, numberOfChannels). Only valid after setup(). */
  abstract selectChannel(value: T): number;

  /** Broadcast partitioners send every record to every channel instead of selecting one. */
  isBroadcast(): boolean {
    return false;
  }

  /** True when the edge uses Flink's POINTWISE pattern (see pointwise.ts) rather than all-to-all. */
  isPointwise(): boolean {
    return false;
  }

  /** A fresh instance for another producing subtask; it must be set up again. */
  abstract copy(): StreamPartitioner<T>;

  toString(): string {
    return this.kind.toUpperCase();
  }
}
