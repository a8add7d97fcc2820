/*
 * Tests of Configuration: loading from objects, the environment and files; defaults; unknown keys with
 * suggestions; type errors; deprecated and fallback keys; and the map operations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlinkError } from '../../src/errors.ts';
import { Configuration, closestKey, environmentVariableName } from '../../src/configuration/configuration.ts';
import {
  CheckpointingOptions,
  CoreOptions,
  ExecutionOptions,
  NettyShuffleOptions,
  PipelineOptions,
  RestartStrategyOptions,
} from '../../src/configuration/config-options.ts';

const isConfigError = (err: unknown): boolean => FlinkError.isFlinkError(err) && err.code === 'FLINK_TS_CONFIGURATION';

function rejects(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isConfigError(err), `expected a configuration error, got ${String(err)}`);
    for (const pattern of patterns) assert.match((err as Error).message, pattern);
    return true;
  });
}

test('an empty configuration returns defaults, and undefined for options without one', () => {
  const conf = new Configuration();
  assert.equal(conf.get(CoreOptions.DEFAULT_PARALLELISM), 1);
  assert.equal(conf.get(ExecutionOptions.BUFFER_TIMEOUT), 100);
  assert.equal(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL), undefined);
  assert.equal(conf.getOptional(CoreOptions.DEFAULT_PARALLELISM), undefined);
  assert.equal(conf.contains(CoreOptions.DEFAULT_PARALLELISM), false);
  assert.deepEqual(conf.keys(), []);
});

test('fromObject parses values into typed values', () => {
  const conf = Configuration.fromObject({
    'parallelism.default': '4',
    'pipeline.object-reuse': 'true',
    'execution.runtime-mode': 'batch',
    'execution.checkpointing.interval': '5 s',
    'taskmanager.memory.segment-size': '64kb',
    'restart-strategy.exponential-delay.backoff-multiplier': '2.5',
  });
  assert.equal(conf.get(CoreOptions.DEFAULT_PARALLELISM), 4);
  assert.equal(conf.get(PipelineOptions.OBJECT_REUSE), true);
  assert.equal(conf.get(ExecutionOptions.RUNTIME_MODE), 'BATCH');
  assert.equal(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL), 5000);
  assert.equal(conf.get(NettyShuffleOptions.MEMORY_SEGMENT_SIZE), 65_536);
  assert.equal(conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER), 2.5);
  assert.equal(conf.getOptional(CoreOptions.DEFAULT_PARALLELISM), 4);
});

test('fromObject treats undefined values as unset but still checks their keys', () => {
  const conf = Configuration.fromObject({ 'pipeline.name': undefined, 'parallelism.default': 2 });
  assert.deepEqual(conf.keys(), ['parallelism.default']);
  rejects(() => Configuration.fromObject({ 'pipeline.nmae': undefined }), /Did you mean 'pipeline\.name'/);
});

test('an unknown key names the key and origin and suggests the closest known key', () => {
  rejects(() => Configuration.fromObject({ 'paralelism.default': 2 }, 'job options'), /'paralelism\.default'/, /job options/, /Did you mean 'parallelism\.default'\?/);
  rejects(() => Configuration.fromObject({ 'taskmanager.numberoftaskslots': 2 }), /Did you mean 'taskmanager\.numberOfTaskSlots'\?/);
  rejects(() => Configuration.fromObject({ parallelism: 2 }), /Did you mean 'parallelism\.default'\?/);
  assert.throws(
    () => Configuration.fromObject({ 'completely.unrelated.setting': 1 }),
    (err: unknown) => isConfigError(err) && !(err as Error).message.includes('Did you mean'),
  );
  assert.equal(closestKey('pipeline.objectreuse'), 'pipeline.object-reuse');
  assert.equal(closestKey('zzz'), undefined);
});

test('a wrong type or range names the key, the value and the expected type', () => {
  rejects(() => Configuration.fromObject({ 'parallelism.default': 1.5 }), /'parallelism\.default'/, /got 1\.5/, /expected an integer >= 1/);
  rejects(() => Configuration.fromObject({ 'parallelism.default': 0 }), /got 0/);
  rejects(() => Configuration.fromObject({ 'pipeline.object-reuse': 'maybe' }), /got "maybe"/, /true or false/);
  rejects(() => Configuration.fromObject({ 'execution.runtime-mode': 'fast' }), /STREAMING, BATCH, AUTOMATIC/);
  rejects(() => Configuration.fromObject({ 'execution.checkpointing.timeout': 'soon' }), /expected a duration/);
});

test('deprecated keys resolve to their option; the current key wins when both are given', () => {
  const conf = Configuration.fromObject({ 'execution.buffer-timeout': '50 ms' });
  assert.equal(conf.get(ExecutionOptions.BUFFER_TIMEOUT), 50);
  assert.deepEqual(conf.keys(), ['execution.buffer-timeout.interval']);
  const both = Configuration.fromObject({ 'execution.buffer-timeout.interval': '20 ms', 'execution.buffer-timeout': '50 ms' });
  assert.equal(both.get(ExecutionOptions.BUFFER_TIMEOUT), 20);
  const fallback = Configuration.fromObject({ 'execution.checkpointing.dir': 'file:///tmp/cp' });
  assert.equal(fallback.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY), 'file:///tmp/cp');
  rejects(() => Configuration.fromObject({ 'execution.buffer-timeout': 'x' }), /'execution\.buffer-timeout\.interval'/);
});

test('set validates, accepts textual forms, and supports chaining; remove unsets', () => {
  const conf = new Configuration()
    .set(CoreOptions.DEFAULT_PARALLELISM, 8)
    .set(CheckpointingOptions.CHECKPOINTING_INTERVAL, '1 min')
    .set(PipelineOptions.AUTO_WATERMARK_INTERVAL, { toMillis: () => 50 })
    .set(ExecutionOptions.RUNTIME_MODE, 'automatic');
  assert.equal(conf.get(CoreOptions.DEFAULT_PARALLELISM), 8);
  assert.equal(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL), 60_000);
  assert.equal(conf.get(PipelineOptions.AUTO_WATERMARK_INTERVAL), 50);
  assert.equal(conf.get(ExecutionOptions.RUNTIME_MODE), 'AUTOMATIC');
  rejects(() => conf.set(CoreOptions.DEFAULT_PARALLELISM, -3), /'parallelism\.default'/, /got -3/);
  assert.equal(conf.remove(CoreOptions.DEFAULT_PARALLELISM), true);
  assert.equal(conf.get(CoreOptions.DEFAULT_PARALLELISM), 1);
});

test('clone, merge, toMap and toObject copy values without sharing', () => {
  const a = Configuration.fromObject({ 'parallelism.default': 2, 'pipeline.name': 'a' });
  const b = Configuration.fromObject({ 'parallelism.default': 3, 'pipeline.object-reuse': true });
  const merged = a.merge(b);
  assert.equal(merged.get(CoreOptions.DEFAULT_PARALLELISM), 3);
  assert.equal(merged.get(PipelineOptions.NAME), 'a');
  assert.equal(merged.get(PipelineOptions.OBJECT_REUSE), true);
  assert.equal(a.get(CoreOptions.DEFAULT_PARALLELISM), 2);
  const copy = a.clone().set(CoreOptions.DEFAULT_PARALLELISM, 9);
  assert.equal(a.get(CoreOptions.DEFAULT_PARALLELISM), 2);
  assert.equal(copy.get(CoreOptions.DEFAULT_PARALLELISM), 9);
  assert.deepEqual([...a.toMap()], [['parallelism.default', 2], ['pipeline.name', 'a']]);
  const roundTrip = Configuration.fromObject(merged.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, '2 min').toObject());
  assert.deepEqual(roundTrip.toObject(), merged.toObject());
});

test('fromEnvironment reads FLINK_TS_ variables of known keys only', () => {
  assert.equal(environmentVariableName('parallelism.default'), 'FLINK_TS_PARALLELISM_DEFAULT');
  assert.equal(environmentVariableName('execution.buffer-timeout.interval'), 'FLINK_TS_EXECUTION_BUFFER_TIMEOUT_INTERVAL');
  const conf = Configuration.fromEnvironment({
    FLINK_TS_PARALLELISM_DEFAULT: '6',
    FLINK_TS_EXECUTION_RUNTIME_MODE: 'batch',
    FLINK_TS_PIPELINE_NAME: '',
    FLINK_TS_LOG_LEVEL: 'debug',
    FLINK_TS_SOMETHING_ELSE: 'x',
    PATH: '/usr/bin',
  });
  assert.equal(conf.get(CoreOptions.DEFAULT_PARALLELISM), 6);
  assert.equal(conf.get(ExecutionOptions.RUNTIME_MODE), 'BATCH');
  assert.deepEqual(conf.keys().sort(), ['execution.runtime-mode', 'parallelism.default']);
  rejects(() => Configuration.fromEnvironment({ FLINK_TS_PARALLELISM_DEFAULT: 'many' }), /environment variable FLINK_TS_PARALLELISM_DEFAULT/, /got "many"/);
  assert.deepEqual(Configuration.fromEnvironment({}).keys(), []);
});

test('fromFile reads flat key: value lines with comments and quotes', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flink-ts-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'flink-conf.yaml');
  writeFileSync(
    path,
    [
      '# Flink.TS configuration',
      'parallelism.default: 4',
      '',
      'pipeline.name: "my job"   # quoted',
      'state.checkpoints.dir: s3://bucket/checkpoints#frag',
      'execution.checkpointing.interval: 10 s',
      'restart-strategy: fixed-delay',
      'parallelism.default: 5',
    ].join('\n'),
  );
  const conf = Configuration.fromFile(path);
  assert.equal(conf.get(CoreOptions.DEFAULT_PARALLELISM), 5);
  assert.equal(conf.get(PipelineOptions.NAME), 'my job');
  assert.equal(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY), 's3://bucket/checkpoints#frag');
  assert.equal(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL), 10_000);
  assert.equal(conf.get(RestartStrategyOptions.RESTART_STRATEGY), 'fixed-delay');
});

test('fromFile errors name the file and line', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flink-ts-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const unknown = write('unknown.yaml', 'parallelism.default: 2\npipeline.objectreuse: true\n');
  rejects(() => Configuration.fromFile(unknown), new RegExp(`${unknown.replace(/[\\.]/g, '\\$&')}' line 2`), /Did you mean 'pipeline\.object-reuse'/);
  rejects(() => Configuration.fromFile(write('type.yaml', '# c\n\nparallelism.default: lots\n')), /line 3/, /got "lots"/);
  rejects(() => Configuration.fromFile(write('nokey.yaml', 'just some text\n')), /line 1/, /expected 'key: value'/);
  rejects(() => Configuration.fromFile(write('novalue.yaml', 'pipeline.name:\n')), /line 1/, /Missing value/);
  rejects(() => Configuration.fromFile(write('nested.yaml', 'pipeline:\n  name: x\n')), /line 1|line 2/);
  rejects(() => Configuration.fromFile(join(dir, 'missing.yaml')), /Cannot read configuration file/);
});
