/*
 * Global: all records go to the first consumer subtask (Flink's GlobalPartitioner).
 */

import { PartitionerKinds, StreamPartitioner } from './stream-partitioner.ts';

export class GlobalPartitioner<T> extends StreamPartitioner<T> {
  readonly kind = PartitionerKinds.GLOBAL;

  selectChannel(_value: T): number {
    return 0;
  }

  copy(): GlobalPartitioner<T> {
    return new GlobalPartitioner<T>();
  }
}
