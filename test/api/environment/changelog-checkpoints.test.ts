/*
 * Checkpoints with the state changelog ('state.backend.changelog.enabled', RocksDB): after a
 * materialization (an incremental snapshot), checkpoints write only the log's new segment, and a
 * restore replays the segments over the materialization — after a failure, from a retained
 * checkpoint at other parallelisms, with a new state registered after the materialization; a
 * materialization older than the interval, or a log beyond its bound, makes the next checkpoint
 * materialize again.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import {
  KeyedProcessFunction,
  RestartStrategies,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  type Collector,
  type JobClient,
  type KeyedProcessFunctionContext,
} from 'flink-ts';
import { FILE_CHECKPOINT_READER } from '../../../src/runtime/checkpoint/checkpoint-storage.ts';
import { RocksDBStateBackend } from '../../../src/runtime/state/rocksdb/rocksdb-state-backend.ts';
import { collectingSink, eventually, failAfterCheckpoints, phasedSource, range, runJob, sortedNumbers, tempDirectory } from '../../helpers.ts';

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

async function checkpointAt(client: JobClient, progress: { processed: number }, records: number): Promise<{ path: string; sharedFiles: string[] }> {
  await eventually(() => progress.processed >= records, 20_000, `${records} records processed`);
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

describe('changelog checkpoints', { skip }, () => {
  it('write only the changes after a materialization; a retained one restores at parallelism 1, 2 and 3', async (t) => {
    const dir = await tempDir(t);
    const { ctrl, progress, client } = await runCounting(t, dir, 2, 3000);
    const first = await checkpointAt(client, progress, 3000);
    assert.equal(changelogFiles(first.sharedFiles).length, 0, 'the first checkpoint materializes');
    assert.ok(sstFiles(first.sharedFiles).length > 0);
    ctrl.allowed = 3600;
    const second = await checkpointAt(client, progress, 3600);
    assert.deepEqual(sstFiles(second.sharedFiles).sort(), sstFiles(first.sharedFiles).sort(), 'no new SST file: RocksDB was not flushed');
    assert.equal(changelogFiles(second.sharedFiles).length, 2, 'one segment per keyed subtask');
    ctrl.allowed = 4000;
    const third = await checkpointAt(client, progress, 4000);
    assert.equal(changelogFiles(third.sharedFiles).length, 4, 'the segments since the materialization');
    await client.cancel();

    for (const parallelism of [2, 1, 3]) {
      const state = await restoredState(`${dir}/restore-${parallelism}`, third.path, parallelism);
      assert.equal(state.size, KEYS);
      for (let key = 0; key < KEYS; key++) {
        assert.deepEqual(state.get(key), [expectedCount(4000, key), expectedCount(4000, key, 3000)], `key ${key} at parallelism ${parallelism}`);
      }
    }
  });

  it('materializes again when the last materialization is older than the interval', async (t) => {
    const dir = await tempDir(t);
    const { ctrl, progress, client } = await runCounting(t, dir, 1, Infinity, { 'state.backend.changelog.periodic-materialize.interval': 300 });
    const first = await checkpointAt(client, progress, 3000);
    ctrl.allowed = 3200;
    const second = await checkpointAt(client, progress, 3200);
    assert.equal(changelogFiles(second.sharedFiles).length, 1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    ctrl.allowed = 3400;
    const third = await checkpointAt(client, progress, 3400);
    assert.equal(changelogFiles(third.sharedFiles).length, 0, 'a new materialization');
    assert.notDeepEqual(sstFiles(third.sharedFiles).sort(), sstFiles(first.sharedFiles).sort());
    await client.cancel();
    const state = await restoredState(`${dir}/restore`, third.path, 1);
    for (let key = 0; key < KEYS; key++) assert.deepEqual(state.get(key), [expectedCount(3400, key), 0], `key ${key}`);
  });

  it('materializes again when the log outgrew its bound', async (t) => {
    const dir = await tempDir(t);
    const { ctrl, progress, client } = await runCounting(t, dir, 1, Infinity, { 'state.backend.changelog.max-log-size': '4kb' });
    await checkpointAt(client, progress, 3000);
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
    const dir = await tempDir(t);
    const clients: JobClient[] = [];
    const env = environment(dir, 2);
    env.enableCheckpointing(20);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 0));
    env.registerJobListener({ onJobSubmitted: (client) => client !== null && clients.push(client) });
    const shared = { completed: 0, failed: false };
    const n = 100_000;
    const progress = { processed: 0, lateStateFrom: Infinity };
    const out = (await env.fromSequence(0, n - 1).map(failAfterCheckpoints<number>(shared, 5)).keyBy((v) => v % KEYS).process(countPerKey(progress)).executeAndCollect()) as [number, number][];
    const client = clients.at(-1)!;
    assert.ok(shared.failed, `the failure was injected (${JSON.stringify(client.getCheckpointStatistics())})`);
    assert.equal(client.getNumRestarts(), 1);
    assert.equal(out.length, n);
    const byKey = new Map<number, number[]>();
    for (const [key, count] of out) byKey.set(key, [...(byKey.get(key) ?? []), count]);
    for (let key = 0; key < KEYS; key++) assert.deepEqual(sortedNumbers(byKey.get(key)!), range(1, expectedCount(n, key)), `key ${key}`);
  });
});
