/*
 * Tests of the CheckpointCoordinator with participants played by the test and real storage: a
 * checkpoint completes only when every subtask acknowledged, its `_metadata` is written last and
 * holds the handles and coordinator states, num-retained checkpoints are kept, tasks hear of
 * completion and aborts, declines and timeouts count against the tolerable failures, and a
 * finished task aborts what waits for it without counting.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CheckpointCoordinator, type CheckpointParticipants } from '../../../src/runtime/checkpoint/checkpoint-coordinator.ts';
import { FileSystemCheckpointStorage, JobManagerCheckpointStorage, type CheckpointStorage } from '../../../src/runtime/checkpoint/checkpoint-storage.ts';
import type { CheckpointBarrier } from '../../../src/runtime/io/stream-events.ts';
import type { FlinkError } from '../../../src/errors.ts';
import { tempDirectory } from '../../helpers.ts';

class TestParticipants implements CheckpointParticipants {
  readonly tasks: string[];
  running = true;
  readonly triggered: CheckpointBarrier[] = [];
  readonly completed: number[] = [];
  readonly aborted: number[] = [];

  constructor(tasks: string[]) {
    this.tasks = tasks;
  }

  runningTasks(): string[] | null {
    return this.running ? this.tasks : null;
  }

  async triggerCheckpoint(barrier: CheckpointBarrier) {
    this.triggered.push(barrier);
    return [{ operatorId: 'source', serializerVersion: 1, state: new Uint8Array([barrier.checkpointId]) }];
  }

  notifyCheckpointComplete(id: number): void {
    this.completed.push(id);
  }

  notifyCheckpointAborted(id: number): void {
    this.aborted.push(id);
  }
}

function coordinator(storage: CheckpointStorage, overrides: { tolerableFailures?: number; numRetained?: number; timeoutMs?: number; maxConcurrent?: number } = {}) {
  const failures: FlinkError[] = [];
  const c = new CheckpointCoordinator({
    jobId: 'job',
    intervalMs: 60_000,
    timeoutMs: overrides.timeoutMs ?? 60_000,
    minPauseMs: 0,
    maxConcurrent: overrides.maxConcurrent ?? 5,
    tolerableFailures: overrides.tolerableFailures ?? 0,
    numRetained: overrides.numRetained ?? 1,
    storage,
    onTolerableFailuresExceeded: (e) => failures.push(e),
  });
  return { c, failures };
}

const tempDir = (t: TestContext): Promise<string> => tempDirectory(t, 'flink-ts-cp-');

async function ack(c: CheckpointCoordinator, storage: CheckpointStorage, id: number, vertexId: number, subtaskIndex: number): Promise<void> {
  const handle = await storage.writeTaskState(id, { vertexId, subtaskIndex, operators: [{ operatorId: `op-${vertexId}`, operatorState: { version: 1, states: [] } }] });
  c.acknowledgeTask(id, `${vertexId}/${subtaskIndex}`, handle);
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

describe('CheckpointCoordinator', () => {
  it('completes a checkpoint when all subtasks acknowledged, writing _metadata last', async (t) => {
    const dir = await tempDir(t);
    const storage = new FileSystemCheckpointStorage(dir, 'job');
    const { c } = coordinator(storage);
    const p = new TestParticipants(['1/0', '2/0']);
    c.startCheckpointScheduler(p);
    t.after(() => c.shutdown(true));
    const id = (await c.triggerCheckpoint())!;
    assert.equal(id, 1);
    assert.equal(p.triggered[0]!.checkpointId, 1);
    const chk = join(dir, 'job', 'chk-1');
    await ack(c, storage, id, 1, 0);
    await settle();
    assert.equal(existsSync(join(chk, '_metadata')), false, 'no _metadata before every subtask acknowledged');
    assert.equal(c.getLatestCompleted(), null);
    await ack(c, storage, id, 2, 0);
    await settle();
    assert.deepEqual((await readdir(chk)).sort(), ['_metadata', 'task-1-0', 'task-2-0']);
    assert.deepEqual((await readdir(join(dir, 'job'))).sort(), ['chk-1', 'shared', 'taskowned']);
    const latest = c.getLatestCompleted()!;
    assert.equal(latest.externalPointer, chk);
    const metadata = await storage.readMetadata(chk);
    assert.equal(metadata.checkpointId, 1);
    assert.deepEqual(metadata.tasks.map((h) => h.location), ['task-1-0', 'task-2-0']);
    assert.deepEqual([...metadata.coordinators[0]!.state], [1]);
    const restored = await storage.readTaskState(chk, metadata.tasks[1]!);
    assert.equal(restored.operators[0]!.operatorId, 'op-2');
    assert.deepEqual(p.completed, [1]);
    assert.equal(c.getStatistics().numberOfCompletedCheckpoints, 1);
  });

  it('keeps state.checkpoints.num-retained completed checkpoints and deletes older ones', async (t) => {
    const dir = await tempDir(t);
    const storage = new FileSystemCheckpointStorage(dir, 'job');
    const { c } = coordinator(storage, { numRetained: 2 });
    const p = new TestParticipants(['1/0']);
    c.startCheckpointScheduler(p);
    for (let i = 0; i < 4; i++) {
      const id = (await c.triggerCheckpoint())!;
      await ack(c, storage, id, 1, 0);
      await settle();
    }
    await c.shutdown(true);
    assert.deepEqual((await readdir(join(dir, 'job'))).filter((e) => e.startsWith('chk-')).sort(), ['chk-3', 'chk-4']);
    assert.deepEqual(c.getStatistics().retainedCheckpointIds, [3, 4]);
    assert.deepEqual(p.completed, [1, 2, 3, 4]);
  });

  it('deletes every checkpoint of the job when it ends without retention', async (t) => {
    const dir = await tempDir(t);
    const storage = new FileSystemCheckpointStorage(dir, 'job');
    const { c } = coordinator(storage);
    c.startCheckpointScheduler(new TestParticipants(['1/0']));
    const id = (await c.triggerCheckpoint())!;
    await ack(c, storage, id, 1, 0);
    await settle();
    assert.ok(existsSync(join(dir, 'job', 'chk-1', '_metadata')));
    await c.shutdown(false);
    assert.equal(existsSync(join(dir, 'job')), false);
  });

  it('aborts a declined checkpoint, removes its folder and fails the job beyond the tolerable failures', async () => {
    const storage = new JobManagerCheckpointStorage();
    const { c, failures } = coordinator(storage, { tolerableFailures: 1 });
    const p = new TestParticipants(['1/0']);
    c.startCheckpointScheduler(p);
    const first = (await c.triggerCheckpoint())!;
    c.declineCheckpoint(first, '1/0', new Error('snapshot failed'));
    assert.deepEqual(p.aborted, [first]);
    assert.equal(failures.length, 0, 'one failure is tolerated');
    // A success in between resets the count.
    const ok = (await c.triggerCheckpoint())!;
    await ack(c, storage, ok, 1, 0);
    await settle();
    for (let i = 0; i < 2; i++) c.declineCheckpoint((await c.triggerCheckpoint())!, '1/0', new Error('again'));
    assert.equal(failures.length, 1);
    assert.match(failures[0]!.message, /Exceeded checkpoint tolerable failure threshold \(1\)/);
    assert.equal(c.getStatistics().numberOfFailedCheckpoints, 3);
    c.stopCheckpointScheduler();
  });

  it('expires a checkpoint after the timeout', async () => {
    const { c, failures } = coordinator(new JobManagerCheckpointStorage(), { timeoutMs: 20 });
    const p = new TestParticipants(['1/0']);
    c.startCheckpointScheduler(p);
    const id = (await c.triggerCheckpoint())!;
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(p.aborted, [id]);
    assert.equal(failures.length, 1);
    assert.match(failures[0]!.message, /expired/);
    c.stopCheckpointScheduler();
  });

  it('does not trigger while a task is not running, and a finished task aborts without counting', async () => {
    const { c, failures } = coordinator(new JobManagerCheckpointStorage());
    const p = new TestParticipants(['1/0', '1/1']);
    c.startCheckpointScheduler(p);
    p.running = false;
    assert.equal(await c.triggerCheckpoint(), null);
    p.running = true;
    const id = (await c.triggerCheckpoint())!;
    c.taskFinished('1/1');
    assert.deepEqual(p.aborted, [id]);
    assert.equal(failures.length, 0);
    c.stopCheckpointScheduler();
  });

  it('triggers periodically, at most max-concurrent at a time', async () => {
    const storage = new JobManagerCheckpointStorage();
    const { c } = coordinator(storage, { maxConcurrent: 2 });
    const periodic = new CheckpointCoordinator({
      jobId: 'job', intervalMs: 10, timeoutMs: 60_000, minPauseMs: 0, maxConcurrent: 2, tolerableFailures: 0, numRetained: 1, storage, onTolerableFailuresExceeded: () => {},
    });
    const p = new TestParticipants(['1/0']);
    periodic.startCheckpointScheduler(p);
    while (p.triggered.length < 2) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(p.triggered.length, 2, 'no more than max-concurrent checkpoints in flight');
    await ack(periodic, storage, p.triggered[1]!.checkpointId, 1, 0);
    // The completed newer checkpoint subsumes the older one; a queued trigger follows.
    while (p.triggered.length < 3) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(p.aborted, [p.triggered[0]!.checkpointId]);
    assert.equal(periodic.getStatistics().numberOfFailedCheckpoints, 0);
    await periodic.shutdown(false);
    c.stopCheckpointScheduler();
  });
});
