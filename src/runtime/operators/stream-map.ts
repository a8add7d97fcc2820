/*
 * The operator of DataStream.map (Flink's StreamMap): one output record per input record, with
 * the input's timestamp.
 */
import { resolveMethod, type MapFunction } from '../../api/common/functions.ts';
import { AbstractUdfStreamOperator } from './abstract-udf-stream-operator.ts';
import { describeRecord, type OneInputStreamOperator } from './stream-operator.ts';

export class StreamMap<IN, OUT> extends AbstractUdfStreamOperator<OUT, MapFunction<IN, OUT>> implements OneInputStreamOperator<IN, OUT> {
  private readonly map: (value: IN) => OUT;

  constructor(mapper: MapFunction<IN, OUT>) {
    super(mapper);
    this.map = resolveMethod(mapper, 'map', 'MapFunction');
  }

  collect(value: any, timestamp: number): void {
    this.processElement(value, timestamp);
  }

  processElement(value: IN, timestamp: number): void {
    let result: OUT;
    try {
      result = this.map(value);
    } catch (e) {
      throw this.userError(e, 'processing record ' + describeRecord(value));
    }
    this.output.collect(result, timestamp);
  }
}
