/*
 * Unaligned checkpoints end to end (FLIP-76): configuration; a slow operator behind a
 * back-pressured exchange, where aligned checkpoints wait for the queued data while unaligned ones
 * overtake it and store it; the aligned-checkpoint timeout switching a checkpoint to unaligned;
 * exactly-once recovery from unaligned checkpoints holding in-flight data (keyed counts exact, no
 * record lost or twice); and the refusal to restore such a checkpoint into another job shape.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import type { TestContext } from 'node:test';
import {
  CheckpointingMode,
  ErrorCodes,
  ExternalizedCheckpointRetention,
  RestartStrategies,
  RichMapFunction,
  StreamExecutionEnvironment,
  type JobClient,
} from 'flink-ts';
import { assertFlinkError, CountPerKey, eventually, rejection, runJob, tempDirectory } from '../../helpers.ts';

const tempDir = (t: TestContext): Promise<string> => tempDirectory(t, 'flink-ts-unaligned-');

/** Small batches and many buffers per channel: a slow consumer has a lot of data queued before it. */
const BACK_PRESSURE_CONFIG = {
  'pipeline.batch-size': 64,
  'taskmanager.network.memory.buffers-per-channel': 64,
  'taskmanager.network.memory.floating-buffers-per-gate': 0,
} as const;

/** Busy-waits `micros` per record: the slow operator behind the exchange. */
function slowMap<T>(micros: number): RichMapFunction<T, T> {
  class Slow extends RichMapFunction<T, T> {
    map(value: T): T {
      const until = performance.now() + micros / 1000;
      while (performance.now() < until);
      return value;
    }
  }
  return new Slow();
}

interface Measured {
  readonly checkpointId: number;
  readonly durationMs: number;
  readonly unaligned: boolean;
  readonly persistedData: number;
}

/**
 * Runs source (2) → rebalance → slow map (1) → sink, triggers `n` checkpoints one after the other
 * once the exchange is back-pressured, and returns what the statistics say of each.
 */
async function measureCheckpoints(t: TestContext, configure: (env: StreamExecutionEnvironment) => void, n = 3): Promise<Measured[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ ...BACK_PRESSURE_CONFIG, 'parallelism.default': 2 });
  // Periodic checkpoints are out of the way: the test triggers its own.
  env.enableCheckpointing(3_600_000);
  configure(env);
  env.fromSequence(1, 100_000_000).rebalance().map(slowMap<number>(100)).setParallelism(1).addSink(() => {}).setParallelism(1);
  const client = await runJob(t, env);
  await eventually(() => backPressured(client), 10_000, 'back pressure at the slow map');
  const out: Measured[] = [];
  for (let i = 0; i < n; i++) out.push(await checkpointNow(client));
  await client.cancel();
  return out;
}

/** The input buffers of the slow map's task (chained with its sink) are full. */
async function backPressured(client: JobClient): Promise<boolean> {
  const metrics = await client.getMetrics();
  const slow = Object.entries(metrics).find(([name]) => name.startsWith('Map'));
  return (slow?.[1].inPoolUsage ?? 0) >= 0.8;
}

async function checkpointNow(client: JobClient): Promise<Measured> {
  const id = await client.triggerCheckpoint();
  assert.notEqual(id, null, 'the checkpoint was triggered');
  await eventually(() => (client.getCheckpointStatistics()!.lastCompletedCheckpointId ?? 0) >= id!, 20_000, `checkpoint ${id} to complete`);
  const summary = client.getCheckpointStatistics()!.history.find((h) => h.checkpointId === id);
  assert.ok(summary !== undefined, `checkpoint ${id} is in the history`);
  return summary;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('unaligned checkpoint configuration', () => {
  it('CheckpointConfig writes Flink keys', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const config = env.getCheckpointConfig();
    assert.equal(config.isUnalignedCheckpointsEnabled(), false);
    config.enableUnalignedCheckpoints();
    config.setAlignedCheckpointTimeout(30_000);
    const keys = env.getConfiguration().toObject();
    assert.equal(keys['execution.checkpointing.unaligned.enabled'], true);
    assert.equal(keys['execution.checkpointing.aligned-checkpoint-timeout'], 30_000);
    assert.equal(config.getAlignedCheckpointTimeout(), 30_000);
    const fromKeys = StreamExecutionEnvironment.getExecutionEnvironment({ 'execution.checkpointing.unaligned.enabled': true, 'execution.checkpointing.aligned-checkpoint-timeout': '2 s' });
    assert.equal(fromKeys.getCheckpointConfig().isUnalignedCheckpointsEnabled(), true);
    assert.equal(fromKeys.getCheckpointConfig().getAlignedCheckpointTimeout(), 2000);
  });

  it('refuses unaligned checkpoints with AT_LEAST_ONCE or concurrent checkpoints', async () => {
    const atLeastOnce = StreamExecutionEnvironment.getExecutionEnvironment({ 'execution.checkpointing.unaligned.enabled': true });
    atLeastOnce.enableCheckpointing(1000, CheckpointingMode.AT_LEAST_ONCE);
    atLeastOnce.fromSequence(1, 3).addSink(() => {});
    assertFlinkError(await rejection(atLeastOnce.execute()), ErrorCodes.FLINK_TS_CONFIGURATION, /only supported for checkpointing mode EXACTLY_ONCE/);
    const concurrent = StreamExecutionEnvironment.getExecutionEnvironment({ 'execution.checkpointing.unaligned.enabled': true, 'execution.checkpointing.max-concurrent-checkpoints': 2 });
    concurrent.enableCheckpointing(1000);
    concurrent.fromSequence(1, 3).addSink(() => {});
    assertFlinkError(await rejection(concurrent.execute()), ErrorCodes.FLINK_TS_CONFIGURATION, /do not run concurrently/);
  });
});

describe('unaligned checkpoints under back pressure', () => {
  it('complete much faster than aligned ones and store the overtaken data', async (t) => {
    const aligned = await measureCheckpoints(t, () => {});
    const unaligned = await measureCheckpoints(t, (env) => env.getCheckpointConfig().enableUnalignedCheckpoints());
    t.diagnostic(`aligned ${aligned.map((m) => Math.round(m.durationMs)).join('/')} ms, unaligned ${unaligned.map((m) => `${Math.round(m.durationMs)} ms (${m.persistedData} B)`).join('/')}`);
    for (const m of aligned) {
      assert.equal(m.unaligned, false);
      assert.equal(m.persistedData, 0);
    }
    for (const m of unaligned) {
      assert.equal(m.unaligned, true);
      assert.ok(m.persistedData > 0, 'the in-flight data is part of the checkpoint');
    }
    // About 8,000 queued records at 0.1 ms each lie before an aligned barrier.
    assert.ok(median(aligned.map((m) => m.durationMs)) > 2 * median(unaligned.map((m) => m.durationMs)), 'unaligned checkpoints are at least twice as fast');
  });

  it('start aligned and switch to unaligned when the aligned-checkpoint timeout passes', async (t) => {
    const switched = await measureCheckpoints(t, (env) => env.getCheckpointConfig().enableUnalignedCheckpoints().setAlignedCheckpointTimeout(40), 2);
    const patient = await measureCheckpoints(t, (env) => env.getCheckpointConfig().enableUnalignedCheckpoints().setAlignedCheckpointTimeout(60_000), 2);
    t.diagnostic(`timeout 40 ms: ${switched.map((m) => Math.round(m.durationMs)).join('/')} ms; timeout 1 min: ${patient.map((m) => Math.round(m.durationMs)).join('/')} ms`);
    for (const m of switched) {
      assert.equal(m.unaligned, true, 'the alignment timed out');
      assert.ok(m.persistedData > 0);
      assert.ok(m.durationMs >= 40, 'aligned for the first 40 ms');
    }
    for (const m of patient) {
      assert.equal(m.unaligned, false, 'aligned within the timeout');
      assert.equal(m.persistedData, 0);
    }
    assert.ok(median(patient.map((m) => m.durationMs)) > 1.5 * median(switched.map((m) => m.durationMs)));
  });
});

/** Slow, and in the first attempt throws once `shared.fail` is set. */
function slowFailingMap(shared: { fail: boolean; failed: boolean }): RichMapFunction<number, number> {
  class SlowFailing extends RichMapFunction<number, number> {
    map(value: number): number {
      const until = performance.now() + 0.02;
      while (performance.now() < until);
      if (shared.fail && !shared.failed && this.getRuntimeContext().getAttemptNumber() === 0) {
        shared.failed = true;
        throw new Error('injected failure');
      }
      return value;
    }
  }
  return new SlowFailing();
}

describe('recovery from unaligned checkpoints', () => {
  it('restores operator state and replays the in-flight data: keyed counts exact, nothing lost or twice', async (t) => {
    const dir = await tempDir(t);
    const N = 40_000;
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ ...BACK_PRESSURE_CONFIG, 'parallelism.default': 2, 'state.checkpoints.dir': dir });
    env.enableCheckpointing(20);
    env.getCheckpointConfig().enableUnalignedCheckpoints();
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(2, 0));
    const shared = { fail: false, failed: false };
    const persistedBeforeFailure: number[] = [];
    env.registerJobListener({
      onJobSubmitted: (client) => {
        // Fail once a completed checkpoint holds in-flight data.
        void eventually(() => {
          const stats = client?.getCheckpointStatistics();
          if (stats === null || stats === undefined) return false;
          const withData = stats.history.filter((h) => h.persistedData > 0);
          for (const h of withData) persistedBeforeFailure.push(h.checkpointId);
          return withData.length > 0;
        }, 30_000).then(() => (shared.fail = true), () => {});
      },
    });
    const clients: JobClient[] = [];
    env.registerJobListener({ onJobSubmitted: (client) => client !== null && clients.push(client) });
    const result = (await env
      .fromSequence(1, N)
      .rebalance()
      .map(slowFailingMap(shared))
      .keyBy((v) => v % 7)
      .process(new CountPerKey())
      .executeAndCollect()) as [number, number][];
    assert.equal(shared.failed, true, 'the failure was injected');
    assert.ok(persistedBeforeFailure.length > 0, 'a checkpoint with in-flight data completed before the failure');
    const stats = clients[0]!.getCheckpointStatistics()!;
    assert.ok(stats.lastRestoredCheckpointId !== null && stats.lastRestoredCheckpointId >= Math.max(...persistedBeforeFailure), 'the restart restored an unaligned checkpoint');
    assert.equal(clients[0]!.getNumRestarts(), 1);
    // Exactly once: per key the counts 1..n each appear once, and n is the key's share of 1..N.
    const byKey = new Map<number, number[]>();
    for (const [key, n] of result) byKey.set(key, [...(byKey.get(key) ?? []), n]);
    assert.equal(result.length, N);
    for (let key = 0; key < 7; key++) {
      const expected = Array.from({ length: N }, (_, i) => i + 1).filter((v) => v % 7 === key).length;
      const counts = byKey.get(key)!.sort((a, b) => a - b);
      assert.deepEqual(counts, Array.from({ length: expected }, (_, i) => i + 1), `key ${key}`);
    }
  });

  it('refuses to restore an unaligned checkpoint with in-flight data into another job shape, naming it', async (t) => {
    const dir = await tempDir(t);
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ ...BACK_PRESSURE_CONFIG, 'parallelism.default': 2, 'state.checkpoints.dir': dir });
    env.enableCheckpointing(3_600_000);
    env.getCheckpointConfig().enableUnalignedCheckpoints().setExternalizedCheckpointRetention(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    env.fromSequence(1, 100_000_000).rebalance().map(slowMap<number>(100)).uid('slow').setParallelism(1).addSink(() => {}).setParallelism(1);
    const client = await runJob(t, env);
    await eventually(() => backPressured(client), 10_000, 'back pressure');
    const m = await checkpointNow(client);
    assert.ok(m.persistedData > 0);
    const pointer = client.getCheckpointStatistics()!.lastCheckpointExternalPath!;
    await client.cancel();
    const files = await readdir(pointer);
    assert.ok(files.some((f) => f.startsWith('channel-state-')), `the channel state files are in ${pointer}: ${files.join(', ')}`);

    // Another parallelism is fine (unaligned-checkpoint-rescaling.test.ts); another job shape is not.
    const reshaped = StreamExecutionEnvironment.getExecutionEnvironment({ ...BACK_PRESSURE_CONFIG, 'parallelism.default': 3, 'execution.savepoint.path': pointer });
    reshaped.fromSequence(1, 1000).rebalance().map(slowMap<number>(0)).uid('slow').setParallelism(1).filter(() => true).disableChaining().setParallelism(1).addSink(() => {}).setParallelism(1);
    const error = await rejection(reshaped.execute());
    assertFlinkError(error, ErrorCodes.FLINK_TS_UNSUPPORTED, /unaligned checkpoint holding in-flight data/, /the job has 4 tasks instead of 2/, new RegExp(`checkpoint ${m.checkpointId}`));
  });
});
