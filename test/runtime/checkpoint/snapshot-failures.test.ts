/*
 * Failures while a snapshot is being written: the file system checkpoint storage writes through a
 * CheckpointFileWriter registered for a URI scheme of the test, which is node:fs with faults — a
 * disk that fills up (ENOSPC) or a file that may not be written (EACCES) on a chosen write, after
 * writing part of the file. Checked: the checkpoint is declined with an error naming the
 * checkpoint, subtask, operator and file; with tolerable failures the job goes on and the next
 * checkpoint completes; without, it fails over to the last completed checkpoint and its output
 * stays exactly once; files of the failed checkpoint — shared SST files uploaded before the
 * failure included — are deleted, so shared/ ends up holding exactly what the retained
 * checkpoints refer to; a chk-<n> without `_metadata` is never restored.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  KeyedProcessFunction,
  RestartStrategies,
  RichMapFunction,
  StreamExecutionEnvironment,
  ValueStateDescriptor,
  type Collector,
  type JobClient,
  type KeyedProcessFunctionContext,
} from 'flink-ts';
import { ErrorCodes, FlinkError } from '../../../src/errors.ts';
import { LOCAL_FILE_WRITER, registerCheckpointFileWriter, type CheckpointFileWriter } from '../../../src/runtime/checkpoint/checkpoint-file-writer.ts';
import { FILE_CHECKPOINT_READER } from '../../../src/runtime/checkpoint/checkpoint-storage.ts';
import { RocksDBStateBackend } from '../../../src/runtime/state/rocksdb/rocksdb-state-backend.ts';
import { collectingSink, eventually, range, rejection, runJob, phasedSource, sortedNumbers, tempDirectory } from '../../helpers.ts';

const skip = RocksDBStateBackend.availability().available ? false : 'RocksDB binding unavailable';
const KEYS = 200;

type WriteOperation = 'writeFile' | 'writeFileSync' | 'copyFile' | 'mkdirsSync';

interface Fault {
  readonly operation: WriteOperation;
  readonly matches: (path: string) => boolean;
  readonly code: 'ENOSPC' | 'EACCES';
  /** Paths the fault failed. */
  readonly hits: string[];
  remaining: number;
}

const DESCRIPTIONS = { ENOSPC: 'no space left on device', EACCES: 'permission denied' } as const;

/** An error as node:fs reports it. */
function fsError(code: Fault['code'], syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${DESCRIPTIONS[code]}, ${syscall} '${path}'`), { code, errno: code === 'ENOSPC' ? -28 : -13, syscall, path });
}

/** node:fs with faults: a matching write writes half of its bytes (ENOSPC) or nothing (EACCES), then fails. */
class FaultyFileWriter implements CheckpointFileWriter {
  private readonly faults: Fault[] = [];

  private readonly delays: { readonly matches: (path: string) => boolean; readonly ms: number; readonly hits: string[] }[] = [];

  /** Delays every copy whose target matches by `ms` (a slow disk). */
  delayCopies(matches: (path: string) => boolean, ms: number): { readonly hits: string[] } {
    const delay = { matches, ms, hits: [] as string[] };
    this.delays.push(delay);
    return delay;
  }

  /** Fails the next `times` writes of `operation` whose path matches. */
  inject(operation: WriteOperation, matches: (path: string) => boolean, code: Fault['code'], times = 1): Fault {
    const fault: Fault = { operation, matches, code, hits: [], remaining: times };
    this.faults.push(fault);
    return fault;
  }

  private take(operation: WriteOperation, path: string): Fault | undefined {
    const fault = this.faults.find((f) => f.operation === operation && f.remaining > 0 && f.matches(path));
    if (fault === undefined) return undefined;
    fault.remaining--;
    fault.hits.push(path);
    return fault;
  }

  mkdirsSync(path: string): void {
    const fault = this.take('mkdirsSync', path);
    if (fault !== undefined) throw fsError(fault.code, 'mkdir', path);
    LOCAL_FILE_WRITER.mkdirsSync(path);
  }

  async writeFile(path: string, bytes: Uint8Array): Promise<void> {
    const fault = this.take('writeFile', path);
    if (fault === undefined) return LOCAL_FILE_WRITER.writeFile(path, bytes);
    if (fault.code === 'ENOSPC') await LOCAL_FILE_WRITER.writeFile(path, bytes.subarray(0, bytes.length >> 1));
    throw fsError(fault.code, fault.code === 'ENOSPC' ? 'write' : 'open', path);
  }

  writeFileSync(path: string, bytes: Uint8Array): void {
    const fault = this.take('writeFileSync', path);
    if (fault === undefined) return LOCAL_FILE_WRITER.writeFileSync(path, bytes);
    if (fault.code === 'ENOSPC') LOCAL_FILE_WRITER.writeFileSync(path, bytes.subarray(0, bytes.length >> 1));
    throw fsError(fault.code, fault.code === 'ENOSPC' ? 'write' : 'open', path);
  }

  renameSync(from: string, to: string): void {
    LOCAL_FILE_WRITER.renameSync(from, to);
  }

  async copyFile(from: string, to: string): Promise<void> {
    const delay = this.delays.find((d) => d.matches(to));
    if (delay !== undefined) {
      delay.hits.push(to);
      await new Promise((resolve) => setTimeout(resolve, delay.ms));
    }
    const fault = this.take('copyFile', to);
    if (fault === undefined) return LOCAL_FILE_WRITER.copyFile(from, to);
    if (fault.code === 'ENOSPC') {
      const bytes = await readFile(from);
      await LOCAL_FILE_WRITER.writeFile(to, bytes.subarray(0, bytes.length >> 1));
    }
    throw fsError(fault.code, fault.code === 'ENOSPC' ? 'write' : 'open', to);
  }
}

let schemes = 0;

/** A checkpoint directory whose writes go through a FaultyFileWriter (registered until the test ends). */
async function faultyDirectory(t: TestContext): Promise<{ dir: string; uri: string; writer: FaultyFileWriter }> {
  const dir = await tempDirectory(t, 'flink-ts-snapshot-failures-');
  const writer = new FaultyFileWriter();
  const scheme = `faulty${process.pid}x${++schemes}`;
  t.after(registerCheckpointFileWriter(scheme, writer));
  return { dir, uri: `${scheme}://${dir}`, writer };
}

/** Counts records per key in two states (two column families: a flush writes several SST files). */
function countPerKey(progress: { processed: number }): KeyedProcessFunction<number, number, [number, number]> {
  class CountPerKey extends KeyedProcessFunction<number, number, [number, number]> {
    processElement(_value: number, ctx: KeyedProcessFunctionContext<number>, out: Collector<[number, number]>): void {
      const count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
      const last = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('last'));
      const n = count.value()! + 1;
      count.update(n);
      last.update(_value);
      out.collect([ctx.getCurrentKey(), n]);
      progress.processed++;
    }
  }
  return new CountPerKey();
}

function environment(uri: string, parallelism: number, extra: Record<string, unknown> = {}): StreamExecutionEnvironment {
  return StreamExecutionEnvironment.getExecutionEnvironment({
    'parallelism.default': parallelism,
    'state.backend.type': 'rocksdb',
    'execution.checkpointing.incremental': true,
    'state.checkpoints.dir': uri,
    ...extra,
  });
}

/** Each key's counts are exactly 1..(its number of records): nothing lost, nothing twice. */
function assertExactlyOnce(out: readonly [number, number][], records: number): void {
  const byKey = new Map<number, number[]>();
  for (const [key, count] of out) byKey.set(key, [...(byKey.get(key) ?? []), count]);
  for (let key = 0; key < KEYS; key++) {
    const expected = range(0, records - 1).filter((v) => v % KEYS === key).length;
    assert.deepEqual(sortedNumbers(byKey.get(key) ?? []), range(1, expected), `key ${key}`);
  }
  assert.equal(out.length, records);
}

async function trigger(client: JobClient): Promise<number> {
  const id = await client.triggerCheckpoint();
  assert.ok(id !== null, 'the checkpoint was triggered');
  return id;
}

async function completes(client: JobClient, id: number): Promise<void> {
  await eventually(() => (client.getCheckpointStatistics()?.lastCompletedCheckpointId ?? 0) >= id, 20_000, `checkpoint ${id} completed`);
  assert.equal(client.getCheckpointStatistics()!.lastCompletedCheckpointId, id);
}

async function fails(client: JobClient, id: number, failedBefore: number): Promise<void> {
  await eventually(() => client.getCheckpointStatistics()!.numberOfFailedCheckpoints > failedBefore, 20_000, `checkpoint ${id} failed`);
  assert.ok((client.getCheckpointStatistics()!.lastCompletedCheckpointId ?? 0) < id, `checkpoint ${id} did not complete`);
}

/** The vertex whose task state holds operator `uid` (read from a completed checkpoint). */
async function vertexOf(pointer: string, uid: string): Promise<number> {
  const metadata = await FILE_CHECKPOINT_READER.readMetadata(pointer);
  for (const handle of metadata.tasks) {
    const state = await FILE_CHECKPOINT_READER.readTaskState(pointer, handle);
    if (state.operators.some((op) => op.operatorId === uid)) return handle.vertexId;
  }
  assert.fail(`no task state of operator '${uid}' in ${pointer}`);
}

/** Shared files that checkpoint `id` uploaded: `<backend>-<id>-<sst>`. */
const uploadedBy = (files: readonly string[], id: number): string[] => files.filter((f) => new RegExp(`-${id}-\\d+\\.sst$`).test(f));

describe('failures while a snapshot is being written', { skip }, () => {
  it('declines the checkpoint, deletes what it wrote, and goes on with tolerable failures; the next checkpoints complete', { timeout: 60_000 }, async (t) => {
    const { dir, uri, writer } = await faultyDirectory(t);
    const ctrl = { allowed: 2000 };
    const progress = { processed: 0 };
    const env = environment(uri, 2, {
      'execution.checkpointing.tolerable-failed-checkpoints': 5,
      'state.checkpoints.num-retained': 2,
      'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
    });
    env.enableCheckpointing(3_600_000);
    const sink = collectingSink<[number, number]>();
    env.addSource(phasedSource(ctrl)).uid('source').keyBy((v) => v % KEYS).process(countPerKey(progress)).uid('count').addSink(sink.function);
    const client = await runJob(t, env);
    const jobDir = join(dir, client.getJobID());
    const shared = (): string[] => readdirSync(join(jobDir, 'shared'));

    await eventually(() => progress.processed >= ctrl.allowed, 20_000, 'the first records');
    await completes(client, await trigger(client));
    const keyed = await vertexOf(client.getCheckpointStatistics()!.lastCheckpointExternalPath!, 'count');

    // 1. Checkpoint 2: subtask 1 of the keyed operator finds the disk full half-way through its state file.
    const stateFile = writer.inject('writeFile', (p) => p.endsWith(join('chk-2', `task-${keyed}-1`)), 'ENOSPC');
    ctrl.allowed = 3000;
    await eventually(() => progress.processed >= ctrl.allowed, 20_000, 'records before checkpoint 2');
    const second = await trigger(client);
    assert.equal(second, 2);
    await fails(client, 2, 0);
    assert.equal(stateFile.hits.length, 1, 'the fault was injected');
    // Its directory (the half-written file included) and the SST files its subtasks uploaded go.
    await eventually(() => !existsSync(join(jobDir, 'chk-2')), 10_000, 'chk-2 deleted');
    await eventually(() => uploadedBy(shared(), 2).length === 0, 10_000, `no shared file of checkpoint 2 (${shared().join(', ')})`);

    // 2. The job went on: checkpoint 3 completes.
    ctrl.allowed = 4000;
    await eventually(() => progress.processed >= ctrl.allowed, 20_000, 'records before checkpoint 3');
    await completes(client, await trigger(client));

    // 3. Checkpoint 4: the upload of subtask 0's RocksDB files fails part-way (MANIFEST after its SST files).
    const upload = writer.inject('copyFile', (p) => p.includes(join('chk-4', `task-${keyed}-0-op-`)) && /MANIFEST-\d+$/.test(p), 'ENOSPC');
    ctrl.allowed = 5000;
    await eventually(() => progress.processed >= ctrl.allowed, 20_000, 'records before checkpoint 4');
    assert.equal(await trigger(client), 4);
    await fails(client, 4, 1);
    assert.equal(upload.hits.length, 1, 'the fault was injected');
    await eventually(() => !existsSync(join(jobDir, 'chk-4')), 10_000, 'chk-4 deleted');
    await eventually(() => uploadedBy(shared(), 4).length === 0, 10_000, `no shared file of checkpoint 4 (${shared().join(', ')})`);

    // 4. Later checkpoints complete and subsume the earlier ones: shared/ holds exactly what the
    // two retained checkpoints refer to, nothing of the failed ones.
    for (const allowed of [6000, 7000]) {
      ctrl.allowed = allowed;
      await eventually(() => progress.processed >= ctrl.allowed, 20_000, `records before the checkpoint at ${allowed}`);
      await completes(client, await trigger(client));
    }
    const stats = client.getCheckpointStatistics()!;
    assert.deepEqual(stats.retainedCheckpointIds, [5, 6]);
    assert.equal(stats.numberOfFailedCheckpoints, 2);
    const referenced = new Set<string>();
    for (const id of stats.retainedCheckpointIds) {
      const metadata = await FILE_CHECKPOINT_READER.readMetadata(join(jobDir, `chk-${id}`));
      for (const h of metadata.tasks) for (const f of h.sharedFiles ?? []) referenced.add(f);
    }
    await eventually(() => shared().sort().join() === [...referenced].sort().join(), 10_000, 'shared/ holds exactly the files of the retained checkpoints');
    assert.deepEqual(
      readdirSync(jobDir).filter((e) => e.startsWith('chk-')).sort(),
      ['chk-5', 'chk-6'],
    );

    await client.cancel();
    assertExactlyOnce(sink.values(), 7000);
  });

  it('fails the job with an error naming the checkpoint, subtask, operator and file when no failure is tolerated', { timeout: 60_000 }, async (t) => {
    const { uri, writer } = await faultyDirectory(t);
    const ctrl = { allowed: 1000 };
    const progress = { processed: 0 };
    const env = environment(uri, 2);
    env.enableCheckpointing(3_600_000);
    env.setRestartStrategy(RestartStrategies.noRestart());
    env.addSource(phasedSource(ctrl)).uid('source').keyBy((v) => v % KEYS).process(countPerKey(progress)).uid('count').addSink(() => {});
    const client = await runJob(t, env);
    await eventually(() => progress.processed >= ctrl.allowed, 20_000, 'the first records');
    await completes(client, await trigger(client));
    const keyed = await vertexOf(client.getCheckpointStatistics()!.lastCheckpointExternalPath!, 'count');
    const fault = writer.inject('writeFile', (p) => p.endsWith(join('chk-2', `task-${keyed}-1`)), 'EACCES');
    await trigger(client);
    const error = await rejection(client.getJobExecutionResult());
    assert.ok(FlinkError.isFlinkError(error), String(error));
    assert.equal(fault.hits.length, 1);
    assert.match(error.message, /Exceeded checkpoint tolerable failure threshold \(0\): checkpoint 2 failed/);
    const cause = error.cause;
    assert.ok(FlinkError.isFlinkError(cause) && cause.code === ErrorCodes.FLINK_TS_ILLEGAL_STATE, String(cause));
    assert.match(cause.message, new RegExp(`Checkpoint 2: cannot write the state of subtask 1 of job vertex ${keyed} \\(operators 'count'\\) to '.*chk-2/task-${keyed}-1': EACCES: permission denied`));
    assert.deepEqual({ checkpointId: cause.context.checkpointId, subtask: cause.context.subtask, operator: cause.context.operator, file: cause.context.file }, {
      checkpointId: 2,
      subtask: 1,
      operator: 'count',
      file: fault.hits[0],
    });
  });

  it('fails over to the last completed checkpoint when an upload fails part-way: exactly-once output, later checkpoints complete', { timeout: 90_000 }, async (t) => {
    const { uri, writer } = await faultyDirectory(t);
    const clients: JobClient[] = [];
    const env = environment(uri, 2);
    env.enableCheckpointing(30);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 0));
    env.registerJobListener({ onJobSubmitted: (client) => client !== null && clients.push(client) });
    // The first upload into shared/ at checkpoint 3 or later fails after writing half the file.
    const fault = writer.inject('copyFile', (p) => /[/\\]shared[/\\].*-(\d+)-\d+\.sst$/.test(p) && Number(/-(\d+)-\d+\.sst$/.exec(p)![1]) >= 3, 'ENOSPC');
    class Slowly extends RichMapFunction<number, number> {
      private seen = 0;
      map(value: number): number {
        if (++this.seen % 50 === 0) {
          const until = performance.now() + 1;
          while (performance.now() < until);
        }
        return value;
      }
    }
    const n = 30_000;
    const progress = { processed: 0 };
    const out = (await env.fromSequence(0, n - 1).map(new Slowly()).keyBy((v) => v % KEYS).process(countPerKey(progress)).executeAndCollect()) as [number, number][];
    const client = clients.at(-1)!;
    const stats = client.getCheckpointStatistics()!;
    assert.equal(fault.hits.length, 1, `the fault was injected (${JSON.stringify(stats)})`);
    const failedId = Number(/-(\d+)-\d+\.sst$/.exec(fault.hits[0]!)![1]);
    assert.equal(client.getNumRestarts(), 1);
    const restored = stats.lastRestoredCheckpointId;
    assert.ok(restored !== null && restored >= 2 && restored < failedId, `restored checkpoint ${restored}, the failed one was ${failedId}`);
    assert.ok((stats.lastCompletedCheckpointId ?? 0) > failedId, `checkpoints completed after the failover (${JSON.stringify(stats)})`);
    assertExactlyOnce(out, n);
  });

  it('deletes the uploads of a checkpoint that timed out once they end', { timeout: 60_000 }, async (t) => {
    const { dir, uri, writer } = await faultyDirectory(t);
    const ctrl = { allowed: 1000 };
    const progress = { processed: 0 };
    const env = environment(uri, 2, {
      'execution.checkpointing.timeout': 400,
      'execution.checkpointing.tolerable-failed-checkpoints': 1,
      'state.checkpoints.num-retained': 1,
      'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
    });
    env.enableCheckpointing(3_600_000);
    env.addSource(phasedSource(ctrl)).uid('source').keyBy((v) => v % KEYS).process(countPerKey(progress)).uid('count').addSink(() => {});
    const client = await runJob(t, env);
    const jobDir = join(dir, client.getJobID());
    const shared = (): string[] => readdirSync(join(jobDir, 'shared'));
    await eventually(() => progress.processed >= ctrl.allowed, 20_000, 'the first records');
    await completes(client, await trigger(client));
    // Checkpoint 2's SST uploads take longer than the checkpoint timeout.
    const slow = writer.delayCopies((p) => uploadedBy([p], 2).length === 1, 1500);
    ctrl.allowed = 2000;
    await eventually(() => progress.processed >= ctrl.allowed, 20_000, 'records before checkpoint 2');
    assert.equal(await trigger(client), 2);
    await fails(client, 2, 0);
    assert.ok(slow.hits.length > 0, 'the uploads were slow');
    // The uploads end after the timeout; what they wrote goes then.
    await eventually(() => uploadedBy(shared(), 2).length === 0 && !existsSync(join(jobDir, 'chk-2')), 10_000, `no file of checkpoint 2 (${shared().join(', ')})`);
    ctrl.allowed = 3000;
    await eventually(() => progress.processed >= ctrl.allowed, 20_000, 'records before checkpoint 3');
    await completes(client, await trigger(client));
    const metadata = await FILE_CHECKPOINT_READER.readMetadata(join(jobDir, 'chk-3'));
    const referenced = metadata.tasks.flatMap((h) => h.sharedFiles ?? []);
    await eventually(() => shared().sort().join() === [...referenced].sort().join(), 10_000, 'shared/ holds exactly the files of checkpoint 3');
    await client.cancel();
  });

  it('never completes a checkpoint whose metadata cannot be written; its chk-<n> cannot be restored', { timeout: 60_000 }, async (t) => {
    const { dir, uri, writer } = await faultyDirectory(t);
    const ctrl = { allowed: 1000 };
    const progress = { processed: 0 };
    const env = environment(uri, 1, { 'execution.checkpointing.tolerable-failed-checkpoints': 1, 'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION' });
    env.enableCheckpointing(3_600_000);
    env.addSource(phasedSource(ctrl)).uid('source').keyBy((v) => v % KEYS).process(countPerKey(progress)).uid('count').addSink(() => {});
    const client = await runJob(t, env);
    const jobDir = join(dir, client.getJobID());
    await eventually(() => progress.processed >= ctrl.allowed, 20_000, 'the first records');
    await completes(client, await trigger(client));
    const fault = writer.inject('writeFileSync', (p) => p.includes(join('chk-2', '_metadata')), 'ENOSPC');
    ctrl.allowed = 2000;
    await eventually(() => progress.processed >= ctrl.allowed, 20_000, 'records before checkpoint 2');
    await trigger(client);
    await fails(client, 2, 0);
    assert.equal(fault.hits.length, 1);
    await eventually(() => !existsSync(join(jobDir, 'chk-2')), 10_000, 'chk-2 deleted');
    await eventually(() => uploadedBy(readdirSync(join(jobDir, 'shared')), 2).length === 0, 10_000, 'no shared file of checkpoint 2');
    ctrl.allowed = 3000;
    await eventually(() => progress.processed >= ctrl.allowed, 20_000, 'records before checkpoint 3');
    await completes(client, await trigger(client));
    await client.cancel();

    // A restore from the failed checkpoint's directory is refused; the completed one restores.
    const restoreFrom = async (path: string): Promise<Map<number, number>> => {
      const env2 = environment(join(dir, 'second'), 1, { 'execution.savepoint.path': path });
      env2.setRestartStrategy(RestartStrategies.noRestart());
      const sink = collectingSink<[number, number]>();
      env2.addSource(phasedSource({ allowed: KEYS })).uid('source').keyBy((v) => v % KEYS).process(countPerKey({ processed: 0 })).uid('count').addSink(sink.function);
      const second = await runJob(t, env2);
      let failure: unknown = null;
      const ended = second.getJobExecutionResult().then(
        () => {},
        (e: unknown) => void (failure = e),
      );
      await eventually(() => failure !== null || sink.records.length >= KEYS, 20_000, 'one record per key after the restore');
      if (failure !== null) throw failure;
      await second.cancel();
      await ended;
      return new Map(sink.values());
    };
    await assert.rejects(restoreFrom(join(jobDir, 'chk-2')), /Cannot restore the job from '.*chk-2': the path does not exist/);
    const counts = await restoreFrom(join(jobDir, 'chk-3'));
    for (let key = 0; key < KEYS; key++) assert.equal(counts.get(key), 3000 / KEYS + 1, `key ${key}`);
  });
});
