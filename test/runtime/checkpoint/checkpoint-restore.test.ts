/*
 * Restoring a checkpoint with finished operators (Flink's FullyFinishedOperatorState): the tasks
 * chaining them are deployed as finished with no state, the others get their state; a chain that
 * mixes finished and unfinished operators, and a finished task fed by one that had not finished,
 * are refused with errors naming the checkpoint and the operators.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { ErrorCodes, StreamExecutionEnvironment } from 'flink-ts';
import type { JobGraph } from '../../../src/graph/job-graph.ts';
import { loadRestoreState } from '../../../src/runtime/checkpoint/checkpoint-restore.ts';
import { CHECKPOINT_METADATA_VERSION } from '../../../src/runtime/checkpoint/checkpoint-metadata.ts';
import { FILE_CHECKPOINT_READER, FileSystemCheckpointStorage } from '../../../src/runtime/checkpoint/checkpoint-storage.ts';
import { operatorIdsOf } from '../../../src/runtime/checkpoint/operator-id.ts';
import { assertFlinkError, rejection, tempDirectory } from '../../helpers.ts';

/** Source → map (chained) → rebalance → sink: two vertices. */
function jobGraph(): JobGraph {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 2 });
  env.fromSequence(1, 10).map((v) => v).name('Double').rebalance().addSink(() => {}).name('Out');
  return env.getJobGraph();
}

/** Writes a completed checkpoint of `graph` whose `_metadata` lists `finished` operator ids; the unfinished vertices' subtasks have (empty) task state. */
async function checkpointWith(t: TestContext, graph: JobGraph, finished: readonly string[]): Promise<string> {
  const storage = new FileSystemCheckpointStorage(await tempDirectory(t, 'flink-ts-restore-'), graph.jobId);
  await storage.initializeCheckpoint(7);
  const ids = operatorIdsOf(graph);
  const tasks = [];
  for (const vertex of graph.vertices) {
    if (vertex.chainedNodes.every((n) => finished.includes(ids.get(n.id)!))) continue;
    for (let s = 0; s < vertex.parallelism; s++) {
      tasks.push(await storage.writeTaskState(7, { vertexId: vertex.id, subtaskIndex: s, operators: vertex.chainedNodes.map((n) => ({ operatorId: ids.get(n.id)!, operatorState: { version: 1, states: [] } })) }));
    }
  }
  return storage.finalizeCheckpoint({ version: CHECKPOINT_METADATA_VERSION, jobId: graph.jobId, checkpointId: 7, timestamp: 0, completionTimestamp: 0, tasks, coordinators: [], fullyFinishedOperators: [...finished] });
}

describe('restoring finished operators', () => {
  it('deploys the tasks of fully finished operators as finished, and the others with their state', async (t) => {
    const graph = jobGraph();
    const ids = operatorIdsOf(graph);
    const [source, sink] = graph.vertices;
    const pointer = await checkpointWith(t, graph, source!.chainedNodes.map((n) => ids.get(n.id)!));
    const restore = await loadRestoreState(FILE_CHECKPOINT_READER, pointer, graph, false);
    for (let s = 0; s < 2; s++) {
      assert.equal(restore.tasks.get(`${source!.id}/${s}`)!.finishedOnRestore, true);
      assert.equal(restore.tasks.get(`${source!.id}/${s}`)!.operators.size, 0);
      assert.equal(restore.tasks.get(`${sink!.id}/${s}`)!.finishedOnRestore, undefined);
      assert.equal(restore.tasks.get(`${sink!.id}/${s}`)!.operators.size, 1);
    }
  });

  it('refuses a chain of finished and unfinished operators', async (t) => {
    const graph = jobGraph();
    const ids = operatorIdsOf(graph);
    const head = graph.vertices[0]!.chainedNodes[0]!;
    const pointer = await checkpointWith(t, graph, [ids.get(head.id)!]);
    const error = await rejection(loadRestoreState(FILE_CHECKPOINT_READER, pointer, graph, false));
    assertFlinkError(error, ErrorCodes.FLINK_TS_ILLEGAL_STATE, /checkpoint 7/, /chains operators that had finished \(Source: Sequence Source\) with operators that had not \(Double\)/);
  });

  it('refuses a finished task fed by one that had not finished', async (t) => {
    const graph = jobGraph();
    const ids = operatorIdsOf(graph);
    const pointer = await checkpointWith(t, graph, graph.vertices[1]!.chainedNodes.map((n) => ids.get(n.id)!));
    const error = await rejection(loadRestoreState(FILE_CHECKPOINT_READER, pointer, graph, false));
    assertFlinkError(error, ErrorCodes.FLINK_TS_ILLEGAL_STATE, /'Sink: Out' had finished, but 'Source: Sequence Source -> Double', which feeds it, had not/);
  });
});
