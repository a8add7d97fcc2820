/*
 * Every configuration key Flink.TS accepts, with Flink's names, defaults and meaning, grouped like Flink's
 * option classes so that code reads `PipelineOptions.MAX_PARALLELISM` as it would in Java. A key that is not
 * here is rejected, so this table is also the list of supported settings.
 */
import { key } from './config-option.ts';
import type { AnyConfigOption } from './config-option.ts';

/** Flink's upper bound for max parallelism (number of key groups), 2^15. */
export const UPPER_BOUND_MAX_PARALLELISM = 32768;

export const CoreOptions = {
  DEFAULT_PARALLELISM: key('parallelism.default')
    .intType()
    .defaultValue(1)
    .withRange(1)
    .withDescription('Default parallelism for operators that do not set one.'),
} as const;

export const PipelineOptions = {
  MAX_PARALLELISM: key('pipeline.max-parallelism')
    .intType()
    .defaultValue(-1)
    .withRange(-1, UPPER_BOUND_MAX_PARALLELISM)
    .withValidator((v) => v !== 0, `-1 (derive it from the parallelism) or an integer between 1 and ${UPPER_BOUND_MAX_PARALLELISM}`)
    .withDescription(
      'Maximum parallelism of the job, i.e. the number of key groups keyed state is split into; the upper limit for rescaling. ' +
        '-1 derives it from the parallelism.',
    ),
  NAME: key('pipeline.name').stringType().noDefaultValue().withDescription('The job name shown in logs, metrics and the web UI.'),
  OBJECT_REUSE: key('pipeline.object-reuse')
    .booleanType()
    .defaultValue(false)
    .withDescription('Whether chained operators may pass records without copying them. Only safe when user functions do not keep or mutate inputs.'),
  OPERATOR_CHAINING: key('pipeline.operator-chaining.enabled')
    .booleanType()
    .defaultValue(true)
    .withDeprecatedKeys('pipeline.operator-chaining')
    .withDescription('Whether operators with forward connections and equal parallelism are chained into one task.'),
  AUTO_WATERMARK_INTERVAL: key('pipeline.auto-watermark-interval')
    .durationType()
    .defaultValue('200 ms')
    .withDescription('Interval at which periodic watermarks are emitted. 0 disables periodic watermark emission.'),
  BATCH_SIZE: key('pipeline.batch-size')
    .intType()
    .defaultValue(512)
    .withRange(1)
    .withDescription('Flink.TS: the number of records in one network buffer batch between tasks.'),
} as const;

export const ExecutionOptions = {
  RUNTIME_MODE: key('execution.runtime-mode')
    .enumType(['STREAMING', 'BATCH', 'AUTOMATIC'])
    .defaultValue('STREAMING')
    .withDescription('Runtime execution mode. AUTOMATIC picks BATCH when all sources are bounded, STREAMING otherwise.'),
  BUFFER_TIMEOUT_ENABLED: key('execution.buffer-timeout.enabled')
    .booleanType()
    .defaultValue(true)
    .withDescription(
      'Whether partially filled output buffers are flushed periodically. If false, buffers are sent only when full, ' +
        'maximizing throughput at the cost of latency.',
    ),
  BUFFER_TIMEOUT: key('execution.buffer-timeout.interval')
    .durationType()
    .defaultValue('100 ms')
    .withDeprecatedKeys('execution.buffer-timeout')
    .withDescription('Maximum time between flushes of output buffers. 0 flushes after every record (lowest latency).'),
} as const;

export const CheckpointingOptions = {
  CHECKPOINTING_INTERVAL: key('execution.checkpointing.interval')
    .durationType()
    .noDefaultValue()
    .withDescription('Interval between checkpoints. Checkpointing is disabled unless this is set.'),
  CHECKPOINTING_CONSISTENCY_MODE: key('execution.checkpointing.mode')
    .enumType(['EXACTLY_ONCE', 'AT_LEAST_ONCE'])
    .defaultValue('EXACTLY_ONCE')
    .withDescription('Checkpointing guarantee: EXACTLY_ONCE aligns barriers; AT_LEAST_ONCE does not and may replay records after recovery.'),
  CHECKPOINTING_TIMEOUT: key('execution.checkpointing.timeout')
    .durationType()
    .defaultValue('10 min')
    .withDescription('A checkpoint that does not complete within this time is aborted.'),
  MIN_PAUSE_BETWEEN_CHECKPOINTS: key('execution.checkpointing.min-pause')
    .durationType()
    .defaultValue(0)
    .withDescription('Minimum time between the end of one checkpoint and the start of the next.'),
  MAX_CONCURRENT_CHECKPOINTS: key('execution.checkpointing.max-concurrent-checkpoints')
    .intType()
    .defaultValue(1)
    .withRange(1)
    .withDescription('Maximum number of checkpoints in progress at the same time.'),
  TOLERABLE_FAILURE_NUMBER: key('execution.checkpointing.tolerable-failed-checkpoints')
    .intType()
    .defaultValue(0)
    .withRange(0)
    .withDescription('Number of consecutive checkpoint failures tolerated before the job fails over.'),
  EXTERNALIZED_CHECKPOINT_RETENTION: key('execution.checkpointing.externalized-checkpoint-retention')
    .enumType(['NO_EXTERNALIZED_CHECKPOINTS', 'RETAIN_ON_CANCELLATION', 'DELETE_ON_CANCELLATION'])
    .defaultValue('NO_EXTERNALIZED_CHECKPOINTS')
    .withDescription('Whether completed checkpoints are kept when the job is cancelled (they are always kept when it fails).'),
  ENABLE_UNALIGNED: key('execution.checkpointing.unaligned.enabled')
    .booleanType()
    .defaultValue(false)
    .withDeprecatedKeys('execution.checkpointing.unaligned')
    .withDescription('Whether exactly-once checkpoints may overtake in-flight data instead of aligning barriers (requires EXACTLY_ONCE and max 1 concurrent checkpoint).'),
  ALIGNED_CHECKPOINT_TIMEOUT: key('execution.checkpointing.aligned-checkpoint-timeout')
    .durationType()
    .defaultValue(0)
    .withDeprecatedKeys('execution.checkpointing.alignment-timeout')
    .withDescription('With unaligned checkpoints enabled, each checkpoint starts aligned and switches to unaligned after this time. 0 starts unaligned.'),
  INCREMENTAL_CHECKPOINTS: key('execution.checkpointing.incremental')
    .booleanType()
    .defaultValue(false)
    .withDeprecatedKeys('state.backend.incremental')
    .withDescription('Whether a checkpoint stores only the changes since the previous one, where the state backend supports it.'),
  CHECKPOINTS_DIRECTORY: key('state.checkpoints.dir')
    .stringType()
    .noDefaultValue()
    .withFallbackKeys('execution.checkpointing.dir')
    .withDescription('Directory (path or URI) where checkpoint data and metadata are stored.'),
  SAVEPOINT_DIRECTORY: key('state.savepoints.dir')
    .stringType()
    .noDefaultValue()
    .withFallbackKeys('execution.checkpointing.savepoint-dir')
    .withDescription('Default directory for savepoints, used when a savepoint is triggered without a target directory.'),
  MAX_RETAINED_CHECKPOINTS: key('state.checkpoints.num-retained')
    .intType()
    .defaultValue(1)
    .withRange(1)
    .withFallbackKeys('execution.checkpointing.num-retained')
    .withDescription('Maximum number of completed checkpoints to keep.'),
  SAVEPOINT_PATH: key('execution.savepoint.path')
    .stringType()
    .noDefaultValue()
    .withDescription('Path of a savepoint or retained checkpoint to restore the job from.'),
  SAVEPOINT_IGNORE_UNCLAIMED_STATE: key('execution.savepoint.ignore-unclaimed-state')
    .booleanType()
    .defaultValue(false)
    .withDescription('Whether to allow restoring from a savepoint that contains state of operators no longer in the job.'),
  STATE_STATISTICS_SUMMARY_INTERVAL: key('state.backend.statistics.summary-interval')
    .durationType()
    .noDefaultValue()
    .withDescription(
      'Logs a summary of the job\'s state backend statistics (entries, RocksDB memory and latencies, back-pressure level) at this interval, ' +
        'at level info (FLINK_TS_LOG_LEVEL=info). No summary unless this is set.',
    ),
  CHANGELOG_ENABLED: key('state.backend.changelog.enabled')
    .booleanType()
    .defaultValue(false)
    .withFallbackKeys('state.changelog.enabled')
    .withDescription(
      'Whether the RocksDB backend keeps a log of state changes (Flink\'s changelog state backend): checkpoints between two materializations ' +
        'write only the changes since the previous checkpoint, without flushing RocksDB. Needs a checkpoint directory.',
    ),
  CHANGELOG_MATERIALIZATION_INTERVAL: key('state.backend.changelog.periodic-materialize.interval')
    .durationType()
    .defaultValue(10 * 60_000)
    .withRange(1)
    .withFallbackKeys('state.changelog.periodic-materialize.interval')
    .withDescription('With the changelog, how old the last materialization (an incremental snapshot of RocksDB) may be before a checkpoint takes a new one.'),
  CHANGELOG_MAX_LOG_SIZE: key('state.backend.changelog.max-log-size')
    .memoryType()
    .defaultValue('256mb')
    .withRange(1)
    .withDescription('Flink.TS: the most state changes one keyed backend logs between two materializations; beyond, the next checkpoint materializes.'),
  STATE_BACKEND: key('state.backend.type')
    .enumType(['hashmap', 'rocksdb'])
    .defaultValue('hashmap')
    .withDeprecatedKeys('state.backend')
    .withDescription('State backend: hashmap keeps state as objects in memory; rocksdb keeps it in an embedded key-value store.'),
} as const;

const restartStrategyHelp = (strategy: string): string => ` Used when 'restart-strategy.type' is '${strategy}'.`;

export const RestartStrategyOptions = {
  RESTART_STRATEGY: key('restart-strategy.type')
    .enumType(['none', 'disable', 'off', 'fixed-delay', 'fixeddelay', 'failure-rate', 'failurerate', 'exponential-delay', 'exponentialdelay'])
    .noDefaultValue()
    .withDeprecatedKeys('restart-strategy')
    .withDescription(
      'Restart strategy used when the job fails: none/disable/off, fixed-delay, failure-rate or exponential-delay. ' +
        'Unset: none when checkpointing is disabled, exponential-delay when it is enabled.',
    ),
  RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS: key('restart-strategy.fixed-delay.attempts')
    .intType()
    .defaultValue(1)
    .withRange(0)
    .withDescription('Number of restart attempts before the job is declared failed.' + restartStrategyHelp('fixed-delay')),
  RESTART_STRATEGY_FIXED_DELAY_DELAY: key('restart-strategy.fixed-delay.delay')
    .durationType()
    .defaultValue('1 s')
    .withDescription('Delay between two consecutive restart attempts.' + restartStrategyHelp('fixed-delay')),
  RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL: key('restart-strategy.failure-rate.max-failures-per-interval')
    .intType()
    .defaultValue(1)
    .withRange(1)
    .withDescription('Maximum number of restarts within one interval before the job is declared failed.' + restartStrategyHelp('failure-rate')),
  RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL: key('restart-strategy.failure-rate.failure-rate-interval')
    .durationType()
    .defaultValue('1 min')
    .withDescription('Time interval over which failures are counted.' + restartStrategyHelp('failure-rate')),
  RESTART_STRATEGY_FAILURE_RATE_DELAY: key('restart-strategy.failure-rate.delay')
    .durationType()
    .defaultValue('1 s')
    .withDescription('Delay between two consecutive restart attempts.' + restartStrategyHelp('failure-rate')),
  RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF: key('restart-strategy.exponential-delay.initial-backoff')
    .durationType()
    .defaultValue('1 s')
    .withDescription('Delay before the first restart.' + restartStrategyHelp('exponential-delay')),
  RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF: key('restart-strategy.exponential-delay.max-backoff')
    .durationType()
    .defaultValue('1 min')
    .withDescription('Upper bound of the delay between restarts.' + restartStrategyHelp('exponential-delay')),
  RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER: key('restart-strategy.exponential-delay.backoff-multiplier')
    .numberType()
    .defaultValue(1.5)
    .withRange(1)
    .withDescription('Factor by which the delay grows after every failure, up to the max backoff.' + restartStrategyHelp('exponential-delay')),
  RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD: key('restart-strategy.exponential-delay.reset-backoff-threshold')
    .durationType()
    .defaultValue('1 h')
    .withDescription('How long the job must run without failure for the delay to reset to the initial backoff.' + restartStrategyHelp('exponential-delay')),
  RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR: key('restart-strategy.exponential-delay.jitter-factor')
    .numberType()
    .defaultValue(0.1)
    .withRange(0, 1)
    .withDescription('Random jitter added to or subtracted from the delay, as a fraction of it, so that many jobs do not restart in lockstep.' + restartStrategyHelp('exponential-delay')),
  RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS: key('restart-strategy.exponential-delay.attempts-before-reset-backoff')
    .intType()
    .defaultValue(2 ** 31 - 1)
    .withRange(0)
    .withDescription('Number of restart attempts before the job fails; the count resets with the backoff. The default means unlimited.' + restartStrategyHelp('exponential-delay')),
} as const;

export const NettyShuffleOptions = {
  NETWORK_BUFFERS_PER_CHANNEL: key('taskmanager.network.memory.buffers-per-channel')
    .intType()
    .defaultValue(2)
    .withRange(0)
    .withDescription('Exclusive buffers per outgoing/incoming channel. At least 2 are recommended for good throughput.'),
  NETWORK_EXTRA_BUFFERS_PER_GATE: key('taskmanager.network.memory.floating-buffers-per-gate')
    .intType()
    .defaultValue(8)
    .withRange(0)
    .withDescription('Floating buffers shared by all channels of an input gate, to absorb skew between channels.'),
  MEMORY_SEGMENT_SIZE: key('taskmanager.memory.segment-size')
    .memoryType()
    .defaultValue('32kb')
    .withRange(1)
    .withDescription('Size of one network buffer (memory segment).'),
  NETWORK_MEMORY_FRACTION: key('taskmanager.memory.network.fraction')
    .numberType()
    .defaultValue(0.1)
    .withRange(0, 1)
    .withDeprecatedKeys('taskmanager.network.memory.fraction')
    .withDescription('Fraction of the task manager memory used for network buffers, bounded by the network min and max.'),
  NETWORK_MEMORY_MIN: key('taskmanager.memory.network.min')
    .memoryType()
    .defaultValue('64mb')
    .withDeprecatedKeys('taskmanager.network.memory.min')
    .withDescription('Minimum memory for network buffers.'),
  NETWORK_MEMORY_MAX: key('taskmanager.memory.network.max')
    .memoryType()
    .defaultValue('1gb')
    .withDeprecatedKeys('taskmanager.network.memory.max')
    .withDescription('Maximum memory for network buffers.'),
  NETWORK_MEMORY_SIZE: key('taskmanager.memory.network.size')
    .memoryType()
    .noDefaultValue()
    .withRange(1)
    .withDescription('Flink.TS: a fixed size for network buffer memory; when set, it replaces the fraction, min and max.'),
  NETWORK_MAX_BUFFERS_PER_CHANNEL: key('taskmanager.network.memory.max-buffers-per-channel')
    .intType()
    .defaultValue(10)
    .withRange(1)
    .withDescription('Maximum buffers one channel of a result partition may hold, so that one slow consumer cannot take the whole pool.'),
  BUFFER_DEBLOAT_ENABLED: key('taskmanager.network.memory.buffer-debloat.enabled')
    .booleanType()
    .defaultValue(false)
    .withDescription('Whether in-flight data is automatically sized so that it can be consumed within the debloat target time.'),
  BUFFER_DEBLOAT_TARGET: key('taskmanager.network.memory.buffer-debloat.target')
    .durationType()
    .defaultValue('1 s')
    .withDescription('Target time to consume the in-flight data when buffer debloating is enabled; bounds checkpoint alignment time.'),
  BUFFER_DEBLOAT_PERIOD: key('taskmanager.network.memory.buffer-debloat.period')
    .durationType()
    .defaultValue('200 ms')
    .withRange(1)
    .withDescription('How often a consumer measures its throughput and recalculates the buffer size (records per batch) it announces to its producers.'),
  BUFFER_DEBLOAT_SAMPLES: key('taskmanager.network.memory.buffer-debloat.samples')
    .intType()
    .defaultValue(20)
    .withRange(1)
    .withDescription('Number of periods the buffer size is averaged over (an exponential moving average), so that it changes smoothly.'),
  BUFFER_DEBLOAT_THRESHOLD_PERCENTAGES: key('taskmanager.network.memory.buffer-debloat.threshold-percentages')
    .intType()
    .defaultValue(25)
    .withRange(0)
    .withDescription('Smallest change of the buffer size, in percent of the current one, that is announced to the producers (changes to the minimum or maximum always are).'),
  LOCAL_BACK_PRESSURE_ENABLED: key('taskmanager.network.local-back-pressure.enabled')
    .booleanType()
    .defaultValue(true)
    .withDescription('Flink.TS: local execution watches the input queue utilization and back-pressured time of every operator and throttles source intake while the queues a source feeds stay over the threshold.'),
  LOCAL_BACK_PRESSURE_THRESHOLD: key('taskmanager.network.local-back-pressure.threshold')
    .numberType()
    .defaultValue(0.8)
    .withRange(0, 1)
    .withDescription('Flink.TS: queue utilization (queued batches over credit) above which an operator counts as under high pressure and the sources feeding it are throttled.'),
  LOCAL_BACK_PRESSURE_BASE_THROTTLE_DELAY: key('taskmanager.network.local-back-pressure.base-throttle-delay')
    .durationType()
    .defaultValue('10 ms')
    .withRange(1)
    .withDescription('Flink.TS: first delay of a throttled source; it doubles while the pressure persists and resets when it falls.'),
  LOCAL_BACK_PRESSURE_MAX_THROTTLE_DELAY: key('taskmanager.network.local-back-pressure.max-throttle-delay')
    .durationType()
    .defaultValue('1 s')
    .withRange(1)
    .withDescription('Flink.TS: upper bound of the throttle delay of a source.'),
  LOCAL_BACK_PRESSURE_DEFAULT_MAX_QUEUE_SIZE: key('taskmanager.network.local-back-pressure.default-max-queue-size')
    .intType()
    .noDefaultValue()
    .withRange(1)
    .withDescription(
      'Flink.TS: records the queue of one in-thread channel may hold when neither taskmanager.network.memory.buffers-per-channel nor ' +
        'floating-buffers-per-gate is set; its credit becomes this many records in batches of pipeline.batch-size, rounded up. Unset: 2 + 8 batches (Flink\'s buffer defaults).',
    ),
} as const;

export const TaskManagerOptions = {
  NUM_TASK_SLOTS: key('taskmanager.numberOfTaskSlots')
    .intType()
    .defaultValue(1)
    .withRange(1)
    .withDescription('Number of parallel pipeline slices one task manager runs.'),
  TOTAL_FLINK_MEMORY: key('taskmanager.memory.flink.size')
    .memoryType()
    .noDefaultValue()
    .withDescription('Total memory of the task manager that the network fraction applies to. Unset: the network memory is its min.'),
  HOST: key('taskmanager.host').stringType().noDefaultValue().withDescription('Address other processes use to reach this task manager.'),
  DATA_PORT: key('taskmanager.data.port')
    .intType()
    .defaultValue(6121)
    .withRange(0, 65535)
    .withDescription('Port of the task manager for data exchange between tasks. 0 picks a free port.'),
  RPC_PORT: key('taskmanager.rpc.port')
    .intType()
    .defaultValue(6122)
    .withRange(0, 65535)
    .withDescription('Port of the task manager for control messages. 0 picks a free port.'),
} as const;

export const JobManagerOptions = {
  ADDRESS: key('jobmanager.rpc.address').stringType().defaultValue('localhost').withDescription('Host on which the job manager runs and which task managers connect to.'),
  PORT: key('jobmanager.rpc.port').intType().defaultValue(6123).withRange(0, 65535).withDescription('Port of the job manager for control messages.'),
  REST_PORT: key('rest.port').intType().defaultValue(8081).withRange(0, 65535).withDescription('Port of the REST endpoint and web UI.'),
  REST_ADDRESS: key('rest.address').stringType().noDefaultValue().withDescription('Address clients use to reach the REST endpoint.'),
} as const;

export const MetricOptions = {
  LATENCY_INTERVAL: key('metrics.latency.interval')
    .durationType()
    .defaultValue(0)
    .withDescription('Interval at which sources emit latency markers. 0 disables latency tracking.'),
} as const;

/** Every option, in declaration order. */
export const ALL_CONFIG_OPTIONS: readonly AnyConfigOption[] = Object.freeze(
  [CoreOptions, PipelineOptions, ExecutionOptions, CheckpointingOptions, RestartStrategyOptions, NettyShuffleOptions, TaskManagerOptions, JobManagerOptions, MetricOptions].flatMap(
    (group): AnyConfigOption[] => Object.values(group),
  ),
);

const byKey = new Map<string, AnyConfigOption>();
for (const option of ALL_CONFIG_OPTIONS) {
  for (const name of option.allKeys()) {
    // A programming error in this table, caught the first time anything imports it.
    if (byKey.has(name)) throw new Error(`Configuration key '${name}' is declared twice.`);
    byKey.set(name, option);
  }
}

/** The option a key (current, deprecated or fallback) belongs to, or undefined if Flink.TS does not know the key. */
export function findConfigOption(name: string): AnyConfigOption | undefined {
  return byKey.get(name);
}
