/*
 * Rescale: round-robin from channel 0 over only the consumers this producer is connected to by
 * the POINTWISE pattern (see pointwise.ts), so data stays local to subsets (Flink's RescalePartitioner).
 */

import { PartitionerKinds, StreamPartitioner } from './stream-partitioner.ts';

export class RescalePartitioner<T> extends StreamPartitioner<T> {
  readonly kind = PartitionerKinds.RESCALE;

  private nextChannelToSendTo = -1;

  override setup(numberOfChannels: number): void {
    super.setup(numberOfChannels);
    this.nextChannelToSendTo = -1;
  }

  selectChannel(_value: T): number {
    if (++this.nextChannelToSendTo >= this.numberOfChannels) this.nextChannelToSendTo = 0;
    return this.nextChannelToSendTo;
  }

  override isPointwise(): boolean {
    return true;
  }

  copy(): RescalePartitioner<T> {
    return new RescalePartitioner<T>();
  }
}
