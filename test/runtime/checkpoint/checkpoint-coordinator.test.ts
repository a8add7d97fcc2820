/*
 * Tests of the CheckpointCoordinator with participants played by the test and real storage: a
 * checkpoint completes only when every subtask acknowledged, its `_metadata` is written last and
 * holds the handles and coordinator states, num-retained checkpoints are kept, tasks hear of
 * completion and aborts, declines and timeouts count against the tolerable failures, and a
 * finished task aborts what waits for it without counting. With finished tasks: the operators of
 * fully finished vertices go into `_metadata`, union list state of partly finished vertices is
 * refused, the final checkpoint is triggered as soon as every subtask ended its input, and a
 * coordinator without an interval takes savepoints only.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CheckpointCoordinator, type CheckpointParticipants, type CheckpointPlan } from '../../../src/runtime/checkpoint/checkpoint-coordinator.ts';
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
  /** What the attempt would plan besides the tasks: finished operators and partly finished vertices. */
  finishedOperators: string[] = [];
  partlyFinished = new Map<number, string>();
  endedInput = false;

  constructor(tasks: string[]) {
    this.tasks = tasks;
  }

  checkpointPlan(): CheckpointPlan | null {
    if (!this.running) return null;
    return { tasksToWaitFor: this.tasks, fullyFinishedOperators: this.finishedOperators, partlyFinishedVertices: this.partlyFinished, vertexNames: new Map([[1, 'Map'], [2, 'Sink']]) };
  }

  allTasksEndedInput(): boolean {
    return this.endedInput;
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

describe('CheckpointCoordinator with finished tasks', () => {
  it('records the operators of fully finished vertices in _metadata', async (t) => {
    const dir = await tempDir(t);
    const storage = new FileSystemCheckpointStorage(dir, 'job');
    const { c } = coordinator(storage);
    const p = new TestParticipants(['2/0']);
    p.finishedOperators = ['source-a', 'map-a'];
    c.startCheckpointScheduler(p);
    t.after(() => c.shutdown(true));
    const id = (await c.triggerCheckpoint())!;
    await ack(c, storage, id, 2, 0);
    await settle();
    const metadata = await storage.readMetadata(join(dir, 'job', `chk-${id}`));
    assert.deepEqual(metadata.fullyFinishedOperators, ['source-a', 'map-a']);
    assert.deepEqual(metadata.tasks.map((h) => h.location), ['task-2-0'], 'finished subtasks have no task state');
  });

  it('refuses a checkpoint of a vertex with union list state whose subtasks finished only in part', async () => {
    const storage = new JobManagerCheckpointStorage();
    const { c, failures } = coordinator(storage, { tolerableFailures: 5 });
    const p = new TestParticipants(['1/1', '2/0', '2/1']);
    p.partlyFinished = new Map([[1, 'Map']]);
    c.startCheckpointScheduler(p);
    const id = (await c.triggerCheckpoint())!;
    const handle = await storage.writeTaskState(id, { vertexId: 1, subtaskIndex: 1, operators: [] });
    c.acknowledgeTask(id, '1/1', { ...handle, unionListState: true });
    await ack(c, storage, id, 2, 0);
    // Vertex 2: one subtask finished its operators, the other did not, and it keeps union state.
    const second = await storage.writeTaskState(id, { vertexId: 2, subtaskIndex: 1, operators: [] });
    c.acknowledgeTask(id, '2/1', { ...second, finishedOperators: true });
    await settle();
    assert.deepEqual(p.aborted, [id]);
    assert.deepEqual(p.completed, []);
    assert.equal(failures.length, 0);
    const stats = c.getStatistics();
    assert.equal(stats.numberOfFailedCheckpoints, 1);
    // Without union state a partly finished vertex is fine.
    p.partlyFinished = new Map([[1, 'Map']]);
    const next = (await c.triggerCheckpoint())!;
    for (const [v, s] of [[1, 1], [2, 0], [2, 1]] as const) await ack(c, storage, next, v, s);
    await settle();
    assert.deepEqual(p.completed, [next]);
    c.stopCheckpointScheduler();
  });

  it('names the vertex when it refuses union list state of partly finished subtasks', async () => {
    const storage = new JobManagerCheckpointStorage();
    const errors: unknown[] = [];
    const c = new CheckpointCoordinator({
      jobId: 'job', intervalMs: 60_000, timeoutMs: 60_000, minPauseMs: 0, maxConcurrent: 1, tolerableFailures: 0, numRetained: 1, storage, onTolerableFailuresExceeded: (e) => errors.push(e),
    });
    const p = new TestParticipants(['2/0', '2/1']);
    c.startCheckpointScheduler(p);
    const id = (await c.triggerCheckpoint())!;
    for (const s of [0, 1]) {
      const handle = await storage.writeTaskState(id, { vertexId: 2, subtaskIndex: s, operators: [] });
      c.acknowledgeTask(id, `2/${s}`, { ...handle, unionListState: true, ...(s === 0 ? { finishedOperators: true } : {}) });
    }
    await settle();
    assert.equal(errors.length, 1);
    assert.match(String((errors[0] as Error).message), /tolerable failure threshold/);
    const cause = (errors[0] as Error & { cause?: Error }).cause!;
    assert.match(cause.message, /'Sink' uses union list state .* some of its subtasks have finished their operators while others still run/);
    c.stopCheckpointScheduler();
  });

  it('triggers the final checkpoint at once when every subtask ended its input', async () => {
    const { c } = coordinator(new JobManagerCheckpointStorage());
    const p = new TestParticipants(['1/0']);
    c.startCheckpointScheduler(p);
    c.taskEndedInput();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(p.triggered.length, 0, 'not while a subtask still has input');
    p.endedInput = true;
    c.taskEndedInput();
    for (let i = 0; i < 100 && p.triggered.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(p.triggered.length, 1, 'triggered long before the 60 s interval');
    // Aborted (a subtask ended meanwhile): tried again.
    c.taskFinished('1/0');
    for (let i = 0; i < 100 && p.triggered.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(p.triggered.length, 2);
    c.stopCheckpointScheduler();
  });

  it('without an interval triggers no checkpoints, but takes savepoints', async (t) => {
    const dir = await tempDir(t);
    const c = new CheckpointCoordinator({
      jobId: 'job', intervalMs: -1, timeoutMs: 60_000, minPauseMs: 0, maxConcurrent: 1, tolerableFailures: 0, numRetained: 1, storage: new JobManagerCheckpointStorage(), onTolerableFailuresExceeded: () => {},
    });
    const p = new TestParticipants(['1/0']);
    p.endedInput = true;
    c.startCheckpointScheduler(p);
    c.taskEndedInput();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(p.triggered.length, 0, 'no periodic and no final checkpoint');
    assert.equal(c.isPeriodic, false);
    const savepoint = c.triggerSavepoint(dir, false);
    await settle();
    const id = p.triggered[0]!.checkpointId;
    await ack(c, c.storage, id, 1, 0);
    const result = await savepoint;
    assert.equal(result.checkpointId, id);
    assert.ok(existsSync(join(result.path, '_metadata')));
    await c.shutdown(false);
  });
});
