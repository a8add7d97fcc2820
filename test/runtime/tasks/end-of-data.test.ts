/*
 * How a task ends its input, stepped by hand: EndOfData ends an input only once every channel of it
 * delivered it; with checkpointing the task then sends EndOfData but not yet the end of its
 * partition, goes on taking checkpoints, and ends once a checkpoint it took after EndOfData
 * completed (one taken before does not count); a task everything upstream of which ended takes a
 * triggered checkpoint after the data still queued; a task deployed as finished runs no operator.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Watermark } from '../../../src/api/common/watermark.ts';
import type { TaskStateHandle } from '../../../src/runtime/checkpoint/checkpoint-metadata.ts';
import { JobManagerCheckpointStorage } from '../../../src/runtime/checkpoint/checkpoint-storage.ts';
import { RecordBatch } from '../../../src/runtime/io/record-batch.ts';
import { CheckpointBarrier, EndOfDataEvent, EndOfPartitionEvent } from '../../../src/runtime/io/stream-events.ts';
import type { TaskCheckpointServices } from '../../../src/runtime/tasks/subtask-checkpoint-coordinator.ts';
import { TaskState } from '../../../src/runtime/tasks/task-state.ts';
import { deployTask, drainChannel, environment, lifecycle, stepUntilIdle, untilState, vertexWith } from './helpers.ts';

/** Checkpoint services that keep what the task reports. */
function services(): TaskCheckpointServices & { acks: { id: number; handle: TaskStateHandle }[]; endedData: number; finished: number } {
  const storage = new JobManagerCheckpointStorage();
  const reported = {
    acks: [] as { id: number; handle: TaskStateHandle }[],
    endedData: 0,
    finished: 0,
  };
  return Object.assign(reported, {
    storage,
    exactlyOnce: true,
    incremental: false,
    sharedDirectory: null,
    checkpointsAfterTasksFinish: true,
    acknowledge: (id: number, _task: string, handle: TaskStateHandle) => reported.acks.push({ id, handle }),
    decline: (id: number, _task: string, cause: unknown) => assert.fail(`checkpoint ${id} declined: ${String(cause)}`),
    endOfData: () => reported.endedData++,
    taskFinished: () => reported.finished++,
  }) as TaskCheckpointServices & typeof reported;
}

/** source -rebalance-> [A -> B] -rebalance-> sink, the middle vertex with two producer channels. */
function middleTask(log: string[], checkpointing?: TaskCheckpointServices, finishedOnRestore = false) {
  const env = environment();
  lifecycle(lifecycle(env.fromElements(0).rebalance(), 'A', log), 'B', log)
    .rebalance()
    .addSink(() => {});
  const deployed = deployTask(vertexWith(env.getJobGraph(), 'A'), {
    producers: 2,
    capacity: 16,
    ...(checkpointing === undefined ? {} : { checkpointing }),
    ...(finishedOnRestore ? { restoreState: { checkpointId: 3, operators: new Map(), finishedOnRestore } } : {}),
  });
  return { ...deployed, out: [...deployed.outputs.values()][0]![0]!, input: deployed.inputs[0]! };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

describe('end of data', () => {
  it('with checkpointing the task waits after EndOfData for a checkpoint taken after it, then ends its partition', async () => {
    const log: string[] = [];
    const cp = services();
    const { task, input, out } = middleTask(log, cp);
    const run = task.run();
    await untilState(task, TaskState.RUNNING);
    await cp.storage.initializeCheckpoint(1);
    await cp.storage.initializeCheckpoint(2);
    input[0]!.push(new RecordBatch([1, 2]));
    for (const channel of input) channel.push(new CheckpointBarrier(1, Date.now()));
    input[0]!.push(EndOfDataEvent.INSTANCE);
    stepUntilIdle(task);
    assert.equal(task.getState(), TaskState.RUNNING, 'one channel has not delivered EndOfData');
    input[1]!.push(EndOfDataEvent.INSTANCE);
    stepUntilIdle(task);
    await settle();
    assert.ok(log.includes('A.finish') && log.includes('B.finish'));
    assert.equal(cp.endedData, 1);
    assert.deepEqual(drainChannel(out), [1, 2, 'CheckpointBarrier(1)', String(Watermark.MAX_WATERMARK), 'EndOfData']);
    assert.equal(cp.acks.length, 1);
    assert.equal(cp.acks[0]!.handle.finishedOperators, undefined, 'checkpoint 1 was taken before the end of data');
    // Checkpoint 1 completing does not end the task: it was taken before EndOfData.
    task.notifyCheckpointComplete(1);
    stepUntilIdle(task);
    await settle();
    assert.equal(task.getState(), TaskState.FINISHING);
    assert.ok(!log.includes('A.close'));
    for (const channel of input) channel.push(new CheckpointBarrier(2, Date.now()));
    stepUntilIdle(task);
    await settle();
    assert.deepEqual(cp.acks.map((a) => a.id), [1, 2]);
    assert.equal(cp.acks[1]!.handle.finishedOperators, true);
    assert.deepEqual(drainChannel(out), ['CheckpointBarrier(2)']);
    task.notifyCheckpointComplete(2);
    stepUntilIdle(task);
    await run;
    assert.equal(task.getState(), TaskState.FINISHED);
    assert.deepEqual(drainChannel(out), ['EndOfPartition']);
    assert.deepEqual(log.slice(-2), ['B.close', 'A.close']);
    assert.equal(cp.finished, 1);
  });

  it('a task whose producers all ended takes a triggered checkpoint once every channel ended, after the queued data', async () => {
    const cp = services();
    const { task, input, out } = middleTask([], cp);
    const run = task.run();
    await untilState(task, TaskState.RUNNING);
    await cp.storage.initializeCheckpoint(5);
    // Everything the ended producers sent is still queued; the coordinator triggers the task directly.
    input[0]!.push(new RecordBatch([7]));
    for (const channel of input) {
      channel.push(EndOfDataEvent.INSTANCE);
      channel.push(EndOfPartitionEvent.INSTANCE);
    }
    task.triggerCheckpoint(new CheckpointBarrier(5, Date.now(), true));
    stepUntilIdle(task);
    await settle();
    stepUntilIdle(task);
    await settle();
    assert.deepEqual(drainChannel(out), [7, String(Watermark.MAX_WATERMARK), 'EndOfData', 'CheckpointBarrier(5)'], 'taken after the queued data, aligned');
    assert.deepEqual(cp.acks.map((a) => a.id), [5]);
    assert.equal(cp.acks[0]!.handle.finishedOperators, true);
    task.notifyCheckpointComplete(5);
    stepUntilIdle(task);
    await run;
    assert.deepEqual(drainChannel(out), ['EndOfPartition']);
  });

  it('a task deployed as finished runs no operator and ends its output at once', async () => {
    const log: string[] = [];
    const { task, out } = middleTask(log, services(), true);
    await task.run();
    assert.equal(task.getState(), TaskState.FINISHED);
    assert.deepEqual(log, [], 'no operator was opened, finished or closed');
    assert.deepEqual(drainChannel(out), [String(Watermark.MAX_WATERMARK), 'EndOfData', 'EndOfPartition']);
  });
});
