/*
 * Hash partitioning for keyBy: the key's key group decides the consumer subtask, so all records
 * of a key (and its keyed state) meet in one subtask, as in Flink's KeyGroupStreamPartitioner.
 */

import { invalidPipeline } from '../../errors.ts';
import {
  assignToKeyGroup,
  checkParallelismPreconditions,
  computeOperatorIndexForKeyGroup,
} from '../state/key-group-range-assignment.ts';
import { PartitionerKinds, StreamPartitioner } from './stream-partitioner.ts';

export class KeyGroupStreamPartitioner<T> extends StreamPartitioner<T> {
  readonly kind = PartitionerKinds.HASH;

  readonly keySelector: (value: T) => unknown;
  private maxParallelism: number;

  constructor(keySelector: (value: T) => unknown, maxParallelism: number) {
    super();
    if (!Number.isInteger(maxParallelism) || maxParallelism <= 0) {
      throw invalidPipeline(`Number of key groups must be a positive integer, got ${maxParallelism}.`);
    }
    this.keySelector = keySelector;
    this.maxParallelism = maxParallelism;
  }

  getMaxParallelism(): number {
    return this.maxParallelism;
  }

  /** Replaces the max parallelism once the job's effective value is known (Flink's ConfigurableStreamPartitioner). */
  configure(maxParallelism: number): void {
    checkParallelismPreconditions(maxParallelism);
    this.maxParallelism = maxParallelism;
  }

  /** Errors of the key selector propagate unchanged; an unusable key throws FLINK_TS_INVALID_KEY. */
  selectChannel(value: T): number {
    const maxParallelism = this.maxParallelism;
    return computeOperatorIndexForKeyGroup(maxParallelism, this.numberOfChannels, assignToKeyGroup(this.keySelector(value), maxParallelism));
  }

  copy(): KeyGroupStreamPartitioner<T> {
    return new KeyGroupStreamPartitioner<T>(this.keySelector, this.maxParallelism);
  }
}
