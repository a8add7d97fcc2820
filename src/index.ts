/*
 * The public API of Flink.TS: what `import { ... } from 'flink-ts'` gives.
 */
import './api/datastream/keyed-stream.ts';
import './api/datastream/connected-streams.ts';
import './api/datastream/collect.ts';

export { StreamExecutionEnvironment } from './api/environment/stream-execution-environment.ts';
export { JobClient, type JobListener } from './api/environment/job-client.ts';
export { DataStream, type CollectOptions } from './api/datastream/data-stream.ts';
export { KeyedStream, type FieldExpression } from './api/datastream/keyed-stream.ts';
export { ConnectedStreams } from './api/datastream/connected-streams.ts';
export { DataStreamSink } from './api/datastream/data-stream-sink.ts';

export { OutputTag } from './api/common/output-tag.ts';
export { Watermark, NO_TIMESTAMP } from './api/common/watermark.ts';
export { Duration, type DurationLike } from './api/common/duration.ts';
export {
  AbstractRichFunction,
  RichMapFunction,
  RichFlatMapFunction,
  RichFilterFunction,
  RichReduceFunction,
  RichCoMapFunction,
  RichCoFlatMapFunction,
} from './api/common/rich-functions.ts';
export type {
  Collector,
  MapFunction,
  FlatMapFunction,
  FilterFunction,
  ReduceFunction,
  KeySelector,
  Partitioner,
  PartitionerFunction,
  CoMapFunction,
  CoFlatMapFunction,
  FunctionLifecycle,
} from './api/common/functions.ts';
export type { RuntimeContext, OpenContext, TaskInfo, JobInfo } from './api/common/runtime-context.ts';
export { IntCounter, LongCounter, DoubleCounter, AverageAccumulator, ListAccumulator, Histogram, type Accumulator } from './api/common/accumulators.ts';

export { ProcessFunction, TimeDomain, type TimerService, type ProcessFunctionContext, type OnTimerContext } from './api/functions/process-function.ts';
export { KeyedProcessFunction, type KeyedProcessFunctionContext, type KeyedOnTimerContext } from './api/functions/keyed-process-function.ts';
export { CoProcessFunction, KeyedCoProcessFunction } from './api/functions/co-process-function.ts';
export { RichSinkFunction, type SinkFunction, type SinkContext, type Sink, type SinkWriter, type SinkWriterContext, type WriterInitContext } from './api/functions/sink-function.ts';
export { RichSourceFunction, RichParallelSourceFunction, type SourceFunction, type ParallelSourceFunction, type SourceContext } from './api/functions/source-function.ts';

export { WatermarkStrategy, BoundedOutOfOrdernessWatermarks, type WatermarkGenerator, type WatermarkOutput, type TimestampAssigner } from './api/eventtime/watermark-strategy.ts';

export {
  Boundedness,
  InputStatus,
  type Source,
  type SourceSplit,
  type SourceReader,
  type SourceReaderContext,
  type ReaderOutput,
  type SplitEnumerator,
  type SplitEnumeratorContext,
  type SimpleVersionedSerializer,
} from './connector/source/source.ts';
export { NumberSequenceSource } from './connector/source/lib/number-sequence-source.ts';
export { FromElementsSource } from './connector/source/lib/from-elements-source.ts';
export { IteratorSourceReader, IteratorSourceEnumerator, JsonSplitSerializer } from './connector/source/lib/iterator-source.ts';

export { JobExecutionResult, JobStatus, type VertexMetrics } from './runtime/executor/job-status.ts';
export { Configuration } from './configuration/configuration.ts';
export * from './configuration/config-options.ts';
export { FlinkError, ErrorCodes, ErrorDescriptions, type ErrorCode } from './errors.ts';
export type { MetricGroup, Counter, Gauge, Meter } from './runtime/metrics/metric-group.ts';
