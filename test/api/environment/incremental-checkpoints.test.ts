/*
 * Incremental checkpoints end to end ('execution.checkpointing.incremental' with the RocksDB state
 * backend): chk-<n> directories hold the handles and small files while SST files live in the
 * job's shared/ directory and are shared between checkpoints; shared files are deleted once no
 * retained checkpoint refers to them; a failure restores the exact state; a retained incremental
 * checkpoint restores at another parallelism; savepoints stay full and self-contained.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
  KeyedProcessFunction,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  type Collector,
  type JobClient,
  type KeyedProcessFunctionContext,
} from 'flink-ts';
import { FILE_CHECKPOINT_READER } from '../../../src/runtime/checkpoint/checkpoint-storage.ts';
import { RocksDBStateBackend } from '../../../src/runtime/state/rocksdb/rocksdb-state-backend.ts';
import { assertExactCountsAfterFailure, collectingSink, eventually, phasedSource, range, runJob, tempDirectory } from '../../helpers.ts';

const skip = RocksDBStateBackend.availability().available ? false : 'RocksDB binding unavailable';
const KEYS = 500;
const PAYLOAD = 'x'.repeat(200);

const tempDir = (t: TestContext): Promise<string> => tempDirectory(t, 'flink-ts-incremental-');

function environment(dir: string, parallelism: number, extra: Record<string, unknown> = {}): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({
    'parallelism.default': parallelism,
    'state.backend.type': 'rocksdb',
    'execution.checkpointing.incremental': true,
    'state.checkpoints.dir': dir,
    'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
    ...extra,
  });
  return env;
}

/** Counts records per key; a second state written once per key stays in SST files no compaction touches. */
function countPerKey(progress: { processed: number }): KeyedProcessFunction<number, number, [number, number]> {
  class CountPerKey extends KeyedProcessFunction<number, number, [number, number]> {
    processElement(_value: number, ctx: KeyedProcessFunctionContext<number>, out: Collector<[number, number]>): void {
      const count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
      const stable = this.getRuntimeContext().getState(new ValueStateDescriptor<string>('stable'));
      if (stable.value() === undefined) stable.update(`${ctx.getCurrentKey()}${PAYLOAD}`);
      const n = count.value()! + 1;
      count.update(n);
      out.collect([ctx.getCurrentKey(), n]);
      progress.processed++;
    }
  }
  return new CountPerKey();
}

function countingJob(env: StreamExecutionEnvironment, ctrl: { allowed: number; finite: boolean }, progress: { processed: number }): { values: () => [number, number][] } {
  const sink = collectingSink<[number, number]>();
  env
    .addSource(phasedSource(ctrl))
    .uid('source')
    .keyBy((v) => v % KEYS)
    .process(countPerKey(progress))
    .uid('count')
    .addSink(sink.function);
  return { values: () => sink.values() };
}

/** Triggers a checkpoint once `progress` reached `records`; resolves with its directory and shared files. */
async function checkpointAt(client: JobClient, progress: { processed: number }, records: number): Promise<{ id: number; path: string; sharedFiles: Set<string> }> {
  await eventually(() => progress.processed >= records, 20_000, `${records} records processed`);
  const id = await client.triggerCheckpoint();
  assert.ok(id !== null, 'the checkpoint was triggered');
  await eventually(() => (client.getCheckpointStatistics()?.lastCompletedCheckpointId ?? 0) >= id, 20_000, `checkpoint ${id} completed`);
  const path = client.getCheckpointStatistics()!.lastCheckpointExternalPath!;
  const metadata = await FILE_CHECKPOINT_READER.readMetadata(path);
  return { id, path, sharedFiles: new Set(metadata.tasks.flatMap((h) => h.sharedFiles ?? [])) };
}

function expectedCount(total: number, key: number): number {
  return range(0, total - 1).filter((v) => v % KEYS === key).length;
}

describe('incremental checkpoints', { skip }, () => {
  it('share SST files between chk-<n> directories; each chk-<n> holds only handles and small files', async (t) => {
    const dir = await tempDir(t);
    const ctrl = { allowed: 4000, finite: false };
    const progress = { processed: 0 };
    const env = environment(dir, 2, { 'state.checkpoints.num-retained': 3 });
    env.enableCheckpointing(3_600_000);
    countingJob(env, ctrl, progress);
    const client = await runJob(t, env);
    const first = await checkpointAt(client, progress, 4000);
    const firstStats = client.getCheckpointStatistics()!;
    assert.equal(firstStats.lastCheckpointSize, firstStats.lastCheckpointFullSize, 'the first checkpoint writes everything');
    ctrl.allowed = 4200;
    const second = await checkpointAt(client, progress, 4200);
    const stats = client.getCheckpointStatistics()!;
    assert.ok(stats.lastCheckpointSize < stats.lastCheckpointFullSize, `${stats.lastCheckpointSize} < ${stats.lastCheckpointFullSize}`);
    const reused = [...second.sharedFiles].filter((f) => first.sharedFiles.has(f));
    assert.ok(reused.length > 0, 'checkpoint 2 refers to SST files checkpoint 1 uploaded');
    const jobDir = join(dir, client.getJobID());
    const shared = new Set(readdirSync(join(jobDir, 'shared')));
    for (const f of [...first.sharedFiles, ...second.sharedFiles]) assert.ok(shared.has(f), f);
    for (const chk of [first.path, second.path]) {
      const entries = readdirSync(chk);
      assert.ok(entries.includes('_metadata') && entries.some((e) => /^task-\d+-\d+$/.test(e)), entries.join(', '));
      const privateDirs = entries.filter((e) => /-op-\d+$/.test(e));
      assert.equal(privateDirs.length, 2, 'one RocksDB directory per keyed subtask');
      for (const p of privateDirs) {
        const files = readdirSync(join(chk, p));
        assert.ok(files.includes('CURRENT') && files.some((f) => f.startsWith('MANIFEST')), files.join(', '));
        assert.ok(!files.some((f) => f.endsWith('.sst')), 'SST files are in shared/');
      }
    }
    // A savepoint is full and self-contained: no shared files, no RocksDB directories.
    const savepoint = await client.triggerSavepoint(join(dir, 'savepoints'));
    const spEntries = readdirSync(savepoint);
    assert.ok(!spEntries.some((e) => /-op-\d+$/.test(e)), spEntries.join(', '));
    const spMeta = await FILE_CHECKPOINT_READER.readMetadata(savepoint);
    assert.ok(spMeta.tasks.every((h) => h.sharedFiles === undefined));
    await client.cancel();
  });

  it('deletes shared files no retained checkpoint refers to and keeps those a retained one still refers to', async (t) => {
    const dir = await tempDir(t);
    const ctrl = { allowed: 2000, finite: false };
    const progress = { processed: 0 };
    const env = environment(dir, 1, { 'state.checkpoints.num-retained': 2 });
    env.enableCheckpointing(3_600_000);
    countingJob(env, ctrl, progress);
    const client = await runJob(t, env);
    const checkpoints: { id: number; sharedFiles: Set<string> }[] = [];
    for (let i = 1; i <= 9; i++) {
      ctrl.allowed = 2000 * i;
      checkpoints.push(await checkpointAt(client, progress, ctrl.allowed));
    }
    const retained = checkpoints.slice(-2);
    const referenced = new Set(retained.flatMap((c) => [...c.sharedFiles]));
    const sharedDir = join(dir, client.getJobID(), 'shared');
    const listing = (): string[] => readdirSync(sharedDir).sort();
    // Deletion runs in the background after a checkpoint completes.
    await eventually(() => listing().join() === [...referenced].sort().join(), 10_000, 'shared/ holds exactly the files of the retained checkpoints');
    const firstFiles = [...checkpoints[0]!.sharedFiles];
    const deleted = firstFiles.filter((f) => !existsSync(join(sharedDir, f)));
    const kept = firstFiles.filter((f) => referenced.has(f));
    assert.ok(deleted.length > 0, 'files of checkpoint 1 that compaction replaced were deleted');
    assert.ok(kept.length > 0, 'files of the dropped checkpoint 1 that retained ones refer to are kept');
    await client.cancel();
  });

  it('restores the exact state after a failure (exactly-once)', async (t) => {
    const env = environment(await tempDir(t), 2);
    env.enableCheckpointing(20);
    const client = await assertExactCountsAfterFailure(env, countPerKey({ processed: 0 }), { records: 100_000, keys: KEYS });
    assert.ok((client.getCheckpointStatistics()!.lastRestoredCheckpointId ?? 0) >= 2);
  });

  for (const parallelism of [1, 3]) {
    it(`restores a retained incremental checkpoint of parallelism 2 at parallelism ${parallelism}`, async (t) => {
      const dir = await tempDir(t);
      const ctrl = { allowed: 3000, finite: false };
      const progress = { processed: 0 };
      const env = environment(dir, 2, { 'state.checkpoints.num-retained': 2 });
      env.enableCheckpointing(3_600_000);
      countingJob(env, ctrl, progress);
      const client = await runJob(t, env);
      await checkpointAt(client, progress, 3000);
      ctrl.allowed = 3300;
      const last = await checkpointAt(client, progress, 3300);
      await client.cancel();
      assert.ok(existsSync(join(last.path, '_metadata')), 'retained on cancellation');

      // The new job sends one record per key: each count is what the checkpoint held, plus one.
      const env2 = environment(join(dir, 'second'), parallelism, { 'execution.savepoint.path': last.path });
      env2.enableCheckpointing(3_600_000);
      const job = countingJob(env2, { allowed: KEYS, finite: true }, { processed: 0 });
      await env2.execute();
      const counts = new Map(job.values());
      assert.equal(counts.size, KEYS);
      for (let key = 0; key < KEYS; key++) assert.equal(counts.get(key), expectedCount(3300, key) + 1, `key ${key}`);
    });
  }
});
