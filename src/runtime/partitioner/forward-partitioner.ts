/*
 * Forward: each producer subtask sends to the one consumer subtask with its own index. Only valid
 * between operators of equal parallelism (checked where the graph is built), so there is one channel.
 */

import { PartitionerKinds, StreamPartitioner } from './stream-partitioner.ts';

export class ForwardPartitioner<T> extends StreamPartitioner<T> {
  readonly kind = PartitionerKinds.FORWARD;

  selectChannel(_value: T): number {
    return 0;
  }

  override isPointwise(): boolean {
    return true;
  }

  copy(): ForwardPartitioner<T> {
    return new ForwardPartitioner<T>();
  }
}
