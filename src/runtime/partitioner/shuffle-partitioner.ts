/*
 * Shuffle: each record goes to a uniformly random channel (Flink's ShufflePartitioner).
 */

import { PartitionerKinds, StreamPartitioner } from './stream-partitioner.ts';

export class ShufflePartitioner<T> extends StreamPartitioner<T> {
  readonly kind = PartitionerKinds.SHUFFLE;

  private readonly random: () => number;

  /** `random` returns a number in [0, 1) like Math.random; tests pass their own to be deterministic. */
  constructor(random: () => number = Math.random) {
    super();
    this.random = random;
  }

  selectChannel(_value: T): number {
    const n = this.numberOfChannels;
    return Math.min(Math.floor(this.random() * n), n - 1);
  }

  copy(): ShufflePartitioner<T> {
    return new ShufflePartitioner<T>(this.random);
  }
}
