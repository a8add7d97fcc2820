/*
 * DataStream: a stream of records of type T and the operations that build a pipeline on it.
 * Every method records a transformation in the environment; nothing runs until execute().
 * Methods that set properties (parallelism, name, uid, chaining) apply to the operator that
 * produced this stream, as on Flink's SingleOutputStreamOperator.
 */
import { invalidPipeline } from '../../errors.ts';
import { copyFunctionForSubtask } from '../common/function-copy.ts';
import { functionName, resolveMethod, type FilterFunction, type FlatMapFunction, type KeySelector, type MapFunction, type PartitionerFunction } from '../common/functions.ts';
import { OutputTag } from '../common/output-tag.ts';
import { ChainingStrategy, OneInputTransformation, PartitionTransformation, SideOutputTransformation, SourceTransformation, UnionTransformation, type KeySelectorFn, type OperatorFactory, type Transformation } from '../../graph/transformation.ts';
import { BroadcastPartitioner } from '../../runtime/partitioner/broadcast-partitioner.ts';
import { CustomPartitionerWrapper } from '../../runtime/partitioner/custom-partitioner-wrapper.ts';
import { ForwardPartitioner } from '../../runtime/partitioner/forward-partitioner.ts';
import { GlobalPartitioner } from '../../runtime/partitioner/global-partitioner.ts';
import { RebalancePartitioner } from '../../runtime/partitioner/rebalance-partitioner.ts';
import { RescalePartitioner } from '../../runtime/partitioner/rescale-partitioner.ts';
import { ShufflePartitioner } from '../../runtime/partitioner/shuffle-partitioner.ts';
import type { StreamPartitioner } from '../../runtime/partitioner/stream-partitioner.ts';
import { StreamMap } from '../../runtime/operators/stream-map.ts';
import { StreamFlatMap } from '../../runtime/operators/stream-flat-map.ts';
import { StreamFilter } from '../../runtime/operators/stream-filter.ts';
import { ProcessOperator } from '../../runtime/operators/process-operator.ts';
import { timestampsAndWatermarksOperatorFactory } from '../../runtime/operators/timestamps-and-watermarks-operator.ts';
import type { WatermarkStrategy } from '../eventtime/watermark-strategy.ts';
import { StreamSink } from '../../runtime/operators/stream-sink.ts';
import { SinkWriterOperator } from '../../runtime/operators/sink-writer-operator.ts';
import { PrintSinkFunction } from '../../runtime/operators/print-sink-function.ts';
import { KeyedProcessFunction } from '../functions/keyed-process-function.ts';
import type { ProcessFunctionLike } from '../functions/process-function.ts';
import type { Sink, SinkFunctionLike } from '../functions/sink-function.ts';
import { DataStreamSink } from './data-stream-sink.ts';
import type { StreamExecutionEnvironment } from '../environment/stream-execution-environment.ts';
import type { KeyedStream } from './keyed-stream.ts';
import type { ConnectedStreams } from './connected-streams.ts';
import type { MapStateDescriptor } from '../state/state-descriptor.ts';
import { BroadcastStream, broadcastConnector } from './broadcast-stream.ts';
import type { BroadcastConnectedStream } from './broadcast-connected-stream.ts';
import { streamFactories } from './stream-factories.ts';
import { AllWindowedStream } from './all-windowed-stream.ts';
import type { WindowAssigner } from '../windowing/assigners/window-assigner.ts';
import type { Window } from '../windowing/windows/window.ts';
import { JoinedStreams } from './joined-streams.ts';
import { CoGroupedStreams } from './co-grouped-streams.ts';

export interface CollectOptions {
  /** Stop the job once this many records have been collected. */
  readonly limit?: number;
  readonly jobName?: string;
}

/** Operators that can emit to side outputs (process functions); others reject getSideOutput. */
const kSideOutputCapable = Symbol('sideOutputCapable');

export class DataStream<T> {
  readonly environment: StreamExecutionEnvironment;
  readonly transformation: Transformation<T>;
  private readonly requestedSideOutputs = new Map<string, OutputTag<unknown>>();

  constructor(environment: StreamExecutionEnvironment, transformation: Transformation<T>) {
    this.environment = environment;
    this.transformation = transformation;
  }

  getTransformation(): Transformation<T> {
    return this.transformation;
  }

  getExecutionEnvironment(): StreamExecutionEnvironment {
    return this.environment;
  }

  getParallelism(): number {
    return this.transformation.parallelism > 0 ? this.transformation.parallelism : this.environment.getParallelism();
  }

  getId(): number {
    return this.transformation.id;
  }

  // ---- operator properties ---------------------------------------------------------------------

  private physical(what: string): Transformation<T> {
    const t = this.transformation;
    if (t instanceof PartitionTransformation || t instanceof UnionTransformation || t instanceof SideOutputTransformation) {
      throw invalidPipeline(`${what} can only be set on an operator, not on a ${t.name.toLowerCase()} (set it on the operator before or after it)`);
    }
    return t;
  }

  setParallelism(parallelism: number): this {
    const t = this.physical('The parallelism');
    if (!Number.isInteger(parallelism) || parallelism < 1) throw invalidPipeline(`The parallelism of operator '${t.name}' must be a positive integer, got ${parallelism}`);
    if (!t.parallelismConfigurable && parallelism !== 1) throw invalidPipeline(`The parallelism of non parallel operator '${t.name}' must be 1.`);
    if (t.maxParallelism > 0 && parallelism > t.maxParallelism) {
      throw invalidPipeline(`The parallelism of operator '${t.name}' (${parallelism}) is higher than its maximum parallelism (${t.maxParallelism})`);
    }
    t.parallelism = parallelism;
    return this;
  }

  setMaxParallelism(maxParallelism: number): this {
    const t = this.physical('The maximum parallelism');
    if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > 32768) {
      throw invalidPipeline(`The maximum parallelism of operator '${t.name}' must be between 1 and 32768, got ${maxParallelism}`);
    }
    t.maxParallelism = maxParallelism;
    return this;
  }

  name(name: string): this {
    const t = this.physical('A name');
    t.name = t instanceof SourceTransformation && !name.startsWith('Source: ') ? `Source: ${name}` : name;
    return this;
  }

  getName(): string {
    return this.transformation.name;
  }

  uid(uid: string): this {
    this.physical('A uid').uid = uid;
    return this;
  }

  disableChaining(): this {
    this.physical('Chaining').chainingStrategy = ChainingStrategy.NEVER;
    return this;
  }

  startNewChain(): this {
    this.physical('Chaining').chainingStrategy = ChainingStrategy.HEAD;
    return this;
  }

  // ---- transformations ---------------------------------------------------------------------------

  /** Adds a one-input operator after this stream; `factory` builds it per subtask. */
  transform<R>(operatorName: string, factory: OperatorFactory, keySelector: KeySelectorFn | null = null, sideOutputCapable = false): DataStream<R> {
    const t = new OneInputTransformation<T, R>(this.transformation, operatorName, factory, keySelector);
    if (sideOutputCapable) (t as unknown as Record<symbol, boolean>)[kSideOutputCapable] = true;
    this.environment.addOperator(t);
    return new DataStream<R>(this.environment, t);
  }

  map<R>(mapper: MapFunction<T, R>): DataStream<R> {
    resolveMethod(mapper, 'map', 'The map function');
    return this.transform<R>('Map', (subtask) => new StreamMap(copyFunctionForSubtask(mapper, subtask)));
  }

  flatMap<R>(flatMapper: FlatMapFunction<T, R>): DataStream<R> {
    resolveMethod(flatMapper, 'flatMap', 'The flatMap function');
    return this.transform<R>('Flat Map', (subtask) => new StreamFlatMap(copyFunctionForSubtask(flatMapper, subtask)));
  }

  filter(filter: FilterFunction<T>): DataStream<T> {
    resolveMethod(filter, 'filter', 'The filter function');
    return this.transform<T>('Filter', (subtask) => new StreamFilter(copyFunctionForSubtask(filter, subtask)));
  }

  process<R>(fn: ProcessFunctionLike<T, R>): DataStream<R> {
    if (fn instanceof KeyedProcessFunction) {
      throw invalidPipeline(`A KeyedProcessFunction (${functionName(fn) ?? 'anonymous'}) can only be used on a KeyedStream: call keyBy() before process()`);
    }
    resolveMethod(fn, 'processElement', 'The process function');
    return this.transform<R>('Process', (subtask) => new ProcessOperator<T, R>(copyFunctionForSubtask(fn, subtask)), null, true);
  }

  /**
   * Assigns event timestamps and generates watermarks with `watermarkStrategy` (Flink's
   * TimestampsAndWatermarksOperator), chained to the operator before it and with its parallelism.
   * Watermarks from upstream are replaced by this strategy's, except the final one.
   */
  assignTimestampsAndWatermarks(watermarkStrategy: WatermarkStrategy<T>): DataStream<T> {
    const factory = timestampsAndWatermarksOperatorFactory(watermarkStrategy, this.environment.getConfiguration());
    const stream = this.transform<T>('Timestamps/Watermarks', factory);
    stream.transformation.parallelism = this.transformation.parallelism;
    return stream;
  }

  keyBy<K>(keySelector: KeySelector<T, K>): KeyedStream<T, K> {
    return streamFactories.keyed<T, K>(this, keySelector);
  }

  /** Windows over the whole (non-keyed) stream, evaluated by one operator instance of parallelism 1. */
  windowAll<W extends Window>(assigner: WindowAssigner<T, W>): AllWindowedStream<T, W> {
    return new AllWindowedStream<T, W>(this, assigner);
  }

  union(...others: DataStream<T>[]): DataStream<T> {
    for (const other of others) {
      if (other.environment !== this.environment) throw invalidPipeline('Cannot union streams of different execution environments');
    }
    return new DataStream<T>(this.environment, new UnionTransformation<T>([this.transformation, ...others.map((o) => o.transformation)]));
  }

  /** With a BroadcastStream: the broadcast state pattern, processed by a (Keyed)BroadcastProcessFunction. */
  connect<R>(other: BroadcastStream<R>): BroadcastConnectedStream<T, R>;
  connect<R>(other: DataStream<R>): ConnectedStreams<T, R>;
  connect<R>(other: DataStream<R> | BroadcastStream<R>): ConnectedStreams<T, R> | BroadcastConnectedStream<T, R> {
    if (other.environment !== this.environment) throw invalidPipeline('Cannot connect streams of different execution environments');
    if (other instanceof BroadcastStream) return broadcastConnector.connect(this, other);
    return streamFactories.connected(this, other);
  }

  /** A window join with `otherStream`: `.where(key).equalTo(otherKey).window(assigner).apply(joinFunction)`. */
  join<T2>(otherStream: DataStream<T2>): JoinedStreams<T, T2> {
    return new JoinedStreams<T, T2>(this, otherStream);
  }

  /** A window coGroup with `otherStream`: `.where(key).equalTo(otherKey).window(assigner).apply(coGroupFunction)`. */
  coGroup<T2>(otherStream: DataStream<T2>): CoGroupedStreams<T, T2> {
    return new CoGroupedStreams<T, T2>(this, otherStream);
  }

  // ---- partitioning -----------------------------------------------------------------------------

  protected partition(partitioner: StreamPartitioner<T>): DataStream<T> {
    return new DataStream<T>(this.environment, new PartitionTransformation<T>(this.transformation, partitioner));
  }

  /** Without descriptors: every record to every subtask of the next operator. */
  broadcast(): DataStream<T>;
  /** With descriptors: a BroadcastStream to connect() to, whose operator keeps these broadcast states. */
  broadcast(...descriptors: MapStateDescriptor<any, any>[]): BroadcastStream<T>;
  broadcast(...descriptors: MapStateDescriptor<any, any>[]): DataStream<T> | BroadcastStream<T> {
    const broadcast = this.partition(new BroadcastPartitioner<T>());
    return descriptors.length === 0 ? broadcast : new BroadcastStream<T>(broadcast, descriptors);
  }
  rebalance(): DataStream<T> {
    return this.partition(new RebalancePartitioner<T>());
  }
  rescale(): DataStream<T> {
    return this.partition(new RescalePartitioner<T>());
  }
  shuffle(): DataStream<T> {
    return this.partition(new ShufflePartitioner<T>());
  }
  forward(): DataStream<T> {
    return this.partition(new ForwardPartitioner<T>());
  }
  global(): DataStream<T> {
    return this.partition(new GlobalPartitioner<T>());
  }

  partitionCustom<K>(partitioner: PartitionerFunction<K>, keySelector: KeySelector<T, K>): DataStream<T> {
    const select = resolveMethod<(value: T) => K>(keySelector, 'getKey', 'The key selector');
    resolveMethod(partitioner, 'partition', 'The partitioner');
    return this.partition(new CustomPartitionerWrapper<T, K>(partitioner, select));
  }

  // ---- side outputs ---------------------------------------------------------------------------

  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    if (!(tag instanceof OutputTag)) throw invalidPipeline('getSideOutput() needs an OutputTag');
    const t = this.transformation;
    if ((t as unknown as Record<symbol, unknown>)[kSideOutputCapable] !== true) {
      throw invalidPipeline(
        `getSideOutput('${tag.id}'): operator '${t.name}' cannot emit side outputs; side outputs come from process functions (ctx.output(tag, value)) and from windows' sideOutputLateData`,
      );
    }
    const previous = this.requestedSideOutputs.get(tag.id);
    if (previous !== undefined && previous !== tag) {
      throw invalidPipeline(`A side output with id '${tag.id}' was already requested from operator '${t.name}' with a different OutputTag object`);
    }
    this.requestedSideOutputs.set(tag.id, tag as OutputTag<unknown>);
    return new DataStream<X>(this.environment, new SideOutputTransformation<X>(t, tag));
  }

  /** Marks the operator of this stream as able to emit side outputs (used by window operators). */
  static markSideOutputCapable(stream: DataStream<unknown>): void {
    (stream.transformation as unknown as Record<symbol, boolean>)[kSideOutputCapable] = true;
  }

  // ---- sinks --------------------------------------------------------------------------------------

  private addSinkTransformation(name: string, factory: OperatorFactory, parallelismConfigurable = true): DataStreamSink<T> {
    const t = new OneInputTransformation<T, unknown>(this.transformation, name, factory, null, true);
    t.parallelismConfigurable = parallelismConfigurable;
    if (!parallelismConfigurable) t.parallelism = 1;
    this.environment.addOperator(t);
    return new DataStreamSink<T>(t);
  }

  addSink(sinkFunction: SinkFunctionLike<T>): DataStreamSink<T> {
    resolveMethod(sinkFunction, 'invoke', 'The sink function');
    const name = functionName(sinkFunction);
    return this.addSinkTransformation(`Sink: ${name ?? 'Unnamed'}`, (subtask) => new StreamSink<T>(copyFunctionForSubtask(sinkFunction, subtask)));
  }

  sinkTo(sink: Sink<T>): DataStreamSink<T> {
    resolveMethod(sink, 'createWriter', 'The sink');
    const name = functionName(sink);
    return this.addSinkTransformation(`Sink: ${name ?? 'Writer'}`, () => new SinkWriterOperator<T>(sink));
  }

  print(sinkIdentifier?: string): DataStreamSink<T> {
    return this.addSinkTransformation('Sink: Print to Std. Out', () => new StreamSink<T>(new PrintSinkFunction<T>(sinkIdentifier ?? '', false)));
  }

  printToErr(sinkIdentifier?: string): DataStreamSink<T> {
    return this.addSinkTransformation('Sink: Print to Std. Err', () => new StreamSink<T>(new PrintSinkFunction<T>(sinkIdentifier ?? '', true)));
  }

  /** Runs the job and returns every record of this stream (for bounded jobs, or with a limit). */
  async executeAndCollect(options: CollectOptions | number = {}): Promise<T[]> {
    const opts: CollectOptions = typeof options === 'number' ? { limit: options } : options;
    return streamFactories.collect(this, opts);
  }
}

export { kSideOutputCapable };
