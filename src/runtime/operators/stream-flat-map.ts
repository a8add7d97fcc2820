/*
 * The operator of DataStream.flatMap (Flink's StreamFlatMap): any number of output records per
 * input record, all with the input's timestamp.
 */
import { resolveMethod, type Collector, type FlatMapFunction } from '../../api/common/functions.ts';
import { NO_TIMESTAMP } from '../../api/common/watermark.ts';
import { AbstractUdfStreamOperator } from './abstract-udf-stream-operator.ts';
import { TimestampedCollector } from './output.ts';
import { describeRecord, type OneInputStreamOperator, type StreamOperatorParameters } from './stream-operator.ts';

export class StreamFlatMap<IN, OUT> extends AbstractUdfStreamOperator<OUT, FlatMapFunction<IN, OUT>> implements OneInputStreamOperator<IN, OUT> {
  private readonly flatMap: (value: IN, out: Collector<OUT>) => void;
  private collector!: TimestampedCollector<OUT>;

  constructor(flatMapper: FlatMapFunction<IN, OUT>) {
    super(flatMapper);
    this.flatMap = resolveMethod(flatMapper, 'flatMap', 'FlatMapFunction');
  }

  override setup(parameters: StreamOperatorParameters<OUT>): void {
    super.setup(parameters);
    this.collector = new TimestampedCollector(this.output, NO_TIMESTAMP);
  }

  collect(value: any, timestamp: number): void {
    this.processElement(value, timestamp);
  }

  processElement(value: IN, timestamp: number): void {
    this.collector.timestamp = timestamp;
    try {
      this.flatMap(value, this.collector);
    } catch (e) {
      throw this.userError(e, 'processing record ' + describeRecord(value));
    }
  }
}
