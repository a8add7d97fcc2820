/*
 * Tests of OperatorChain built from the JobGraph of a real pipeline: operators in chain order, the
 * outputs between them (direct calls, record writers, fan-out, side-output tags), and the
 * lifecycle order: open tail first, finish head first, close tail first as Flink does.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OutputTag, ProcessFunction } from 'flink-ts';
import { OperatorChain } from '../../../src/runtime/tasks/operator-chain.ts';
import { LocalChannel } from '../../../src/runtime/io/local-channel.ts';
import { RecordWriter } from '../../../src/runtime/io/record-writer.ts';
import { MetricGroup } from '../../../src/runtime/metrics/metric-group.ts';
import { StreamingRuntimeContext } from '../../../src/runtime/operators/streaming-runtime-context.ts';
import type { StreamOperatorParameters, TaskServices } from '../../../src/runtime/operators/stream-operator.ts';
import type { JobVertex } from '../../../src/graph/job-graph.ts';
import type { StreamEdge, StreamNode } from '../../../src/graph/stream-graph.ts';
import type { Output } from '../../../src/runtime/operators/output.ts';
import { NO_TIMESTAMP, Watermark } from '../../../src/api/common/watermark.ts';
import { drainChannel, environment, lifecycle, LifecycleOperator, vertexWith } from './helpers.ts';

const services: TaskServices = {
  processingTimeService: { getCurrentProcessingTime: () => 0, registerTimer: () => ({ cancel() {} }) },
  addInputBlocker: () => {},
  wakeup: () => {},
  failTask: (e) => {
    throw e;
  },
  executeInMailbox: (action) => action(),
};

function parameters(vertex: JobVertex) {
  return (node: StreamNode, output: Output<unknown>): StreamOperatorParameters<unknown> => ({
    operatorName: node.name,
    output,
    runtimeContext: new StreamingRuntimeContext(
      { taskName: vertex.name, taskNameWithSubtasks: vertex.name, indexOfThisSubtask: 0, numberOfParallelSubtasks: vertex.parallelism, maxNumberOfParallelSubtasks: node.maxParallelism, attemptNumber: 0 },
      { jobId: 'j', jobName: 'j' },
      new Map(),
      new MetricGroup([node.name]),
    ),
    task: services,
    keyedStateBackend: null,
  });
}

/** A chain for `vertex` with a record writer (and channels) for each outgoing job edge. */
function buildChain(vertex: JobVertex, capacity = 10): { chain: OperatorChain; channels: Map<StreamEdge, LocalChannel[]> } {
  const channels = new Map<StreamEdge, LocalChannel[]>();
  const writers = new Map<StreamEdge, RecordWriter<unknown>>();
  for (const edge of vertex.outputs) {
    const chs = Array.from({ length: edge.target.parallelism }, (_, j) => new LocalChannel(capacity, 0, j));
    channels.set(edge.streamEdge, chs);
    writers.set(edge.streamEdge, new RecordWriter(chs, edge.streamEdge.partitioner.copy(), 2, { onChannelOverflow: () => {} }));
  }
  return { chain: new OperatorChain(vertex, 0, writers, parameters(vertex)), channels };
}

describe('OperatorChain', () => {
  it('creates the operators head first and wires them with direct calls', async () => {
    const log: string[] = [];
    const env = environment();
    const a = lifecycle(env.fromElements(1).rebalance(), 'A', log);
    lifecycle(lifecycle(a, 'B', log), 'C', log).addSink(() => {});
    const vertex = vertexWith(env.getJobGraph(), 'A');
    assert.deepEqual(vertex.chainedNodes.map((n) => n.name), ['A', 'B', 'C', 'Sink: Unnamed']);
    const { chain } = buildChain(vertex);
    assert.deepEqual(chain.operators.slice(0, 3).map((o) => (o as LifecycleOperator).label), ['A', 'B', 'C']);
    assert.equal(chain.head, chain.operators[0]);
    assert.deepEqual(chain.writers, []);
    (chain.head as LifecycleOperator).processElement('x', NO_TIMESTAMP);
    chain.head.processWatermark(new Watermark(7));
    assert.deepEqual(log, ['A.record(x)', 'B.record(x)', 'C.record(x)', 'A.watermark(7)', 'B.watermark(7)', 'C.watermark(7)']);
  });

  it('opens tail first, finishes head first and closes tail first', async () => {
    const log: string[] = [];
    const env = environment();
    const a = lifecycle(env.fromElements(1).rebalance(), 'A', log, { emitOnFinish: 'a-end' });
    lifecycle(lifecycle(a, 'B', log, { emitOnFinish: 'b-end' }), 'C', log).addSink(() => {});
    const { chain } = buildChain(vertexWith(env.getJobGraph(), 'A'));
    await chain.openOperators();
    assert.deepEqual(log.splice(0), ['C.open', 'B.open', 'A.open']);
    await chain.finishOperators();
    // What a finishing operator emits still reaches the operators after it, which finish later.
    assert.deepEqual(log.splice(0), ['A.finish', 'B.record(a-end)', 'C.record(a-end)', 'B.finish', 'C.record(b-end)', 'C.finish']);
    assert.equal(await chain.closeOperators(), undefined);
    assert.deepEqual(log.splice(0), ['C.close', 'B.close', 'A.close']);
  });

  it('closes every operator when one fails to close and returns the first error', async () => {
    const log: string[] = [];
    const env = environment();
    const a = lifecycle(env.fromElements(1).rebalance(), 'A', log, { failClose: true });
    lifecycle(lifecycle(a, 'B', log, { failClose: true }), 'C', log).addSink(() => {});
    const { chain } = buildChain(vertexWith(env.getJobGraph(), 'A'));
    const error = await chain.closeOperators();
    assert.ok(error instanceof Error);
    assert.equal(error.message, 'B failed to close', 'the first error in closing order (tail first)');
    assert.deepEqual(log.filter((l) => l.endsWith('.close')).sort(), ['A.close', 'B.close', 'C.close']);
  });

  it('writes records of the chain tail to the record writer of each outgoing edge', () => {
    const log: string[] = [];
    const env = environment({ 'parallelism.default': 2 });
    const a = lifecycle(env.fromElements(1).rebalance(), 'A', log);
    lifecycle(a.broadcast(), 'B', log).addSink(() => {});
    const vertex = vertexWith(env.getJobGraph(), 'A');
    const { chain, channels } = buildChain(vertex);
    assert.equal(chain.writers.length, 1);
    const head = chain.head as LifecycleOperator;
    head.processElement(1, NO_TIMESTAMP);
    assert.equal(chain.hasPendingOutput(), true);
    chain.flushOutputs();
    assert.equal(chain.hasPendingOutput(), false);
    const [edgeChannels] = [...channels.values()];
    assert.deepEqual(edgeChannels!.map(drainChannel), [[1], [1]]);
    assert.equal(chain.recordsOut(), 1);
  });

  it('fans out to several outputs and routes side outputs by tag', () => {
    const env = environment({ 'parallelism.default': 2 });
    const tag = new OutputTag<string>('odd');
    const processed = env
      .fromElements(1, 2, 3)
      .rebalance()
      .process(
        new (class extends ProcessFunction<number, number> {
          processElement(value: number, ctx: any, out: { collect(v: number): void }): void {
            if (value % 2 === 1) ctx.output(tag, `odd ${value}`);
            out.collect(value);
          }
        })(),
      );
    // Main output: one chained sink and one non-chained edge; the side output: a non-chained edge.
    processed.addSink(() => {});
    processed.rebalance().addSink(() => {});
    processed.getSideOutput(tag).rebalance().addSink(() => {});
    const vertex = vertexWith(env.getJobGraph(), 'Process');
    assert.equal(vertex.outputs.length, 2);
    const { chain, channels } = buildChain(vertex);
    for (const v of [1, 2, 3]) (chain.head as any).processElement(v, NO_TIMESTAMP);
    chain.flushOutputs();
    for (const [edge, chs] of channels) {
      const got = chs.flatMap(drainChannel).sort();
      if (edge.outputTag === null) assert.deepEqual(got, [1, 2, 3]);
      else assert.deepEqual(got, ['odd 1', 'odd 3']);
    }
  });

  it('reports output availability from the credit of its writers', () => {
    const env = environment();
    lifecycle(env.fromElements(1).rebalance(), 'A', []).rebalance().addSink(() => {});
    const { chain, channels } = buildChain(vertexWith(env.getJobGraph(), 'A'), 1);
    assert.equal(chain.isOutputAvailable(), true);
    const head = chain.head as LifecycleOperator;
    head.processElement(1, NO_TIMESTAMP);
    head.processElement(2, NO_TIMESTAMP); // batch size 2: one batch sent, channel at capacity
    assert.equal(chain.isOutputAvailable(), false);
    let available = false;
    void chain.whenOutputAvailable().then(() => (available = true));
    [...channels.values()][0]![0]!.poll();
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => assert.equal(available, true));
  });
});
