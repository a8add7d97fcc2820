/*
 * The operator of DataStream.filter (Flink's StreamFilter): forwards the records for which the
 * predicate holds, unchanged and with their timestamps.
 */
import { resolveMethod, type FilterFunction } from '../../api/common/functions.ts';
import { AbstractUdfStreamOperator } from './abstract-udf-stream-operator.ts';
import { describeRecord, type OneInputStreamOperator } from './stream-operator.ts';

export class StreamFilter<T> extends AbstractUdfStreamOperator<T, FilterFunction<T>> implements OneInputStreamOperator<T, T> {
  private readonly filter: (value: T) => boolean;

  constructor(filter: FilterFunction<T>) {
    super(filter);
    this.filter = resolveMethod(filter, 'filter', 'FilterFunction');
  }

  collect(value: any, timestamp: number): void {
    this.processElement(value, timestamp);
  }

  processElement(value: T, timestamp: number): void {
    let keep: boolean;
    try {
      keep = this.filter(value);
    } catch (e) {
      throw this.userError(e, 'processing record ' + describeRecord(value));
    }
    if (keep) this.output.collect(value, timestamp);
  }
}
