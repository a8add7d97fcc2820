/*
 * StreamExecutionEnvironment: where a pipeline is defined and executed. It holds the job's
 * configuration (Flink's keys), collects the transformations that the DataStream API records,
 * and on execute() turns them into a StreamGraph and a JobGraph and runs the job in this process.
 * Checkpointing (enableCheckpointing, getCheckpointConfig) and the restart strategy are part of
 * that configuration.
 */
import { configurationError, ErrorCodes, FlinkError, invalidPipeline } from '../../errors.ts';
import { Configuration } from '../../configuration/configuration.ts';
import { CheckpointingOptions, CoreOptions, ExecutionOptions, PipelineOptions } from '../../configuration/config-options.ts';
import { StreamGraphGenerator } from '../../graph/stream-graph-generator.ts';
import { createJobGraph } from '../../graph/job-graph-generator.ts';
import type { JobGraph } from '../../graph/job-graph.ts';
import type { StreamGraph } from '../../graph/stream-graph.ts';
import { SourceTransformation, type Transformation } from '../../graph/transformation.ts';
import { LocalJob } from '../../runtime/executor/local-stream-executor.ts';
import { localChannelCapacity, localFlowControlOptions } from '../../runtime/tasks/local-flow-control.ts';
import type { StateBackend } from '../../runtime/state/keyed-state-backend.ts';
import { incrementalCheckpointsOf, loadStateBackend } from '../../runtime/state/state-backend-loader.ts';
import type { JobExecutionResult } from '../../runtime/executor/job-status.ts';
import { SourceOperator } from '../../runtime/operators/source-operator.ts';
import { StreamSource } from '../../runtime/operators/stream-source.ts';
import { FromElementsSource } from '../../connector/source/lib/from-elements-source.ts';
import { NumberSequenceSource } from '../../connector/source/lib/number-sequence-source.ts';
import { Boundedness, type Source, type SourceSplit } from '../../connector/source/source.ts';
import { copyFunctionForSubtask } from '../common/function-copy.ts';
import { functionName, resolveMethod } from '../common/functions.ts';
import { WatermarkStrategy } from '../eventtime/watermark-strategy.ts';
import { isParallelSourceFunction, type SourceFunction } from '../functions/source-function.ts';
import { DataStream } from '../datastream/data-stream.ts';
import { JobClient, type JobListener } from './job-client.ts';
import { CheckpointConfig, CheckpointingMode } from './checkpoint-config.ts';
import { applyRestartStrategy, resolveRestartStrategy, type RestartStrategyConfiguration } from './restart-strategies.ts';
import { getLogger } from '../../utils/logger.ts';
import type { LocalCheckpointingOptions } from '../../runtime/executor/local-stream-executor.ts';

const log = getLogger('StreamExecutionEnvironment');

let contextConfiguration: Configuration | null = null;
const contextListeners: JobListener[] = [];

export class StreamExecutionEnvironment {
  readonly configuration: Configuration;
  private transformations: Transformation<any>[] = [];
  private readonly listeners: JobListener[] = [];
  private stateBackend: StateBackend | null = null;

  constructor(configuration: Configuration = new Configuration()) {
    this.configuration = configuration;
  }

  /**
   * The environment for the current context: configuration from FLINK_TS_* environment variables,
   * then what `flink-ts run` set, then `config` (Flink's keys; unknown keys are an error).
   */
  static getExecutionEnvironment(config?: Record<string, unknown> | Configuration): StreamExecutionEnvironment {
    let conf = Configuration.fromEnvironment();
    if (contextConfiguration !== null) conf = conf.merge(contextConfiguration);
    if (config !== undefined) conf = conf.merge(config instanceof Configuration ? config : Configuration.fromObject(config, 'getExecutionEnvironment()'));
    return new StreamExecutionEnvironment(conf);
  }

  static createLocalEnvironment(parallelism?: number, config?: Record<string, unknown>): StreamExecutionEnvironment {
    const env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    if (parallelism !== undefined) env.setParallelism(parallelism);
    return env;
  }

  /** Used by the CLI: configuration and listeners for every environment created afterwards. */
  static setContextConfiguration(configuration: Configuration | null): void {
    contextConfiguration = configuration;
  }

  static addContextJobListener(listener: JobListener): void {
    contextListeners.push(listener);
  }

  static clearContextJobListeners(): void {
    contextListeners.length = 0;
  }

  // ---- configuration --------------------------------------------------------------------------

  getConfiguration(): Configuration {
    return this.configuration;
  }

  setParallelism(parallelism: number): this {
    if (!Number.isInteger(parallelism) || parallelism < 1) throw invalidPipeline(`The parallelism must be a positive integer, got ${parallelism}`);
    this.configuration.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
    return this;
  }

  getParallelism(): number {
    return this.configuration.get(CoreOptions.DEFAULT_PARALLELISM);
  }

  setMaxParallelism(maxParallelism: number): this {
    if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > 32768) {
      throw invalidPipeline(`The maximum parallelism must be between 1 and 32768, got ${maxParallelism}`);
    }
    this.configuration.set(PipelineOptions.MAX_PARALLELISM, maxParallelism);
    return this;
  }

  getMaxParallelism(): number {
    return this.configuration.get(PipelineOptions.MAX_PARALLELISM);
  }

  setBufferTimeout(timeoutMillis: number): this {
    if (timeoutMillis === -1) this.configuration.set(ExecutionOptions.BUFFER_TIMEOUT_ENABLED, false);
    else this.configuration.set(ExecutionOptions.BUFFER_TIMEOUT, timeoutMillis);
    return this;
  }

  getBufferTimeout(): number {
    return this.configuration.get(ExecutionOptions.BUFFER_TIMEOUT_ENABLED) ? this.configuration.get(ExecutionOptions.BUFFER_TIMEOUT) : -1;
  }

  disableOperatorChaining(): this {
    this.configuration.set(PipelineOptions.OPERATOR_CHAINING, false);
    return this;
  }

  isChainingEnabled(): boolean {
    return this.configuration.get(PipelineOptions.OPERATOR_CHAINING);
  }

  /** The state backend of the job's keyed state; wins over 'state.backend.type'. */
  setStateBackend(backend: StateBackend): this {
    if (typeof backend !== 'object' || backend === null || typeof backend.createKeyedStateBackend !== 'function') {
      throw new TypeError('setStateBackend() needs a state backend, e.g. new HashMapStateBackend()');
    }
    this.stateBackend = backend;
    return this;
  }

  /** The backend set with setStateBackend(), or null (then 'state.backend.type' decides). */
  getStateBackend(): StateBackend | null {
    return this.stateBackend;
  }

  // ---- checkpointing and restarts -------------------------------------------------------------

  /**
   * Takes a checkpoint every `interval` ms (Flink's enableCheckpointing): barriers flow from the
   * sources through the job, every operator snapshots its state, and a failed job restarts from
   * the latest completed checkpoint. EXACTLY_ONCE by default.
   */
  enableCheckpointing(interval: number, mode: CheckpointingMode = CheckpointingMode.EXACTLY_ONCE): this {
    this.getCheckpointConfig().setCheckpointInterval(interval).setCheckpointingMode(mode);
    return this;
  }

  /**
   * Keeps a log of keyed state changes (Flink's enableChangelogStateBackend, FLIP-158): with the
   * RocksDB backend, a checkpoint between two materializations writes only the changes since the
   * previous checkpoint; see 'state.backend.changelog.*'.
   */
  enableChangelogStateBackend(enabled: boolean): this {
    this.configuration.set(CheckpointingOptions.CHANGELOG_ENABLED, enabled);
    return this;
  }

  /** The checkpoint settings, a view over this environment's configuration. */
  getCheckpointConfig(): CheckpointConfig {
    return new CheckpointConfig(this.configuration);
  }

  getCheckpointingMode(): CheckpointingMode {
    return this.getCheckpointConfig().getCheckpointingMode();
  }

  /** What the job does when a task fails, e.g. RestartStrategies.fixedDelayRestart(3, 1000). */
  setRestartStrategy(strategy: RestartStrategyConfiguration): this {
    if (typeof strategy !== 'object' || strategy === null || typeof strategy.type !== 'string') {
      throw new TypeError('setRestartStrategy() needs a strategy from RestartStrategies, e.g. RestartStrategies.fixedDelayRestart(3, 1000)');
    }
    applyRestartStrategy(this.configuration, strategy);
    return this;
  }

  /** The restart strategy the job will use (Flink 1.19's default when none was set). */
  getRestartStrategy(): RestartStrategyConfiguration {
    return resolveRestartStrategy(this.configuration, this.getCheckpointConfig().isCheckpointingEnabled());
  }

  private checkpointingOptions(): LocalCheckpointingOptions | undefined {
    const c = this.getCheckpointConfig();
    if (!c.isCheckpointingEnabled()) return undefined;
    const unaligned = c.isUnalignedCheckpointsEnabled();
    if (unaligned && c.getCheckpointingMode() !== CheckpointingMode.EXACTLY_ONCE) {
      // Flink's StreamingJobGraphGenerator refuses the same combination.
      throw configurationError(`Unaligned checkpoints ('${CheckpointingOptions.ENABLE_UNALIGNED.key}') are only supported for checkpointing mode EXACTLY_ONCE, the job has ${c.getCheckpointingMode()}`);
    }
    if (unaligned && c.getMaxConcurrentCheckpoints() > 1) {
      throw configurationError(
        `Unaligned checkpoints ('${CheckpointingOptions.ENABLE_UNALIGNED.key}') do not run concurrently: '${CheckpointingOptions.MAX_CONCURRENT_CHECKPOINTS.key}' is ${c.getMaxConcurrentCheckpoints()}, it must be 1`,
      );
    }
    const incremental = this.configuration.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS);
    const changelog = this.configuration.get(CheckpointingOptions.CHANGELOG_ENABLED);
    if ((incremental || changelog) && c.getCheckpointStorage() === undefined) {
      const option = changelog ? CheckpointingOptions.CHANGELOG_ENABLED : CheckpointingOptions.INCREMENTAL_CHECKPOINTS;
      log.warn(`'${option.key}' is set, but checkpoints kept in memory (no '${CheckpointingOptions.CHECKPOINTS_DIRECTORY.key}') are full`);
    }
    return {
      incremental,
      ...(changelog
        ? {
            changelog: {
              materializationIntervalMs: this.configuration.get(CheckpointingOptions.CHANGELOG_MATERIALIZATION_INTERVAL),
              maxLogBytes: this.configuration.get(CheckpointingOptions.CHANGELOG_MAX_LOG_SIZE),
            },
          }
        : {}),
      intervalMs: c.getCheckpointInterval(),
      exactlyOnce: c.getCheckpointingMode() === CheckpointingMode.EXACTLY_ONCE,
      timeoutMs: c.getCheckpointTimeout(),
      minPauseMs: c.getMinPauseBetweenCheckpoints(),
      maxConcurrent: c.getMaxConcurrentCheckpoints(),
      tolerableFailures: c.getTolerableCheckpointFailureNumber(),
      numRetained: c.getMaxRetainedCheckpoints(),
      unaligned,
      alignedCheckpointTimeoutMs: c.getAlignedCheckpointTimeout(),
      directory: c.getCheckpointStorage(),
      retention: c.getExternalizedCheckpointRetention(),
    };
  }

  registerJobListener(listener: JobListener): this {
    this.listeners.push(listener);
    return this;
  }

  // ---- sources --------------------------------------------------------------------------------

  addOperator(transformation: Transformation<any>): void {
    this.transformations.push(transformation);
  }

  getTransformations(): readonly Transformation<any>[] {
    return this.transformations;
  }

  fromSource<T>(source: Source<T, any, any>, watermarkStrategy: WatermarkStrategy<T>, sourceName: string): DataStream<T> {
    if (!(watermarkStrategy instanceof WatermarkStrategy)) throw invalidPipeline(`fromSource('${sourceName}') needs a WatermarkStrategy, e.g. WatermarkStrategy.noWatermarks()`);
    const interval = this.configuration.get(PipelineOptions.AUTO_WATERMARK_INTERVAL);
    const t = new SourceTransformation<T>(`Source: ${sourceName}`, () => new SourceOperator<T, SourceSplit>(source, watermarkStrategy, interval), { kind: 'split', source });
    this.addOperator(t);
    return new DataStream<T>(this, t);
  }

  fromElements<T>(...values: T[]): DataStream<T> {
    return this.fromCollection(values, 'Collection Source');
  }

  fromCollection<T>(collection: Iterable<T>, sourceName = 'Collection Source'): DataStream<T> {
    if (collection === null || typeof (collection as Iterable<T>)?.[Symbol.iterator] !== 'function') throw invalidPipeline('fromCollection() needs an array or another iterable');
    const stream = this.fromSource(new FromElementsSource<T>([...collection]), WatermarkStrategy.noWatermarks<T>(), sourceName);
    stream.getTransformation().parallelism = 1;
    stream.getTransformation().parallelismConfigurable = false;
    return stream;
  }

  /** The numbers from..to (inclusive), read in parallel. */
  fromSequence(from: number, to: number): DataStream<number> {
    return this.fromSource(new NumberSequenceSource(from, to), WatermarkStrategy.noWatermarks<number>(), 'Sequence Source');
  }

  addSource<T>(sourceFunction: SourceFunction<T>, sourceName?: string): DataStream<T> {
    resolveMethod(sourceFunction, 'run', 'The source function');
    resolveMethod(sourceFunction, 'cancel', 'The source function');
    const name = sourceName ?? functionName(sourceFunction) ?? 'Custom Source';
    const t = new SourceTransformation<T>(`Source: ${name}`, (subtask) => new StreamSource<T>(copyFunctionForSubtask(sourceFunction, subtask)), { kind: 'function', bounded: false });
    if (!isParallelSourceFunction(sourceFunction)) {
      t.parallelism = 1;
      t.parallelismConfigurable = false;
    }
    this.addOperator(t);
    return new DataStream<T>(this, t);
  }

  // ---- graphs and execution -------------------------------------------------------------------

  getStreamGraph(jobName?: string, clearTransformations = true): StreamGraph {
    const graph = new StreamGraphGenerator({
      jobName: jobName ?? this.configuration.getOptional(PipelineOptions.NAME) ?? 'Flink Streaming Job',
      defaultParallelism: this.getParallelism(),
      maxParallelism: this.getMaxParallelism(),
      chainingEnabled: this.isChainingEnabled(),
    }).generate(this.transformations);
    if (clearTransformations) this.transformations = [];
    return graph;
  }

  /** The JobGraph that execute() would run, without running it (transformations are kept). */
  getJobGraph(jobName?: string): JobGraph {
    return createJobGraph(this.getStreamGraph(jobName, false));
  }

  getExecutionPlan(): string {
    return this.getJobGraph().describe();
  }

  private checkSupported(): void {
    const c = this.configuration;
    const unsupported = (what: string): never => {
      throw new FlinkError(ErrorCodes.FLINK_TS_UNSUPPORTED, `${what} is not available in this version of Flink.TS`);
    };
    if (c.get(ExecutionOptions.RUNTIME_MODE) !== 'STREAMING') unsupported(`The runtime mode ${String(c.get(ExecutionOptions.RUNTIME_MODE))}`);
  }

  async executeAsync(jobName?: string): Promise<JobClient> {
    const listeners = [...contextListeners, ...this.listeners];
    let client: JobClient;
    try {
      this.checkSupported();
      const checkpointing = this.checkpointingOptions();
      const summaryInterval = this.configuration.getOptional(CheckpointingOptions.STATE_STATISTICS_SUMMARY_INTERVAL);
      const stateBackend = await loadStateBackend(this.configuration, this.stateBackend);
      if (checkpointing?.changelog !== undefined && stateBackend.type !== 'rocksdb') {
        log.warn(`'${CheckpointingOptions.CHANGELOG_ENABLED.key}' is set, but the ${stateBackend.type} state backend keeps no changelog: its checkpoints are full`);
      }
      const jobGraph = createJobGraph(this.getStreamGraph(jobName));
      const batchSize = this.configuration.get(PipelineOptions.BATCH_SIZE);
      const buffersPerChannel = localChannelCapacity(this.configuration, batchSize);
      const restorePath = this.configuration.getOptional(CheckpointingOptions.SAVEPOINT_PATH);
      const savepointDirectory = this.configuration.getOptional(CheckpointingOptions.SAVEPOINT_DIRECTORY);
      const job = new LocalJob(jobGraph, {
        batchSize,
        bufferTimeoutMs: this.getBufferTimeout(),
        buffersPerChannel,
        flowControl: localFlowControlOptions(this.configuration),
        stateBackend,
        restartStrategy: this.getRestartStrategy(),
        ...(checkpointing === undefined ? {} : { checkpointing: { ...checkpointing, incremental: incrementalCheckpointsOf(stateBackend, checkpointing.incremental === true) || checkpointing.changelog !== undefined } }),
        ...(summaryInterval === undefined ? {} : { statisticsSummaryIntervalMs: summaryInterval }),
        ...(restorePath === undefined ? {} : { restoreFrom: { path: restorePath, allowNonRestoredState: this.configuration.get(CheckpointingOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE) } }),
        ...(savepointDirectory === undefined ? {} : { savepointDirectory }),
        savepointTimeoutMs: this.getCheckpointConfig().getCheckpointTimeout(),
      });
      client = new JobClient(job);
    } catch (error) {
      for (const l of listeners) l.onJobSubmitted?.(null, error);
      throw error;
    }
    for (const l of listeners) l.onJobSubmitted?.(client, undefined);
    client.getJobExecutionResult().then(
      (result) => listeners.forEach((l) => l.onJobExecuted?.(result, undefined)),
      (error: unknown) => listeners.forEach((l) => l.onJobExecuted?.(null, error)),
    );
    return client;
  }

  /** Runs the job in this process and resolves when it has finished (bounded jobs). */
  async execute(jobName?: string): Promise<JobExecutionResult> {
    const client = await this.executeAsync(jobName);
    return client.getJobExecutionResult();
  }

  /** True when every source of the pipeline is bounded. */
  isBounded(): boolean {
    return this.transformations.every((t) => !(t instanceof SourceTransformation) || (t.definition.kind === 'split' && t.definition.source.getBoundedness() === Boundedness.BOUNDED));
  }
}
