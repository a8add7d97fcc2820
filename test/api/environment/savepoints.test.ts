/*
 * Savepoints and restoring from a path end to end: triggerSavepoint and stopWithSavepoint write
 * self-contained `savepoint-<job>-<random>` directories, also of jobs without checkpointing;
 * stopWithSavepoint with drain fires every event-time window before the savepoint, without drain
 * it does not; a new job restores a savepoint (or a retained
 * chk-<n>) through 'execution.savepoint.path', at the same or another parallelism, with state
 * mapped to operators by uid() or by their place in the graph; state of operators that are gone
 * is an error unless allowed; missing and corrupt paths give errors naming them; a restart falls
 * back to the previous retained checkpoint when the latest cannot be read.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
  ErrorCodes,
  JobStatus,
  ListStateDescriptor,
  RestartStrategies,
  RichMapFunction,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  type DataStream,
  type FunctionInitializationContext,
  type JobClient,
  type ListState,
} from 'flink-ts';
import { assertFlinkError, collectingSink, CountPerKey, eventually, range, rejection, runJob, sortedNumbers, tempDirectory } from '../../helpers.ts';

const tempDir = (t: TestContext): Promise<string> => tempDirectory(t, 'flink-ts-savepoints-');

/** With checkpoints every 50 ms, unless `checkpointing` is false (savepoints are taken all the same). */
function environment(parallelism: number, extra: Record<string, unknown> = {}, checkpointing = true): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism, ...extra });
  if (checkpointing) env.enableCheckpointing(50);
  return env;
}

/** Passes records on slowly (so a savepoint lands mid-way) and counts them in `progress`. */
function throttle(progress: { seen: number }): RichMapFunction<number, number> {
  class Throttle extends RichMapFunction<number, number> {
    map(value: number): number {
      if (++progress.seen % 50 === 0) {
        const until = performance.now() + 1;
        while (performance.now() < until);
      }
      return value;
    }
  }
  return new Throttle();
}

const N = 30_000;
const KEYS = 7;

/** sequence → throttle → keyBy → count, into a collecting sink; `extraMap` inserts a map before keyBy. */
function countingJob(env: StreamExecutionEnvironment, progress: { seen: number }, options: { uid?: boolean; extraMap?: boolean } = {}): { values: () => [number, number][] } {
  const sink = collectingSink<[number, number]>();
  let stream: DataStream<number> = env.fromSequence(1, N).map(throttle(progress));
  if (options.extraMap === true) stream = stream.map((v) => v);
  const counted = stream.keyBy((v) => v % KEYS).process(new CountPerKey());
  if (options.uid === true) counted.uid('count-per-key');
  counted.addSink(sink.function);
  return { values: () => sink.values() };
}

/** Every count 1..total of every key exactly once, over both runs. */
function assertExactCounts(out: readonly [number, number][]): void {
  assert.equal(out.length, N);
  const byKey = new Map<number, number[]>();
  for (const [key, count] of out) byKey.set(key, [...(byKey.get(key) ?? []), count]);
  for (let key = 0; key < KEYS; key++) {
    const expected = range(1, N).filter((v) => v % KEYS === key).length;
    assert.deepEqual(sortedNumbers(byKey.get(key)!), range(1, expected), `key ${key}`);
  }
}

/** Runs the counting job until it saw `after` records, stops it with a savepoint; returns its path and output. */
async function runAndStop(t: TestContext, dir: string, parallelism: number, options: { uid?: boolean; extraMap?: boolean; checkpointing?: boolean } = {}): Promise<{ path: string; out: [number, number][]; client: JobClient }> {
  const progress = { seen: 0 };
  const env = environment(parallelism, {}, options.checkpointing !== false);
  const job = countingJob(env, progress, options);
  const client = await runJob(t, env);
  await eventually(() => progress.seen >= 5_000, 20_000, 'records processed');
  const path = await client.stopWithSavepoint(dir);
  assert.equal(await client.getJobStatus(), JobStatus.FINISHED);
  await client.getJobExecutionResult();
  assert.ok(progress.seen < N, 'stopped before the end of the input');
  return { path, out: job.values(), client };
}

async function resume(parallelism: number, path: string, options: { uid?: boolean; extraMap?: boolean; allowNonRestoredState?: boolean; checkpointing?: boolean } = {}): Promise<[number, number][]> {
  const env = environment(
    parallelism,
    {
      'execution.savepoint.path': path,
      ...(options.allowNonRestoredState === true ? { 'execution.savepoint.ignore-unclaimed-state': true } : {}),
    },
    options.checkpointing !== false,
  );
  const job = countingJob(env, { seen: 0 }, options);
  await env.execute();
  return job.values();
}

describe('savepoints', () => {
  it('triggerSavepoint writes a self-contained savepoint directory and the job goes on', async (t) => {
    const dir = await tempDir(t);
    const progress = { seen: 0 };
    const env = environment(2);
    countingJob(env, progress);
    const client = await runJob(t, env);
    await eventually(() => progress.seen >= 2_000, 20_000, 'records processed');
    const path = await client.triggerSavepoint(join(dir, 'sp'));
    assert.match(path, new RegExp(`/sp/savepoint-${client.getJobID().slice(0, 6)}-[0-9a-f]{12}$`));
    const files = readdirSync(path).sort();
    assert.ok(files.includes('_metadata'), files.join(', '));
    assert.ok(files.some((f) => f.startsWith('task-')));
    assert.equal(await client.getJobStatus(), JobStatus.RUNNING);
    await client.cancel();
  });

  it('stopWithSavepoint ends the job; a new job restores it and every record counts once', async (t) => {
    const dir = await tempDir(t);
    const first = await runAndStop(t, dir, 2);
    // The savepoint can be moved: it names its files relative to its directory.
    const moved = join(dir, 'moved');
    renameSync(first.path, moved);
    const second = await resume(2, moved);
    assertExactCounts([...first.out, ...second]);
  });

  for (const parallelism of [1, 3]) {
    it(`restores a savepoint of parallelism 2 at parallelism ${parallelism} (key groups and splits redistributed)`, async (t) => {
      const dir = await tempDir(t);
      const first = await runAndStop(t, dir, 2);
      const second = await resume(parallelism, first.path);
      assertExactCounts([...first.out, ...second]);
    });
  }

  it('redistributes operator list state evenly and union state to all when the parallelism changes', async (t) => {
    const dir = await tempDir(t);
    const restored: { subtask: number; split: number[]; union: number[] }[] = [];
    class Stateful extends RichMapFunction<number, number> {
      private split: ListState<number> | null = null;
      private union: ListState<number> | null = null;
      private count = 0;
      initializeState(context: FunctionInitializationContext): void {
        const store = context.getOperatorStateStore();
        this.split = store.getListState(new ListStateDescriptor<number>('split'));
        this.union = store.getUnionListState(new ListStateDescriptor<number>('union'));
        if (context.isRestored()) restored.push({ subtask: this.getRuntimeContext().getIndexOfThisSubtask(), split: [...(this.split.get() ?? [])], union: [...(this.union.get() ?? [])] });
      }
      snapshotState(): void {
        const me = this.getRuntimeContext().getIndexOfThisSubtask();
        // Three entries per subtask of the first run, tagged with the subtask.
        this.split!.update([me * 100 + 1, me * 100 + 2, me * 100 + 3]);
        this.union!.update([me]);
      }
      map(v: number): number {
        this.count++;
        return v;
      }
    }
    const progress = { seen: 0 };
    const env = environment(2);
    env.fromSequence(1, N).map(throttle(progress)).map(new Stateful()).uid('stateful').addSink(() => {});
    const client = await runJob(t, env);
    await eventually(() => progress.seen >= 2_000, 20_000, 'records processed');
    const path = await client.stopWithSavepoint(dir);

    const env2 = environment(3, { 'execution.savepoint.path': path });
    env2.fromSequence(1, 10).map(new Stateful()).uid('stateful').addSink(() => {});
    await env2.execute();
    assert.equal(restored.length, 3);
    const split = restored.flatMap((r) => r.split).sort((a, b) => a - b);
    assert.deepEqual(split, [1, 2, 3, 101, 102, 103], 'every list entry goes to exactly one subtask');
    for (const r of restored) {
      assert.ok(r.split.length === 2, `subtask ${r.subtask} got ${r.split.length} entries (even split of 6 over 3)`);
      assert.deepEqual([...r.union].sort(), [0, 1], 'union state goes to every subtask');
    }
  });

  it('maps state by uid() when the pipeline changes around the operator', async (t) => {
    const dir = await tempDir(t);
    const first = await runAndStop(t, dir, 2, { uid: true });
    const second = await resume(2, first.path, { uid: true, extraMap: true, allowNonRestoredState: true });
    assertExactCounts([...first.out, ...second]);
  });

  it('refuses state of operators that are not in the new job unless non-restored state is allowed', async (t) => {
    const dir = await tempDir(t);
    const first = await runAndStop(t, dir, 1);
    // An extra operator upstream changes the generated ids of the keyed operator and the map.
    const error = await rejection(resume(1, first.path, { extraMap: true }));
    assertFlinkError(error, ErrorCodes.FLINK_TS_ILLEGAL_STATE, /state of operators that are not part of the job/, /ignore-unclaimed-state/, new RegExp(first.path.replace(/[/\\]/g, '.')));
    // Allowed: the unclaimed state is dropped, the keyed operator starts empty, the source resumes.
    const out = await resume(1, first.path, { extraMap: true, allowNonRestoredState: true });
    assert.ok(out.length > 0 && out.length < N);
  });

  it('gives clear errors for a missing path, a directory without _metadata and a corrupt _metadata', async (t) => {
    const dir = await tempDir(t);
    const missing = join(dir, 'nope');
    assertFlinkError(await rejection(resume(1, missing)), ErrorCodes.FLINK_TS_ILLEGAL_STATE, /Cannot restore the job from '.*nope': the path does not exist/);
    const incomplete = join(dir, 'chk-3');
    writeFileSync(join(dir, 'placeholder'), '');
    await import('node:fs/promises').then((fs) => fs.mkdir(incomplete));
    assertFlinkError(await rejection(resume(1, incomplete)), ErrorCodes.FLINK_TS_ILLEGAL_STATE, /chk-3': it has no '_metadata' file/);
    writeFileSync(join(incomplete, '_metadata'), 'not a checkpoint');
    assertFlinkError(await rejection(resume(1, incomplete)), ErrorCodes.FLINK_TS_ILLEGAL_STATE, /Cannot restore the job from '.*chk-3'/, /_metadata/);
  });

  it('takes savepoints of a job without checkpointing too, and needs a directory', async (t) => {
    const dir = await tempDir(t);
    const progress = { seen: 0 };
    const env = environment(2, {}, false);
    countingJob(env, progress);
    const client = await runJob(t, env);
    await eventually(() => progress.seen >= 2_000, 20_000, 'records processed');
    const path = await client.triggerSavepoint(dir);
    assert.ok(readdirSync(path).includes('_metadata'));
    assert.equal(await client.getJobStatus(), JobStatus.RUNNING);
    assert.equal(client.getCheckpointStatistics(), null, 'no checkpointing figures without checkpointing');
    assertFlinkError(await rejection(client.triggerSavepoint()), ErrorCodes.FLINK_TS_CONFIGURATION, /state\.savepoints\.dir/);
  });

  it('stopWithSavepoint of a job without checkpointing; a new job restores it and every record counts once', async (t) => {
    const dir = await tempDir(t);
    const first = await runAndStop(t, dir, 2, { checkpointing: false });
    const second = await resume(2, first.path, { checkpointing: false });
    assertExactCounts([...first.out, ...second]);
  });
});

describe('stop with savepoint and drain', () => {
  /** numbers → throttle (2) → event time (timestamp = value) → keyed tumbling windows of 100 ms, summed. */
  function windowJob(env: StreamExecutionEnvironment, progress: { seen: number; sum: number }): () => number[] {
    const sink = collectingSink<number>();
    class Throttle extends RichMapFunction<number, number> {
      map(value: number): number {
        progress.sum += value;
        if (++progress.seen % 50 === 0) {
          const until = performance.now() + 1;
          while (performance.now() < until);
        }
        return value;
      }
    }
    env
      .fromSequence(1, 10_000_000)
      // One reader: each map subtask sees increasing values, so no record is late for its window.
      .setParallelism(1)
      .map(new Throttle())
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((v) => v))
      .keyBy((v) => v % 3)
      .window(TumblingEventTimeWindows.of(100))
      .reduce((a, b) => a + b)
      .addSink(sink.function);
    return () => sink.values();
  }

  for (const checkpointing of [true, false]) {
    it(`fires every window before the savepoint, and the job finishes (${checkpointing ? 'with' : 'without'} checkpointing)`, async (t) => {
      const dir = await tempDir(t);
      const progress = { seen: 0, sum: 0 };
      const env = environment(2, {}, checkpointing);
      const windows = windowJob(env, progress);
      const client = await runJob(t, env);
      await eventually(() => progress.seen >= 5_000, 20_000, 'records processed');
      const path = await client.stopWithSavepoint(true, dir);
      assert.equal(await client.getJobStatus(), JobStatus.FINISHED);
      await client.getJobExecutionResult();
      assert.ok(readdirSync(path).includes('_metadata'), 'the savepoint is complete');
      // MAX_WATERMARK fired the last, partly filled windows too: every record is in a window result.
      assert.equal(windows().reduce((a, b) => a + b, 0), progress.sum);
    });
  }

  it('without drain the windows still open do not fire', async (t) => {
    const dir = await tempDir(t);
    const progress = { seen: 0, sum: 0 };
    const env = environment(2);
    const windows = windowJob(env, progress);
    const client = await runJob(t, env);
    await eventually(() => progress.seen >= 5_000, 20_000, 'records processed');
    await client.stopWithSavepoint(false, dir);
    assert.equal(await client.getJobStatus(), JobStatus.FINISHED);
    const fired = windows().reduce((a, b) => a + b, 0);
    assert.ok(fired > 0 && fired < progress.sum, `fired ${fired} of ${progress.sum}`);
  });
});

describe('restore from retained checkpoints', () => {
  it('a restart falls back to the previous retained checkpoint when the latest is corrupt', async (t) => {
    const dir = await tempDir(t);
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 1, 'state.checkpoints.dir': dir, 'state.checkpoints.num-retained': 3 });
    env.enableCheckpointing(20);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(2, 0));
    const clients: JobClient[] = [];
    env.registerJobListener({ onJobSubmitted: (c) => c !== null && clients.push(c) });
    const shared = { completed: 0, corrupted: -1 };
    class CorruptThenFail extends RichMapFunction<number, number> {
      private seen = 0;
      map(v: number): number {
        if (++this.seen % 50 === 0) {
          const until = performance.now() + 1;
          while (performance.now() < until);
        }
        if (this.getRuntimeContext().getAttemptNumber() === 0 && shared.completed >= 3 && shared.corrupted < 0) {
          const jobDir = join(dir, readdirSync(dir)[0]!);
          const ids = readdirSync(jobDir).filter((d) => d.startsWith('chk-') && existsSync(join(jobDir, d, '_metadata'))).map((d) => Number(d.slice(4)));
          shared.corrupted = Math.max(...ids);
          const chk = join(jobDir, `chk-${shared.corrupted}`);
          for (const f of readdirSync(chk)) if (f.startsWith('task-')) writeFileSync(join(chk, f), 'garbage');
          throw new Error('injected failure');
        }
        return v;
      }
      notifyCheckpointComplete(id: number): void {
        shared.completed = Math.max(shared.completed, id);
      }
    }
    const n = 30_000;
    const out = await env.fromSequence(1, n).map(new CorruptThenFail()).executeAndCollect();
    assert.ok(shared.corrupted > 0);
    const restored = clients[0]!.getCheckpointStatistics()!.lastRestoredCheckpointId;
    assert.ok(restored !== null && restored < shared.corrupted, `restored ${String(restored)}, corrupted ${shared.corrupted}`);
    // Records the corrupt checkpoint had committed to the result come again from the older one:
    // going back past a completed checkpoint is at-least-once, as in Flink.
    assert.deepEqual([...new Set(out)].sort((a, b) => a - b), range(1, n));
  });
});
