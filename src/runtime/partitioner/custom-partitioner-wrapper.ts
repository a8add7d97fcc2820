/*
 * partitionCustom: a user partitioner chooses the channel from the record's key. Its answer is user
 * output, so it is checked before use: a bad index would otherwise drop or misroute records silently.
 */

import { ErrorCodes, FlinkError } from '../../errors.ts';
import { describeKey } from '../state/key-hash.ts';
import { PartitionerKinds, StreamPartitioner } from './stream-partitioner.ts';

/** Flink's Partitioner: the partition in [0, numPartitions) for a key. */
export interface Partitioner<K> {
  partition(key: K, numPartitions: number): number;
}

export type PartitionFunction<K> = (key: K, numPartitions: number) => number;

export class CustomPartitionerWrapper<T, K = unknown> extends StreamPartitioner<T> {
  readonly kind = PartitionerKinds.CUSTOM;

  readonly partitioner: Partitioner<K> | PartitionFunction<K>;
  readonly keySelector: (value: T) => K;
  private readonly partitionFn: PartitionFunction<K>;

  constructor(partitioner: Partitioner<K> | PartitionFunction<K>, keySelector: (value: T) => K) {
    super();
    this.partitioner = partitioner;
    this.keySelector = keySelector;
    this.partitionFn = typeof partitioner === 'function' ? partitioner : (key, n) => partitioner.partition(key, n);
  }

  /**
   * Errors thrown by the key selector or partitioner propagate unchanged. An index outside
   * [0, numberOfChannels) throws FLINK_TS_USER_FUNCTION naming the index, key and partition count.
   */
  selectChannel(value: T): number {
    const key = this.keySelector(value);
    const n = this.numberOfChannels;
    const index = this.partitionFn(key, n);
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= n) {
      throw new FlinkError(
        ErrorCodes.FLINK_TS_USER_FUNCTION,
        `Custom partitioner returned partition ${describeKey(index)} for key ${describeKey(key)}, ` +
          `but it must be an integer in [0, ${n}) (number of partitions: ${n}).`,
        { context: { partition: index, numPartitions: n } },
      );
    }
    return index;
  }

  /** Shares the user partitioner: unlike Flink, which clones it by serialization, it cannot be copied generically. */
  copy(): CustomPartitionerWrapper<T, K> {
    return new CustomPartitionerWrapper<T, K>(this.partitioner, this.keySelector);
  }
}
