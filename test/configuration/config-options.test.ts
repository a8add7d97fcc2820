/*
 * Tests of the option table: Flink's defaults, consistent declarations, and key lookup.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALL_CONFIG_OPTIONS,
  CheckpointingOptions,
  CoreOptions,
  ExecutionOptions,
  JobManagerOptions,
  MetricOptions,
  NettyShuffleOptions,
  PipelineOptions,
  RestartStrategyOptions,
  TaskManagerOptions,
  findConfigOption,
} from '../../src/configuration/config-options.ts';
import { environmentVariableName } from '../../src/configuration/configuration.ts';

test('defaults match Flink', () => {
  assert.equal(CoreOptions.DEFAULT_PARALLELISM.defaultValue, 1);
  assert.equal(PipelineOptions.MAX_PARALLELISM.defaultValue, -1);
  assert.equal(PipelineOptions.OBJECT_REUSE.defaultValue, false);
  assert.equal(PipelineOptions.OPERATOR_CHAINING.defaultValue, true);
  assert.equal(PipelineOptions.AUTO_WATERMARK_INTERVAL.defaultValue, 200);
  assert.equal(PipelineOptions.BATCH_SIZE.defaultValue, 512);
  assert.equal(ExecutionOptions.RUNTIME_MODE.defaultValue, 'STREAMING');
  assert.equal(ExecutionOptions.BUFFER_TIMEOUT.defaultValue, 100);
  assert.equal(CheckpointingOptions.CHECKPOINTING_INTERVAL.defaultValue, undefined);
  assert.equal(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE.defaultValue, 'EXACTLY_ONCE');
  assert.equal(CheckpointingOptions.CHECKPOINTING_TIMEOUT.defaultValue, 600_000);
  assert.equal(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION.defaultValue, 'NO_EXTERNALIZED_CHECKPOINTS');
  assert.equal(CheckpointingOptions.STATE_BACKEND.defaultValue, 'hashmap');
  assert.equal(RestartStrategyOptions.RESTART_STRATEGY.defaultValue, undefined);
  assert.equal(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY.defaultValue, 1000);
  assert.equal(RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL.defaultValue, 60_000);
  assert.equal(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER.defaultValue, 1.5);
  assert.equal(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD.defaultValue, 3_600_000);
  assert.equal(NettyShuffleOptions.MEMORY_SEGMENT_SIZE.defaultValue, 32 * 1024);
  assert.equal(NettyShuffleOptions.NETWORK_MEMORY_MIN.defaultValue, 64 * 1024 ** 2);
  assert.equal(NettyShuffleOptions.NETWORK_MEMORY_MAX.defaultValue, 1024 ** 3);
  assert.equal(TaskManagerOptions.NUM_TASK_SLOTS.defaultValue, 1);
  assert.equal(JobManagerOptions.ADDRESS.defaultValue, 'localhost');
  assert.equal(JobManagerOptions.REST_PORT.defaultValue, 8081);
  assert.equal(MetricOptions.LATENCY_INTERVAL.defaultValue, 0);
});

test('every option is documented and its default passes its own validation', () => {
  assert.ok(ALL_CONFIG_OPTIONS.length >= 50);
  for (const option of ALL_CONFIG_OPTIONS) {
    assert.ok(option.description.length > 10, `${option.key} needs a description`);
    if (option.defaultValue !== undefined) assert.deepEqual(option.parse(option.defaultValue), option.defaultValue, option.key);
    if (option.type === 'enum') assert.ok((option.enumValues ?? []).length > 0, option.key);
  }
});

test('keys and their environment variable names are unique', () => {
  const names = ALL_CONFIG_OPTIONS.flatMap((option) => option.allKeys());
  assert.equal(new Set(names).size, names.length);
  assert.equal(new Set(names.map(environmentVariableName)).size, names.length);
});

test('findConfigOption resolves current, deprecated and fallback keys', () => {
  assert.equal(findConfigOption('parallelism.default'), CoreOptions.DEFAULT_PARALLELISM);
  assert.equal(findConfigOption('execution.buffer-timeout'), ExecutionOptions.BUFFER_TIMEOUT);
  assert.equal(findConfigOption('restart-strategy'), RestartStrategyOptions.RESTART_STRATEGY);
  assert.equal(findConfigOption('execution.checkpointing.dir'), CheckpointingOptions.CHECKPOINTS_DIRECTORY);
  assert.equal(findConfigOption('no.such.key'), undefined);
});

test('max parallelism allows -1 or 1..32768 but not 0', () => {
  const option = PipelineOptions.MAX_PARALLELISM;
  assert.equal(option.parse(-1), -1);
  assert.equal(option.parse(128), 128);
  assert.equal(option.parse(32768), 32768);
  for (const bad of [0, -2, 32769]) assert.throws(() => option.parse(bad), /-1 \(derive it from the parallelism\)/);
});

test('restart strategy names are accepted in every spelling Flink accepts', () => {
  const option = RestartStrategyOptions.RESTART_STRATEGY;
  for (const name of ['none', 'off', 'disable', 'fixed-delay', 'fixeddelay', 'failure-rate', 'failurerate', 'exponential-delay', 'exponentialdelay']) {
    assert.equal(option.parse(name.toUpperCase()), name);
  }
});
