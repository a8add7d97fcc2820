/*
 * Hash partitioning for keyBy: the key's key group decides the consumer subtask, so all records
 * of a key (and its keyed state) meet in one subtask, as in Flink's KeyGroupStreamPartitioner.
 */

import { ErrorCodes, FlinkError, invalidPipeline } from '../../errors.ts';
import { describeRecord } from '../operators/stream-operator.ts';
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
  /** The keyed operator this partitioner feeds, named in key errors. */
  private targetOperator = 'keyBy';
  /** The producing subtask, e.g. "subtask 2/4 of 'Source: Orders'", named in key errors. */
  private producer = '';

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
  configure(maxParallelism: number, targetOperator?: string): void {
    checkParallelismPreconditions(maxParallelism);
    this.maxParallelism = maxParallelism;
    if (targetOperator !== undefined) this.targetOperator = targetOperator;
  }

  /** Names the producing subtask for error messages; called on the copy a subtask uses. */
  setProducer(taskName: string, subtaskIndex: number, parallelism: number): void {
    this.producer = ` in subtask ${subtaskIndex + 1}/${parallelism} of '${taskName}'`;
  }

  /** A throwing key selector or an unusable key fails with the keyed operator and record named. */
  selectChannel(value: T): number {
    const maxParallelism = this.maxParallelism;
    let key: unknown;
    try {
      key = this.keySelector(value);
      return computeOperatorIndexForKeyGroup(maxParallelism, this.numberOfChannels, assignToKeyGroup(key, maxParallelism));
    } catch (e) {
      throw this.keyError(e, value);
    }
  }

  private keyError(cause: unknown, value: T): FlinkError {
    const invalidKey = FlinkError.isFlinkError(cause) && cause.code === ErrorCodes.FLINK_TS_INVALID_KEY;
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new FlinkError(
      invalidKey ? ErrorCodes.FLINK_TS_INVALID_KEY : ErrorCodes.FLINK_TS_USER_FUNCTION,
      `The key selector of keyed operator '${this.targetOperator}' failed on record ${describeRecord(value)}${this.producer}: ${reason}`,
      { cause, context: { operator: this.targetOperator } },
    );
  }

  copy(): KeyGroupStreamPartitioner<T> {
    const copy = new KeyGroupStreamPartitioner<T>(this.keySelector, this.maxParallelism);
    copy.targetOperator = this.targetOperator;
    return copy;
  }
}
