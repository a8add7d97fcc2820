/*
 * Rebalance: round-robin over all consumer subtasks, each producer starting at a random channel
 * so that producers do not all hit channel 0 first (Flink's RebalancePartitioner).
 */

import { PartitionerKinds, StreamPartitioner } from './stream-partitioner.ts';

export class RebalancePartitioner<T> extends StreamPartitioner<T> {
  readonly kind = PartitionerKinds.REBALANCE;

  private readonly random: () => number;
  private nextChannelToSendTo = 0;

  /** `random` returns a number in [0, 1) like Math.random; tests pass their own to fix the start. */
  constructor(random: () => number = Math.random) {
    super();
    this.random = random;
  }

  override setup(numberOfChannels: number): void {
    super.setup(numberOfChannels);
    this.nextChannelToSendTo = Math.min(Math.floor(this.random() * numberOfChannels), numberOfChannels - 1);
  }

  selectChannel(_value: T): number {
    this.nextChannelToSendTo = (this.nextChannelToSendTo + 1) % this.numberOfChannels;
    return this.nextChannelToSendTo;
  }

  copy(): RebalancePartitioner<T> {
    return new RebalancePartitioner<T>(this.random);
  }
}
