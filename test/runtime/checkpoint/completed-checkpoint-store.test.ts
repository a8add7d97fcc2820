import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHECKPOINT_METADATA_VERSION } from '../../../src/runtime/checkpoint/checkpoint-metadata.ts';
import { CompletedCheckpointStore, sharedFilesOf } from '../../../src/runtime/checkpoint/completed-checkpoint-store.ts';
import type { CompletedCheckpoint } from '../../../src/runtime/checkpoint/checkpoint-statistics.ts';

function checkpoint(checkpointId: number, sharedFiles: string[]): CompletedCheckpoint {
  return {
    checkpointId,
    timestamp: checkpointId,
    externalPointer: `chk-${checkpointId}`,
    metadata: {
      version: CHECKPOINT_METADATA_VERSION,
      jobId: 'job',
      checkpointId,
      timestamp: checkpointId,
      completionTimestamp: checkpointId,
      tasks: [{ vertexId: 1, subtaskIndex: 0, location: 'task-1-0', stateSize: 1, sharedFiles }],
      coordinators: [],
    },
    stateSize: 1,
    fullStateSize: 1,
    durationMs: 1,
    unaligned: false,
    persistedData: 0,
  };
}

test('keeps the retained number of checkpoints, oldest dropped first', () => {
  const store = new CompletedCheckpointStore(2);
  assert.deepEqual(store.add(checkpoint(1, []), 2), []);
  assert.deepEqual(store.add(checkpoint(2, []), 3), []);
  const dropped = store.add(checkpoint(3, []), 4);
  assert.deepEqual(dropped.map((c) => c.checkpointId), [1]);
  assert.deepEqual(store.getAll().map((c) => c.checkpointId), [2, 3]);
  assert.equal(store.getLatest()?.checkpointId, 3);
  assert.equal(store.contains(1), false);
  assert.equal(store.contains(2), true);
  assert.equal(store.numberOfCompleted, 3);
});

test('shared files keep a reference per retained checkpoint and become deletable after the last one is dropped', () => {
  const store = new CompletedCheckpointStore(1);
  store.add(checkpoint(1, ['a.sst', 'b.sst']), 2);
  store.add(checkpoint(2, ['b.sst', 'c.sst']), 3);
  assert.equal(store.sharedState.referenceCount('a.sst'), 0);
  assert.equal(store.sharedState.referenceCount('b.sst'), 1);
  // A checkpoint pending since before 'a.sst' lost its reference (id 2) could still register it.
  assert.deepEqual(store.sharedState.takeDeletable(2), []);
  assert.deepEqual(store.sharedState.takeDeletable(Number.POSITIVE_INFINITY), ['a.sst']);
});

test('the newest completed checkpoint is remembered after the retained ones are cleared', () => {
  const store = new CompletedCheckpointStore(1);
  store.add(checkpoint(7, []), 8);
  store.clear();
  assert.equal(store.getLatest(), null);
  assert.equal(store.lastCompleted?.checkpointId, 7);
});

test('sharedFilesOf collects the files of every task handle once', () => {
  const files = sharedFilesOf([
    { vertexId: 1, subtaskIndex: 0, location: 'x', stateSize: 0, sharedFiles: ['a', 'b'] },
    { vertexId: 1, subtaskIndex: 1, location: 'y', stateSize: 0, sharedFiles: ['b'] },
    { vertexId: 2, subtaskIndex: 0, location: 'z', stateSize: 0 },
  ]);
  assert.deepEqual([...files].sort(), ['a', 'b']);
});
