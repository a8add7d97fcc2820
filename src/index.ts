/*
 * The public API of Flink.TS: what `import { ... } from 'flink-ts'` gives.
 */
import './api/datastream/keyed-stream.ts';
import './api/datastream/connected-streams.ts';
import './api/datastream/collect.ts';
import './api/datastream/broadcast-connected-stream.ts';

export { StreamExecutionEnvironment } from './api/environment/stream-execution-environment.ts';
export { JobClient, type JobListener } from './api/environment/job-client.ts';
export { CheckpointConfig, CheckpointingMode, ExternalizedCheckpointRetention } from './api/environment/checkpoint-config.ts';
export { RestartStrategies, type RestartStrategyConfiguration } from './api/environment/restart-strategies.ts';
export type { CheckpointListener } from './api/functions/checkpoint-listener.ts';
export type { CheckpointStatistics, SavepointResult } from './runtime/checkpoint/checkpoint-coordinator.ts';
export { DataStream, type CollectOptions } from './api/datastream/data-stream.ts';
export { KeyedStream, type FieldExpression } from './api/datastream/keyed-stream.ts';
export { ConnectedStreams } from './api/datastream/connected-streams.ts';
export { IntervalJoin, IntervalJoined } from './api/datastream/interval-join.ts';
export { JoinedStreams, JoinedStreamsWhere, JoinedStreamsEqualTo, JoinedStreamsWithWindow } from './api/datastream/joined-streams.ts';
export { CoGroupedStreams, CoGroupedStreamsWhere, CoGroupedStreamsEqualTo, CoGroupedStreamsWithWindow, type TaggedUnion } from './api/datastream/co-grouped-streams.ts';
export { DataStreamSink } from './api/datastream/data-stream-sink.ts';
export { BroadcastStream } from './api/datastream/broadcast-stream.ts';
export { BroadcastConnectedStream } from './api/datastream/broadcast-connected-stream.ts';

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
export {
  ProcessJoinFunction,
  RichJoinFunction,
  RichFlatJoinFunction,
  RichCoGroupFunction,
  type ProcessJoinFunctionContext,
  type ProcessJoinFunctionLike,
  type JoinFunction,
  type FlatJoinFunction,
  type CoGroupFunction,
} from './api/functions/join-functions.ts';
export {
  isCheckpointedFunction,
  type CheckpointedFunction,
  type FunctionInitializationContext,
  type FunctionSnapshotContext,
  type OperatorStateStore,
  type KeyedStateStore,
  type BroadcastState,
  type ReadOnlyBroadcastState,
} from './api/functions/checkpointed-function.ts';
export {
  BroadcastProcessFunction,
  KeyedBroadcastProcessFunction,
  type BaseBroadcastProcessContext,
  type ReadOnlyBroadcastContext,
  type BroadcastContext,
  type KeyedReadOnlyBroadcastContext,
  type KeyedBroadcastContext,
  type KeyedBroadcastOnTimerContext,
  type KeyedStateFunction,
  type BroadcastProcessFunctionLike,
  type KeyedBroadcastProcessFunctionLike,
} from './api/functions/broadcast-process-function.ts';
export { RichSinkFunction, type SinkFunction, type SinkContext, type Sink, type SinkWriter, type SinkWriterContext, type WriterInitContext, type CommittingSinkWriter, type StatefulSinkWriter, type Committer, type CommitRequest } from './api/functions/sink-function.ts';
export { TwoPhaseCommitSinkFunction, type TransactionHolder } from './api/functions/two-phase-commit-sink-function.ts';
export { FileSink, FileCommitter, RowFormatBuilder } from './connector/file/sink/file-sink.ts';
export type { FileSinkCommittable, FileWriterState, OutputFileConfig } from './connector/file/sink/file-writer.ts';
export { SimpleStringEncoder, type Encoder, type PartFileOutput } from './connector/file/sink/encoder.ts';
export { DefaultRollingPolicy, DefaultRollingPolicyBuilder, OnCheckpointRollingPolicy, type RollingPolicy, type PartFileInfo } from './connector/file/sink/rolling-policies.ts';
export { BasePathBucketAssigner, DateTimeBucketAssigner, type BucketAssigner, type BucketAssignerContext } from './connector/file/sink/bucket-assigners.ts';
export { RichSourceFunction, RichParallelSourceFunction, type SourceFunction, type ParallelSourceFunction, type SourceContext } from './api/functions/source-function.ts';

export { WatermarkStrategy, BoundedOutOfOrdernessWatermarks, type WatermarkGenerator, type WatermarkOutput, type TimestampAssigner } from './api/eventtime/watermark-strategy.ts';
export { AscendingTimestampsWatermarks, NoWatermarksGenerator, SystemClock, type RelativeClock, type WatermarkGeneratorSupplierContext } from './api/eventtime/watermark-generator.ts';
export { WatermarksWithIdleness } from './api/eventtime/watermarks-with-idleness.ts';
export { WatermarkAlignmentParams } from './api/eventtime/watermark-alignment-params.ts';
export { WatermarkManager, type WatermarkManagerListener } from './runtime/watermark/watermark-manager.ts';
export type { SourceOutput } from './connector/source/source.ts';

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

export {
  StateDescriptor,
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  AggregatingStateDescriptor,
} from './api/state/state-descriptor.ts';
export { StateTtlConfig, StateTtlConfigBuilder, UpdateType, StateVisibility, TtlTimeCharacteristic, type CleanupStrategies } from './api/state/state-ttl-config.ts';
export { StateTypes, type StateType, type State, type ValueState, type ListState, type MapState, type ReducingState, type AggregatingState, type AppendingState, type AggregateFunction } from './api/state/state.ts';
export { Compatibility, type TypeSerializer, type SerializerSnapshot, type CompatibilityResult } from './runtime/serialization/type-serializer.ts';
export { defaultSerializer } from './runtime/serialization/msgpack-serializer.ts';
export { Types, TypedSerializer, serializerFromSnapshot, describeSerializerSnapshot, type TypeOf, type ObjectOf, type ObjectOptions } from './runtime/serialization/types.ts';
export { HashMapStateBackend, type HashMapStateBackendOptions } from './runtime/state/hash-map-state-backend.ts';
export type { StateBackend } from './runtime/state/keyed-state-backend.ts';
export type { TtlTimeProvider } from './runtime/state/ttl/ttl-time-provider.ts';

export { JobExecutionResult, JobStatus, type VertexMetrics } from './runtime/executor/job-status.ts';
export type { BackPressureStatistics, OperatorBackPressure, ThrottleStatistics } from './runtime/tasks/local-back-pressure-detector.ts';
export { Configuration } from './configuration/configuration.ts';
export * from './configuration/config-options.ts';
export { FlinkError, ErrorCodes, ErrorDescriptions, type ErrorCode } from './errors.ts';
export type { MetricGroup, Counter, Gauge, Meter } from './runtime/metrics/metric-group.ts';

export { WindowedStream, type WindowFunctionArgument } from './api/datastream/windowed-stream.ts';
export { AllWindowedStream, type AllWindowFunctionArgument } from './api/datastream/all-windowed-stream.ts';
export {
  ProcessWindowFunction,
  ProcessAllWindowFunction,
  RichWindowFunction,
  RichAllWindowFunction,
  type ProcessWindowFunctionContext,
  type ProcessAllWindowFunctionContext,
  type ProcessWindowFunctionLike,
  type ProcessAllWindowFunctionLike,
  type WindowFunction,
  type AllWindowFunction,
} from './api/functions/window-functions.ts';
export { Window } from './api/windowing/windows/window.ts';
export { TimeWindow, TimeWindowSerializer } from './api/windowing/windows/time-window.ts';
export { GlobalWindow, GlobalWindowSerializer } from './api/windowing/windows/global-window.ts';
export { WindowAssigner, type WindowAssignerContext } from './api/windowing/assigners/window-assigner.ts';
export { MergingWindowAssigner, type MergeCallback } from './api/windowing/assigners/merging-window-assigner.ts';
export { WindowStagger } from './api/windowing/assigners/window-stagger.ts';
export { TumblingEventTimeWindows } from './api/windowing/assigners/tumbling-event-time-windows.ts';
export { SlidingEventTimeWindows } from './api/windowing/assigners/sliding-event-time-windows.ts';
export { EventTimeSessionWindows } from './api/windowing/assigners/event-time-session-windows.ts';
export { DynamicEventTimeSessionWindows } from './api/windowing/assigners/dynamic-event-time-session-windows.ts';
export { TumblingProcessingTimeWindows } from './api/windowing/assigners/tumbling-processing-time-windows.ts';
export { SlidingProcessingTimeWindows } from './api/windowing/assigners/sliding-processing-time-windows.ts';
export { ProcessingTimeSessionWindows } from './api/windowing/assigners/processing-time-session-windows.ts';
export { DynamicProcessingTimeSessionWindows } from './api/windowing/assigners/dynamic-processing-time-session-windows.ts';
export { GlobalWindows } from './api/windowing/assigners/global-windows.ts';
export type { SessionWindowTimeGapExtractor } from './api/windowing/assigners/session-window-time-gap-extractor.ts';
export { Trigger, type TriggerContext, type OnMergeContext, type MergingStateDescriptor, type StateFor } from './api/windowing/triggers/trigger.ts';
export { TriggerResult } from './api/windowing/triggers/trigger-result.ts';
export { EventTimeTrigger } from './api/windowing/triggers/event-time-trigger.ts';
export { ProcessingTimeTrigger } from './api/windowing/triggers/processing-time-trigger.ts';
export { CountTrigger } from './api/windowing/triggers/count-trigger.ts';
export { PurgingTrigger } from './api/windowing/triggers/purging-trigger.ts';
export { ContinuousEventTimeTrigger } from './api/windowing/triggers/continuous-event-time-trigger.ts';
export { ContinuousProcessingTimeTrigger } from './api/windowing/triggers/continuous-processing-time-trigger.ts';
export { NeverTrigger } from './api/windowing/triggers/never-trigger.ts';
export type { Evictor, EvictorContext } from './api/windowing/evictors/evictor.ts';
export type { TimestampedValue } from './api/windowing/evictors/timestamped-value.ts';
export { CountEvictor } from './api/windowing/evictors/count-evictor.ts';
export { TimeEvictor } from './api/windowing/evictors/time-evictor.ts';
export { DeltaEvictor, type DeltaFunction } from './api/windowing/evictors/delta-evictor.ts';
export { EventTimeWindowAssigner, type WindowComplete, type CompletedWindow } from './api/windowing/event-time-window-assigner.ts';
