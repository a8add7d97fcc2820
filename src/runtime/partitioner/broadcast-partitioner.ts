/*
 * Broadcast: every record goes to every channel. The writer handles that directly, so selecting a
 * single channel is an error, as in Flink's BroadcastPartitioner.
 */

import { ErrorCodes, FlinkError } from '../../errors.ts';
import { PartitionerKinds, StreamPartitioner } from './stream-partitioner.ts';

export class BroadcastPartitioner<T> extends StreamPartitioner<T> {
  readonly kind = PartitionerKinds.BROADCAST;

  selectChannel(_value: T): number {
    throw new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, 'Broadcast partitioner does not support select channels.');
  }

  override isBroadcast(): boolean {
    return true;
  }

  copy(): BroadcastPartitioner<T> {
    return new BroadcastPartitioner<T>();
  }
}
