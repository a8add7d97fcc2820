/*
 * Checkpointing through the public API: enableCheckpointing and getCheckpointConfig are Flink's
 * configuration keys, a running job writes chk-<n> folders with `_metadata` under
 * <state.checkpoints.dir>/<jobId>/ and keeps num-retained of them when cancelled with
 * RETAIN_ON_CANCELLATION, functions hear notifyCheckpointComplete, a multi-input job aligns its
 * barriers, and a failing snapshot counts against the tolerable failures.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
  CheckpointingMode,
  ErrorCodes,
  ExternalizedCheckpointRetention,
  RestartStrategies,
  RichMapFunction,
  RichParallelSourceFunction,
  StreamExecutionEnvironment,
  type SourceContext,
} from 'flink-ts';
import { assertFlinkError, eventually, range, rejection, sortedNumbers, tempDirectory, thrown } from '../../helpers.ts';

const tempDir = (t: TestContext): Promise<string> => tempDirectory(t, 'flink-ts-checkpointing-');

/** Emits 0, 1, 2, ... until cancelled, yielding to the event loop now and then. */
class EndlessSource extends RichParallelSourceFunction<number> {
  private running = true;
  async run(ctx: SourceContext<number>): Promise<void> {
    for (let i = 0; this.running; i++) {
      await ctx.collectAsync(i);
      if (i % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  cancel(): void {
    this.running = false;
  }
}

describe('checkpoint configuration', () => {
  it('enableCheckpointing and CheckpointConfig read and write Flink keys', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'execution.checkpointing.timeout': '30 s', 'state.checkpoints.num-retained': 3 });
    const config = env.getCheckpointConfig();
    assert.equal(config.isCheckpointingEnabled(), false);
    env.enableCheckpointing(500, CheckpointingMode.AT_LEAST_ONCE);
    config.setMinPauseBetweenCheckpoints(100).setMaxConcurrentCheckpoints(2).setTolerableCheckpointFailureNumber(4);
    config.setExternalizedCheckpointRetention(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION).setCheckpointStorage('file:///tmp/cp');
    const keys = env.getConfiguration().toObject();
    assert.equal(keys['execution.checkpointing.interval'], 500);
    assert.equal(keys['execution.checkpointing.mode'], 'AT_LEAST_ONCE');
    assert.equal(keys['execution.checkpointing.min-pause'], 100);
    assert.equal(keys['execution.checkpointing.max-concurrent-checkpoints'], 2);
    assert.equal(keys['execution.checkpointing.tolerable-failed-checkpoints'], 4);
    assert.equal(keys['execution.checkpointing.externalized-checkpoint-retention'], 'RETAIN_ON_CANCELLATION');
    assert.equal(keys['state.checkpoints.dir'], 'file:///tmp/cp');
    assert.equal(config.getCheckpointTimeout(), 30_000);
    assert.equal(config.getMaxRetainedCheckpoints(), 3);
    assert.equal(env.getCheckpointingMode(), CheckpointingMode.AT_LEAST_ONCE);
    assertFlinkError(thrown(() => env.enableCheckpointing(5)), ErrorCodes.FLINK_TS_INVALID_PIPELINE, /at least 10 ms/);
  });

  it('rejects unaligned checkpoints in AT_LEAST_ONCE mode clearly', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'execution.checkpointing.interval': '1 s', 'execution.checkpointing.mode': 'AT_LEAST_ONCE', 'execution.checkpointing.unaligned.enabled': true });
    env.fromSequence(1, 3).addSink(() => {});
    assertFlinkError(await rejection(env.execute()), ErrorCodes.FLINK_TS_CONFIGURATION, /Unaligned checkpoints/);
  });

  it('restart strategies are written under Flink keys', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setRestartStrategy(RestartStrategies.failureRateRestart(3, 60_000, 500));
    assert.equal(env.getConfiguration().toObject()['restart-strategy.type'], 'failure-rate');
    assert.deepEqual(env.getRestartStrategy(), { type: 'failure-rate', maxFailuresPerInterval: 3, failureIntervalMs: 60_000, delayMs: 500 });
    env.setRestartStrategy(RestartStrategies.noRestart());
    assert.deepEqual(env.getRestartStrategy(), { type: 'none' });
  });
});

describe('checkpoints of a running job', () => {
  it('writes chk-<n>/_metadata, keeps num-retained when cancelled with RETAIN_ON_CANCELLATION, and notifies functions', async (t) => {
    const dir = await tempDir(t);
    const env = StreamExecutionEnvironment.getExecutionEnvironment({
      'parallelism.default': 2,
      'state.checkpoints.dir': dir,
      'state.checkpoints.num-retained': 2,
      'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
    });
    env.enableCheckpointing(10);
    const notified: number[] = [];
    class Listening extends RichMapFunction<number, number> {
      map(v: number): number {
        return v;
      }
      notifyCheckpointComplete(id: number): void {
        if (this.getRuntimeContext().getIndexOfThisSubtask() === 0) notified.push(id);
      }
    }
    env.addSource(new EndlessSource()).rebalance().map(new Listening()).keyBy((v) => v % 5).sum(0 as never).addSink(() => {});
    const client = await env.executeAsync();
    t.after(() => client.cancel());
    await eventually(() => (client.getCheckpointStatistics()?.numberOfCompletedCheckpoints ?? 0) >= 4, 20_000, 'four completed checkpoints');
    await client.cancel();
    const stats = client.getCheckpointStatistics()!;
    const jobDir = join(dir, client.getJobID());
    const folders = (await readdir(jobDir)).filter((e) => e.startsWith('chk-'));
    assert.deepEqual(sortedNumbers(folders.map((f) => Number(f.slice(4)))), [...stats.retainedCheckpointIds]);
    assert.equal(folders.length, 2);
    for (const f of folders) assert.ok(existsSync(join(jobDir, f, '_metadata')), `${f} has _metadata`);
    assert.ok(notified.length >= 3);
    assert.deepEqual(notified, sortedNumbers(notified));
    assert.ok(notified.includes(stats.lastCompletedCheckpointId!) || notified.at(-1)! <= stats.lastCompletedCheckpointId!);
  });

  it('deletes the checkpoints when a job finishes', async (t) => {
    const dir = await tempDir(t);
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 2, 'state.checkpoints.dir': dir });
    env.enableCheckpointing(10);
    const out = await env.fromSequence(1, 20_000).map((v) => v * 2).executeAndCollect();
    assert.deepEqual(sortedNumbers(out), range(1, 20_000).map((v) => v * 2));
    assert.deepEqual(await readdir(dir), []);
  });

  for (const mode of [CheckpointingMode.EXACTLY_ONCE, CheckpointingMode.AT_LEAST_ONCE]) {
    it(`completes checkpoints across a two-input, multi-channel job (${mode})`, async (t) => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 3 });
      env.enableCheckpointing(10, mode);
      const a = env.addSource(new EndlessSource());
      const b = env.addSource(new EndlessSource()).map((v) => -v);
      a.connect(b)
        .keyBy((v) => Math.abs(v) % 7, (v) => Math.abs(v) % 7)
        .map({ map1: (v: number) => v, map2: (v: number) => v })
        .addSink(() => {});
      const client = await env.executeAsync();
      t.after(() => client.cancel());
      await eventually(() => (client.getCheckpointStatistics()?.numberOfCompletedCheckpoints ?? 0) >= 3, 20_000, 'three completed checkpoints');
      assert.equal(client.getCheckpointStatistics()!.numberOfFailedCheckpoints, 0);
    });
  }

  it('counts a failing snapshotState() against the tolerable failures, then fails over', async (t) => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 1 });
    env.enableCheckpointing(10);
    env.getCheckpointConfig().setTolerableCheckpointFailureNumber(1);
    env.setRestartStrategy(RestartStrategies.noRestart());
    const shared = { snapshots: 0 };
    class FailingSnapshot extends RichMapFunction<number, number> {
      map(v: number): number {
        return v;
      }
      initializeState(): void {}
      snapshotState(): void {
        if (++shared.snapshots >= 2) throw new Error(`snapshot ${shared.snapshots} failed`);
      }
    }
    env.addSource(new EndlessSource()).map(new FailingSnapshot()).addSink(() => {});
    const client = await env.executeAsync();
    t.after(() => client.cancel());
    const error = await rejection(client.getJobExecutionResult());
    assertFlinkError(error, ErrorCodes.FLINK_TS_JOB_FAILED, /Exceeded checkpoint tolerable failure threshold \(1\)/, /snapshot 3 failed/);
    const stats = client.getCheckpointStatistics()!;
    assert.equal(stats.numberOfCompletedCheckpoints, 1);
    assert.equal(stats.numberOfFailedCheckpoints, 2);
  });
});
