/*
 * Checkpoints with the state changelog ('state.backend.changelog.enabled', RocksDB): the log starts
 * with the backend (its base is the empty materialization), checkpoints write only the log's new
 * segment, and a restore replays the segments over the materialization — after a failure, from a
 * retained checkpoint at other parallelisms, with a new state registered later; a materialization
 * (or the start) older than the interval, or a log beyond its bound, makes the next checkpoint
 * materialize (an incremental snapshot). Event-time timers registered or deleted after the materialization are
 * restored from the segments; a savepoint between changelog checkpoints is full and leaves the chain
 * alone; a segment that cannot be written declines its checkpoint and the next one materializes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  KeyedProcessFunction,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  type Collector,
  type JobClient,
  type KeyedOnTimerContext,
  type KeyedProcessFunctionContext,
} from 'flink-ts';
import { LOCAL_FILE_WRITER, registerCheckpointFileWriter, type CheckpointFileWriter } from '../../../src/runtime/checkpoint/checkpoint-file-writer.ts';
import { FILE_CHECKPOINT_READER } from '../../../src/runtime/checkpoint/checkpoint-storage.ts';
import { RocksDBStateBackend } from '../../../src/runtime/state/rocksdb/rocksdb-state-backend.ts';
import { assertExactCountsAfterFailure, collectingSink, eventually, phasedSource, range, runJob, tempDirectory } from '../../helpers.ts';

const skip = RocksDBStateBackend.availability().available ? false : 'RocksDB binding unavailable';
const KEYS = 300;

const tempDir = (t: TestContext): Promise<string> => tempDirectory(t, 'flink-ts-changelog-');

function environment(dir: string, parallelism: number, extra: Record<string, unknown> = {}): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({
    'parallelism.default': parallelism,
    'state.backend.type': 'rocksdb',
    'state.checkpoints.dir': dir,
    'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
    'state.checkpoints.num-retained': 2,
    ...extra,
  });
  return env.enableChangelogStateBackend(true);
}

/** Counts records per key; from `lateStateFrom` records on, also a second state (registered after the first checkpoint). */
function countPerKey(progress: { processed: number; lateStateFrom: number }): KeyedProcessFunction<number, number, [number, number]> {
  class CountPerKey extends KeyedProcessFunction<number, number, [number, number]> {
    processElement(_value: number, ctx: KeyedProcessFunctionContext<number>, out: Collector<[number, number]>): void {
      const count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
      const n = count.value()! + 1;
      count.update(n);
      if (progress.processed >= progress.lateStateFrom) {
        const late = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('late', 0));
        late.update(late.value()! + 1);
      }
      out.collect([ctx.getCurrentKey(), n]);
      progress.processed++;
    }
  }
  return new CountPerKey();
}

/** Emits [key, count, late] for every key once the input ended: what the restored state holds. */
function readBack(): KeyedProcessFunction<number, number, [number, number, number]> {
  class ReadBack extends KeyedProcessFunction<number, number, [number, number, number]> {
    processElement(_value: number, ctx: KeyedProcessFunctionContext<number>, out: Collector<[number, number, number]>): void {
      const count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
      const late = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('late', 0));
      out.collect([ctx.getCurrentKey(), count.value()!, late.value()!]);
    }
  }
  return new ReadBack();
}

/** 'state.backend.changelog.periodic-materialize.interval' of the jobs that materialize at their first checkpoint. */
const MATERIALIZE_INTERVAL = 3000;
const materializing = { 'state.backend.changelog.periodic-materialize.interval': MATERIALIZE_INTERVAL };

/**
 * Triggers a checkpoint once `records` were processed and returns it when the backends know it
 * completed. `materialize`: first waits out the interval since the log started, so that this
 * checkpoint materializes (the job runs with `materializing`).
 */
async function checkpointAt(client: JobClient, progress: { processed: number }, records: number, materialize = false): Promise<{ path: string; sharedFiles: string[] }> {
  await eventually(() => progress.processed >= records, 20_000, `${records} records processed`);
  if (materialize) await new Promise((resolve) => setTimeout(resolve, MATERIALIZE_INTERVAL + 100));
  const id = await client.triggerCheckpoint();
  assert.ok(id !== null, 'the checkpoint was triggered');
  await eventually(() => (client.getCheckpointStatistics()?.lastCompletedCheckpointId ?? 0) >= id, 20_000, `checkpoint ${id} completed`);
  // The backends learn of the completion right after it: the next checkpoint builds on it.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const stats = client.getCheckpointStatistics()!;
  const metadata = await FILE_CHECKPOINT_READER.readMetadata(stats.lastCheckpointExternalPath!);
  return { path: stats.lastCheckpointExternalPath!, sharedFiles: metadata.tasks.flatMap((h) => h.sharedFiles ?? []) };
}

const changelogFiles = (files: readonly string[]): string[] => files.filter((f) => /-changelog-\d+$/.test(f));
const sstFiles = (files: readonly string[]): string[] => files.filter((f) => f.endsWith('.sst'));

function expectedCount(total: number, key: number, from = 0): number {
  return range(from, total - 1).filter((v) => v % KEYS === key).length;
}

async function runCounting(t: TestContext, dir: string, parallelism: number, lateStateFrom: number, extra: Record<string, unknown> = {}) {
  const ctrl = { allowed: 3000, finite: false };
  const progress = { processed: 0, lateStateFrom };
  const env = environment(dir, parallelism, extra);
  env.enableCheckpointing(3_600_000);
  env.addSource(phasedSource(ctrl)).uid('source').keyBy((v) => v % KEYS).process(countPerKey(progress)).uid('count').addSink(collectingSink<[number, number]>().function);
  const client = await runJob(t, env);
  return { ctrl, progress, client };
}

async function restoredState(dir: string, path: string, parallelism: number): Promise<Map<number, [number, number]>> {
  const env = environment(dir, parallelism, { 'execution.savepoint.path': path, 'execution.savepoint.ignore-unclaimed-state': true });
  const sink = collectingSink<[number, number, number]>();
  env.fromSequence(0, KEYS - 1).keyBy((v) => v % KEYS).process(readBack()).uid('count').addSink(sink.function);
  await env.execute();
  return new Map(sink.values().map(([k, c, l]) => [k, [c, l]]));
}

/**
 * Event-time timers per key (the input has no watermarks: none fires while it runs). Records below
 * 3000 register `10_000 + key` when `before`; after the materialization, the first record of a key
 * registers `20_000 + key` and `30_000 + key`, the second deletes `10_000 + key` (keys divisible
 * by 3) and `30_000 + key` (even keys). A timer that fires emits [key, timestamp]; `register` false:
 * the restored job only fires what it restored.
 */
function timersPerKey(progress: { processed: number }, before: boolean, register = true): KeyedProcessFunction<number, number, [number, number]> {
  class TimersPerKey extends KeyedProcessFunction<number, number, [number, number]> {
    processElement(value: number, ctx: KeyedProcessFunctionContext<number>): void {
      const key = ctx.getCurrentKey();
      const timers = ctx.timerService();
      if (!register) return;
      if (value < 3000) {
        if (before) timers.registerEventTimeTimer(10_000 + key);
      } else if (value < 3000 + KEYS) {
        timers.registerEventTimeTimer(20_000 + key);
        timers.registerEventTimeTimer(30_000 + key);
      } else {
        if (key % 3 === 0) timers.deleteEventTimeTimer(10_000 + key);
        if (key % 2 === 0) timers.deleteEventTimeTimer(30_000 + key);
      }
      progress.processed++;
    }
    override onTimer(timestamp: number, ctx: KeyedOnTimerContext<number>, out: Collector<[number, number]>): void {
      out.collect([ctx.getCurrentKey(), timestamp]);
    }
  }
  return new TimersPerKey();
}

const byKeyAndTime = (a: readonly [number, number], b: readonly [number, number]): number => a[0] - b[0] || a[1] - b[1];

/** node:fs, but the next `failures` writes of a changelog segment fail (ENOSPC) after writing half of it. */
class FailingChangelogWriter implements CheckpointFileWriter {
  failures = 0;
  readonly hits: string[] = [];
  mkdirsSync(path: string): void {
    LOCAL_FILE_WRITER.mkdirsSync(path);
  }
  async writeFile(path: string, bytes: Uint8Array): Promise<void> {
    if (!/-changelog-\d+$/.test(path) || this.failures <= 0) return LOCAL_FILE_WRITER.writeFile(path, bytes);
    this.failures--;
    this.hits.push(path);
    await LOCAL_FILE_WRITER.writeFile(path, bytes.subarray(0, bytes.length >> 1));
    throw Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: 'ENOSPC', syscall: 'write', path });
  }
  writeFileSync(path: string, bytes: Uint8Array): void {
    LOCAL_FILE_WRITER.writeFileSync(path, bytes);
  }
  renameSync(from: string, to: string): void {
    LOCAL_FILE_WRITER.renameSync(from, to);
  }
  copyFile(from: string, to: string): Promise<void> {
    return LOCAL_FILE_WRITER.copyFile(from, to);
  }
}

function assertCounts(state: Map<number, [number, number]>, total: number, lateFrom: number, what: string): void {
  assert.equal(state.size, KEYS, what);
  for (let key = 0; key < KEYS; key++) assert.deepEqual(state.get(key), [expectedCount(total, key), expectedCount(total, key, lateFrom)], `key ${key} (${what})`);
}

describe('changelog checkpoints', { skip }, () => {
  it('write only the changes, from the start; a retained one restores at parallelism 1, 2 and 3', async (t) => {
    const dir = await tempDir(t);
    const { ctrl, progress, client } = await runCounting(t, dir, 2, 3000);
    const first = await checkpointAt(client, progress, 3000);
    assert.equal(changelogFiles(first.sharedFiles).length, 2, 'one segment per keyed subtask');
    assert.deepEqual(sstFiles(first.sharedFiles), [], 'no SST file: nothing was materialized, RocksDB was not flushed');
    ctrl.allowed = 3600;
    const second = await checkpointAt(client, progress, 3600);
    assert.deepEqual(sstFiles(second.sharedFiles), []);
    assert.equal(changelogFiles(second.sharedFiles).length, 4, 'the segments since the start');
    ctrl.allowed = 4000;
    const third = await checkpointAt(client, progress, 4000);
    assert.equal(changelogFiles(third.sharedFiles).length, 6);
    await client.cancel();

    for (const parallelism of [2, 1, 3]) {
      const state = await restoredState(`${dir}/restore-${parallelism}`, third.path, parallelism);
      assert.equal(state.size, KEYS);
      for (let key = 0; key < KEYS; key++) {
        assert.deepEqual(state.get(key), [expectedCount(4000, key), expectedCount(4000, key, 3000)], `key ${key} at parallelism ${parallelism}`);
      }
    }
  });

  it('materializes when the last materialization (or the start) is older than the interval, and logs on top of it', async (t) => {
    const dir = await tempDir(t);
    const { ctrl, progress, client } = await runCounting(t, dir, 1, Infinity, materializing);
    const first = await checkpointAt(client, progress, 3000, true);
    assert.equal(changelogFiles(first.sharedFiles).length, 0, 'a materialization');
    assert.ok(sstFiles(first.sharedFiles).length > 0);
    ctrl.allowed = 3200;
    const second = await checkpointAt(client, progress, 3200);
    assert.equal(changelogFiles(second.sharedFiles).length, 1);
    assert.deepEqual(sstFiles(second.sharedFiles).sort(), sstFiles(first.sharedFiles).sort());
    ctrl.allowed = 3400;
    const third = await checkpointAt(client, progress, 3400, true);
    assert.equal(changelogFiles(third.sharedFiles).length, 0, 'a new materialization');
    assert.notDeepEqual(sstFiles(third.sharedFiles).sort(), sstFiles(first.sharedFiles).sort());
    await client.cancel();
    for (const [checkpoint, records] of [[second, 3200], [third, 3400]] as const) {
      const state = await restoredState(`${dir}/restore-${records}`, checkpoint.path, 1);
      for (let key = 0; key < KEYS; key++) assert.deepEqual(state.get(key), [expectedCount(records, key), 0], `key ${key} after ${records}`);
    }
  });

  it('materializes again when the log outgrew its bound', async (t) => {
    const dir = await tempDir(t);
    const { ctrl, progress, client } = await runCounting(t, dir, 1, Infinity, { 'state.backend.changelog.max-log-size': '4kb' });
    const first = await checkpointAt(client, progress, 3000);
    assert.equal(changelogFiles(first.sharedFiles).length, 0, '3000 changes do not fit in 4 KiB: a materialization');
    ctrl.allowed = 3100;
    const small = await checkpointAt(client, progress, 3100);
    assert.equal(changelogFiles(small.sharedFiles).length, 1, '100 changes fit in 4 KiB');
    ctrl.allowed = 4000;
    const big = await checkpointAt(client, progress, 4000);
    assert.equal(changelogFiles(big.sharedFiles).length, 0, '900 changes do not: a new materialization');
    await client.cancel();
    const state = await restoredState(`${dir}/restore`, big.path, 1);
    for (let key = 0; key < KEYS; key++) assert.deepEqual(state.get(key), [expectedCount(4000, key), 0], `key ${key}`);
  });

  it('restores the exact state after a failure (exactly-once)', async (t) => {
    const env = environment(await tempDir(t), 2);
    env.enableCheckpointing(20);
    await assertExactCountsAfterFailure(env, countPerKey({ processed: 0, lateStateFrom: Infinity }), { records: 100_000, keys: KEYS, afterCheckpoints: 5 });
  });

  for (const before of [false, true]) {
    it(`restores event-time timers registered and deleted after the materialization (${before ? 'timers in it too' : 'none in it'})`, async (t) => {
      const dir = await tempDir(t);
      const ctrl = { allowed: 3000, finite: false };
      const progress = { processed: 0 };
      const env = environment(dir, 2, before ? materializing : {});
      env.enableCheckpointing(3_600_000);
      const fired = collectingSink<[number, number]>();
      env.addSource(phasedSource(ctrl)).uid('source').keyBy((v) => v % KEYS).process(timersPerKey(progress, before)).uid('timers').addSink(fired.function);
      const client = await runJob(t, env);
      // With timers before: the first checkpoint materializes them; without: it logs (nothing to log).
      const first = await checkpointAt(client, progress, 3000, before);
      const logged = changelogFiles(first.sharedFiles).length;
      assert.equal(logged, before ? 0 : 2, 'the first checkpoint materializes only with timers before');
      ctrl.allowed = 3000 + KEYS;
      const registered = await checkpointAt(client, progress, 3000 + KEYS);
      assert.equal(changelogFiles(registered.sharedFiles).length, logged + 2, 'the registrations are in the segments');
      ctrl.allowed = 3000 + 2 * KEYS;
      const deleted = await checkpointAt(client, progress, 3000 + 2 * KEYS);
      assert.equal(changelogFiles(deleted.sharedFiles).length, logged + 4, 'the deletions too');
      assert.deepEqual(sstFiles(deleted.sharedFiles).sort(), sstFiles(first.sharedFiles).sort());
      await client.cancel();
      assert.deepEqual(fired.values(), [], 'no watermark: no timer fired in the first job');

      const expected: [number, number][] = [];
      for (let key = 0; key < KEYS; key++) {
        if (before && key % 3 !== 0) expected.push([key, 10_000 + key]);
        expected.push([key, 20_000 + key]);
        if (key % 2 !== 0) expected.push([key, 30_000 + key]);
      }
      for (const parallelism of [2, 1, 3]) {
        const env2 = environment(`${dir}/restore-${parallelism}`, parallelism, { 'execution.savepoint.path': deleted.path, 'execution.savepoint.ignore-unclaimed-state': true });
        const sink = collectingSink<[number, number]>();
        // The bounded input ends with the final watermark: every restored timer fires.
        env2.fromSequence(0, KEYS - 1).keyBy((v) => v % KEYS).process(timersPerKey({ processed: 0 }, before, false)).uid('timers').addSink(sink.function);
        await env2.execute();
        assert.deepEqual([...sink.values()].sort(byKeyAndTime), expected, `the timers fired once each at parallelism ${parallelism}`);
      }
    });
  }

  it('takes a full, self-contained savepoint between changelog checkpoints; the later ones keep the chain', async (t) => {
    const dir = await tempDir(t);
    const { ctrl, progress, client } = await runCounting(t, dir, 2, 3000, materializing);
    const first = await checkpointAt(client, progress, 3000, true);
    assert.equal(changelogFiles(first.sharedFiles).length, 0);
    ctrl.allowed = 3300;
    const second = await checkpointAt(client, progress, 3300);
    assert.equal(changelogFiles(second.sharedFiles).length, 2);
    ctrl.allowed = 3600;
    await eventually(() => progress.processed >= 3600, 20_000, '3600 records processed');
    const savepoint = await client.triggerSavepoint(join(dir, 'savepoints'));
    const savepointMetadata = await FILE_CHECKPOINT_READER.readMetadata(savepoint);
    assert.ok(savepointMetadata.tasks.length > 0);
    assert.deepEqual(savepointMetadata.tasks.flatMap((h) => h.sharedFiles ?? []), [], 'the savepoint refers to no shared file');
    ctrl.allowed = 4000;
    const after = await checkpointAt(client, progress, 4000);
    const segments = changelogFiles(after.sharedFiles);
    assert.equal(segments.length, 4, `the segments of the checkpoints before and after the savepoint (${segments.join(', ')})`);
    assert.deepEqual(changelogFiles(second.sharedFiles).filter((f) => !segments.includes(f)), [], 'the segments of the checkpoint before the savepoint');
    assert.deepEqual(sstFiles(after.sharedFiles).sort(), sstFiles(first.sharedFiles).sort(), 'still the first materialization');
    await client.cancel();

    assertCounts(await restoredState(`${dir}/restore-checkpoint`, after.path, 2), 4000, 3000, 'from the checkpoint after the savepoint');
    // Without the job's checkpoints (shared/ included), the savepoint still restores.
    await rm(join(dir, client.getJobID()), { recursive: true, force: true });
    assertCounts(await restoredState(`${dir}/restore-savepoint`, savepoint, 3), 3600, 3000, 'from the savepoint');
  });

  it('declines a checkpoint whose segment cannot be written; the next one materializes and later ones log again', { timeout: 60_000 }, async (t) => {
    const dir = await tempDir(t);
    const writer = new FailingChangelogWriter();
    const scheme = `changelogfail${process.pid}`;
    t.after(registerCheckpointFileWriter(scheme, writer));
    const { ctrl, progress, client } = await runCounting(t, `${scheme}://${dir}`, 2, 3000, { 'execution.checkpointing.tolerable-failed-checkpoints': 1 });
    const first = await checkpointAt(client, progress, 3000);
    assert.equal(changelogFiles(first.sharedFiles).length, 2);
    ctrl.allowed = 3300;
    const second = await checkpointAt(client, progress, 3300);
    assert.equal(changelogFiles(second.sharedFiles).length, 4);

    writer.failures = 1;
    ctrl.allowed = 3600;
    await eventually(() => progress.processed >= 3600, 20_000, '3600 records processed');
    const failed = await client.triggerCheckpoint();
    assert.equal(failed, 3);
    await eventually(() => client.getCheckpointStatistics()!.numberOfFailedCheckpoints > 0, 20_000, 'checkpoint 3 failed');
    assert.equal(writer.hits.length, 1, 'the fault was injected');
    assert.match(writer.hits[0]!, /-3-changelog-3$/);
    assert.equal(client.getCheckpointStatistics()!.lastCompletedCheckpointId, 2);
    const jobDir = join(dir, client.getJobID());
    await eventually(() => !existsSync(join(jobDir, 'chk-3')), 10_000, 'chk-3 deleted');
    await eventually(
      () => readdirSync(join(jobDir, 'shared')).every((f) => !f.endsWith('-3-changelog-3')),
      10_000,
      `no segment of checkpoint 3 left in shared/ (${readdirSync(join(jobDir, 'shared')).join(', ')})`,
    );

    ctrl.allowed = 3900;
    const materialized = await checkpointAt(client, progress, 3900);
    assert.equal(changelogFiles(materialized.sharedFiles).length, 0, 'the checkpoint after the failure materializes');
    assert.ok(sstFiles(materialized.sharedFiles).length > 0);
    ctrl.allowed = 4200;
    const last = await checkpointAt(client, progress, 4200);
    assert.equal(changelogFiles(last.sharedFiles).length, 2, 'the next one writes segments again');
    assert.ok(changelogFiles(last.sharedFiles).every((f) => f.endsWith('-5-changelog-5')));
    assert.equal(client.getCheckpointStatistics()!.numberOfFailedCheckpoints, 1);
    await client.cancel();

    for (const parallelism of [2, 1]) assertCounts(await restoredState(`${dir}/restore-${parallelism}`, last.path, parallelism), 4200, 3000, `at parallelism ${parallelism}`);
  });
});
