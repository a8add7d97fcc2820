/*
 * The operator of KeyedStream.reduce and the keyed aggregations (Flink's
 * StreamGroupedReduceOperator): keeps one value per key; the key's first record is stored and
 * emitted as it is, every later one is reduced into the stored value, which is stored and emitted.
 */
import { resolveMethod, type KeySelector, type ReduceFunction } from '../../api/common/functions.ts';
import { AbstractUdfStreamOperator } from './abstract-udf-stream-operator.ts';
import { describeRecord, type OneInputStreamOperator } from './stream-operator.ts';
import type { ValueState } from '../../api/state/state.ts';
import { ValueStateDescriptor } from '../../api/state/state-descriptor.ts';
import type { KeyedStateBackend } from '../state/keyed-state-backend.ts';
import { illegalState } from '../../errors.ts';

export const REDUCE_STATE_NAME = '_op_state';

export class StreamGroupedReduceOperator<T> extends AbstractUdfStreamOperator<T, ReduceFunction<T>> implements OneInputStreamOperator<T, T> {
  private readonly reduce: (value1: T, value2: T) => T;
  private readonly keySelector: (value: T) => unknown;
  private backend!: KeyedStateBackend;
  private values!: ValueState<T>;

  constructor(reducer: ReduceFunction<T>, keySelector: KeySelector<T, unknown>) {
    super(reducer);
    this.reduce = resolveMethod(reducer, 'reduce', 'ReduceFunction');
    this.keySelector = resolveMethod(keySelector, 'getKey', 'KeySelector');
  }

  override async open(): Promise<void> {
    const backend = this.keyedStateBackend;
    if (backend === null) {
      throw illegalState(`Operator '${this.operatorName}' reduces per key but has no keyed state backend: its input must be keyed`);
    }
    this.backend = backend;
    this.values = backend.getPartitionedState<ValueState<T>>(new ValueStateDescriptor<T>(REDUCE_STATE_NAME));
    await super.open();
  }

  processElement(value: T, timestamp: number): void {
    try {
      this.backend.setCurrentKey(this.keySelector(value));
    } catch (e) {
      throw this.keyError(e, value);
    }
    const current = this.values.value();
    let result: T;
    if (current === undefined) {
      result = value;
    } else {
      try {
        result = this.reduce(current, value);
      } catch (e) {
        throw this.userError(e, 'processing record ' + describeRecord(value));
      }
    }
    this.values.update(result);
    this.output.collect(result, timestamp);
  }
}
