/*
 * FileSink end to end: Flink's layout and names, hidden in-progress and pending files, finished
 * part files only after their checkpoint completed, everything committed at end of input, and
 * exactly-once output across a failure and restart and across a stop-with-savepoint restored at
 * another parallelism.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
  BasePathBucketAssigner,
  DefaultRollingPolicy,
  FileSink,
  OnCheckpointRollingPolicy,
  RestartStrategies,
  RichMapFunction,
  SimpleStringEncoder,
  StreamExecutionEnvironment,
} from 'flink-ts';
import { eventually, range, runJob, tempDirectory } from '../../../helpers.ts';

const tempDir = (t: TestContext): Promise<string> => tempDirectory(t, 'flink-ts-filesink-');

function sink(dir: string, maxPartSize = 2_000): FileSink<string> {
  return FileSink.forRowFormat(dir, new SimpleStringEncoder<string>())
    .withBucketAssigner(new BasePathBucketAssigner<string>())
    .withRollingPolicy(DefaultRollingPolicy.builder().withMaxPartSize(maxPartSize).build<string>())
    .build();
}

function finishedFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => !f.startsWith('.'));
}

function hiddenFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith('.'));
}

/** The records of all finished part files, sorted. */
function finishedRecords(dir: string): number[] {
  return finishedFiles(dir)
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l !== ''))
    .map(Number)
    .sort((a, b) => a - b);
}

function slowly<T>(progress: { seen: number }): RichMapFunction<T, T> {
  class Slowly extends RichMapFunction<T, T> {
    map(v: T): T {
      if (++progress.seen % 50 === 0) {
        const until = performance.now() + 1;
        while (performance.now() < until);
      }
      return v;
    }
  }
  return new Slowly();
}

describe('FileSink', () => {
  it('writes part-<subtask>-<counter> files holding every record once, committed at end of input', async (t) => {
    const dir = await tempDir(t);
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 2 });
    env.enableCheckpointing(20);
    env.fromSequence(1, 20_000).map(String).sinkTo(sink(dir));
    await env.execute();
    const files = finishedFiles(dir);
    assert.ok(files.length > 4, `rolled by size: ${files.length} files`);
    for (const f of files) assert.match(f, /^part-[01]-\d+$/);
    assert.deepEqual(hiddenFiles(dir), [], 'nothing left in progress or pending');
    assert.deepEqual(finishedRecords(dir), range(1, 20_000));
  });

  it('puts records in date-time buckets by default', async (t) => {
    const dir = await tempDir(t);
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 1 });
    env.fromElements('a', 'b', 'c').sinkTo(FileSink.forRowFormat(dir, new SimpleStringEncoder<string>()).build());
    await env.execute();
    const buckets = readdirSync(dir);
    assert.equal(buckets.length, 1);
    assert.match(buckets[0]!, /^\d{4}-\d{2}-\d{2}--\d{2}$/);
    assert.deepEqual(readFileSync(join(dir, buckets[0]!, 'part-0-0'), 'utf8'), 'a\nb\nc\n');
  });

  it('keeps rolled files hidden until their checkpoint completes', async (t) => {
    const dir = await tempDir(t);
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 1 });
    // Periodic checkpoints far apart: only the one triggered below completes.
    env.enableCheckpointing(3_600_000);
    const progress = { seen: 0 };
    env.fromSequence(1, 10_000_000).map(slowly(progress)).map(String).sinkTo(sink(dir, 500));
    const client = await runJob(t, env);
    await eventually(() => progress.seen >= 2_000, 20_000, 'records written');
    assert.ok(hiddenFiles(dir).length > 1, 'rolled files are pending, hidden');
    assert.deepEqual(finishedFiles(dir), [], 'nothing is visible before a checkpoint completed');
    await eventually(async () => (await client.triggerCheckpoint()) !== null, 10_000, 'checkpoint triggered');
    await eventually(() => finishedFiles(dir).length > 0, 10_000, 'files committed');
    const records = finishedRecords(dir);
    // Committed files hold a prefix of the input, each record once.
    assert.deepEqual(records, range(1, records.length));
    await client.cancel();
  });

  it('is exactly-once across a failure and restart', async (t) => {
    const dir = await tempDir(t);
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 2 });
    env.enableCheckpointing(20);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(2, 0));
    const shared = { completed: 0, failed: false };
    class FailOnce extends RichMapFunction<number, string> {
      private seen = 0;
      map(v: number): string {
        if (++this.seen % 50 === 0) {
          const until = performance.now() + 1;
          while (performance.now() < until);
        }
        if (this.getRuntimeContext().getAttemptNumber() === 0 && shared.completed >= 3 && !shared.failed) {
          shared.failed = true;
          throw new Error('injected failure');
        }
        return String(v);
      }
      notifyCheckpointComplete(id: number): void {
        shared.completed = Math.max(shared.completed, id);
      }
    }
    const n = 30_000;
    env.fromSequence(1, n).map(new FailOnce()).sinkTo(sink(dir, 4_000));
    await env.execute();
    assert.ok(shared.failed);
    assert.deepEqual(finishedRecords(dir), range(1, n));
  });

  for (const [from, to] of [
    [2, 3],
    [3, 1],
  ] as const) {
    it(`is exactly-once across stop-with-savepoint and a restore from parallelism ${from} to ${to}`, async (t) => {
      const dir = await tempDir(t);
      const out = join(dir, 'out');
      const n = 30_000;
      const progress = { seen: 0 };
      const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': from });
      env.enableCheckpointing(30);
      // Rolled on checkpoints only: in-progress files are part of every checkpoint.
      env.fromSequence(1, n).map(slowly(progress)).map(String).uid('to-string').sinkTo(FileSink.forRowFormat(out, new SimpleStringEncoder<string>()).withBucketAssigner(new BasePathBucketAssigner<string>()).withRollingPolicy(OnCheckpointRollingPolicy.build<string>()).build()).uid('file-sink');
      const client = await runJob(t, env);
      await eventually(() => progress.seen >= 5_000, 20_000, 'records written');
      const savepoint = await client.stopWithSavepoint(join(dir, 'savepoints'));
      const before = finishedRecords(out);
      assert.ok(before.length > 0 && before.length < n, `${before.length} records committed by the savepoint`);

      const env2 = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': to, 'execution.savepoint.path': savepoint });
      env2.enableCheckpointing(30);
      env2.fromSequence(1, n).map(String).uid('to-string').sinkTo(FileSink.forRowFormat(out, new SimpleStringEncoder<string>()).withBucketAssigner(new BasePathBucketAssigner<string>()).withRollingPolicy(OnCheckpointRollingPolicy.build<string>()).build()).uid('file-sink');
      await env2.execute();
      assert.deepEqual(finishedRecords(out), range(1, n));
      assert.ok(!existsSync(join(out, 'part-0-0.inprogress')));
    });
  }
});
