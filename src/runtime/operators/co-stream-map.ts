/*
 * The operator of ConnectedStreams.map (Flink's CoStreamMap): map1 for the first input, map2 for
 * the second, each output with its input's timestamp.
 */
import type { CoMapFunction } from '../../api/common/functions.ts';
import { AbstractUdfStreamOperator, resolveObjectMethod } from './abstract-udf-stream-operator.ts';
import { describeRecord, type TwoInputStreamOperator } from './stream-operator.ts';

export class CoStreamMap<IN1, IN2, OUT>
  extends AbstractUdfStreamOperator<OUT, CoMapFunction<IN1, IN2, OUT>>
  implements TwoInputStreamOperator<IN1, IN2, OUT>
{
  private readonly map1: (value: IN1) => OUT;
  private readonly map2: (value: IN2) => OUT;

  constructor(mapper: CoMapFunction<IN1, IN2, OUT>) {
    super(mapper);
    this.map1 = resolveObjectMethod(mapper, 'map1', 'CoMapFunction', 'map1() and map2()');
    this.map2 = resolveObjectMethod(mapper, 'map2', 'CoMapFunction', 'map1() and map2()');
  }

  processElement1(value: IN1, timestamp: number): void {
    let result: OUT;
    try {
      result = this.map1(value);
    } catch (e) {
      throw this.userError(e, 'processing record ' + describeRecord(value) + ' of input 1');
    }
    this.output.collect(result, timestamp);
  }

  processElement2(value: IN2, timestamp: number): void {
    let result: OUT;
    try {
      result = this.map2(value);
    } catch (e) {
      throw this.userError(e, 'processing record ' + describeRecord(value) + ' of input 2');
    }
    this.output.collect(result, timestamp);
  }
}
