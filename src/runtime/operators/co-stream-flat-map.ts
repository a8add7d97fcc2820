/*
 * The operator of ConnectedStreams.flatMap (Flink's CoStreamFlatMap): flatMap1 for the first
 * input, flatMap2 for the second, all outputs with the timestamp of the record that produced them.
 */
import type { CoFlatMapFunction, Collector } from '../../api/common/functions.ts';
import { NO_TIMESTAMP } from '../../api/common/watermark.ts';
import { AbstractUdfStreamOperator, resolveObjectMethod } from './abstract-udf-stream-operator.ts';
import { TimestampedCollector } from './output.ts';
import { describeRecord, type StreamOperatorParameters, type TwoInputStreamOperator } from './stream-operator.ts';

export class CoStreamFlatMap<IN1, IN2, OUT>
  extends AbstractUdfStreamOperator<OUT, CoFlatMapFunction<IN1, IN2, OUT>>
  implements TwoInputStreamOperator<IN1, IN2, OUT>
{
  private readonly flatMap1: (value: IN1, out: Collector<OUT>) => void;
  private readonly flatMap2: (value: IN2, out: Collector<OUT>) => void;
  private collector!: TimestampedCollector<OUT>;

  constructor(flatMapper: CoFlatMapFunction<IN1, IN2, OUT>) {
    super(flatMapper);
    this.flatMap1 = resolveObjectMethod(flatMapper, 'flatMap1', 'CoFlatMapFunction', 'flatMap1() and flatMap2()');
    this.flatMap2 = resolveObjectMethod(flatMapper, 'flatMap2', 'CoFlatMapFunction', 'flatMap1() and flatMap2()');
  }

  override setup(parameters: StreamOperatorParameters<OUT>): void {
    super.setup(parameters);
    this.collector = new TimestampedCollector(this.output, NO_TIMESTAMP);
  }

  processElement1(value: IN1, timestamp: number): void {
    this.collector.timestamp = timestamp;
    try {
      this.flatMap1(value, this.collector);
    } catch (e) {
      throw this.userError(e, 'processing record ' + describeRecord(value) + ' of input 1');
    }
  }

  processElement2(value: IN2, timestamp: number): void {
    this.collector.timestamp = timestamp;
    try {
      this.flatMap2(value, this.collector);
    } catch (e) {
      throw this.userError(e, 'processing record ' + describeRecord(value) + ' of input 2');
    }
  }
}
