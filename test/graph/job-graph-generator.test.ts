/*
 * Tests of the JobGraph generator with Flink's chaining rules, one rule at a time: the target has
 * one input, equal parallelism, a forward partitioner, chaining strategies (HEAD starts a chain,
 * NEVER stands alone), chaining enabled, two-input operators never chained into; chain names;
 * job edges with POINTWISE or ALL_TO_ALL patterns.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OutputTag, ProcessFunction, StreamExecutionEnvironment } from 'flink-ts';
import { createJobGraph, isChainable, isChainedEdge } from '../../src/graph/job-graph-generator.ts';
import { DistributionPattern, type JobGraph } from '../../src/graph/job-graph.ts';

function env(parallelism = 2): StreamExecutionEnvironment {
  return StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': parallelism });
}

function vertexNames(graph: JobGraph): string[] {
  return graph.vertices.map((v) => v.name);
}

const identity = (v: unknown): unknown => v;

describe('JobGraph generation', () => {
  it('chains a linear pipeline of equal parallelism into one vertex named "A -> B -> C"', () => {
    const e = env();
    e.fromSequence(1, 10).map(identity).filter(() => true).addSink(() => {}).name('out');
    const g = e.getJobGraph();
    assert.deepEqual(vertexNames(g), ['Source: Sequence Source -> Map -> Filter -> Sink: out']);
    const [v] = g.vertices;
    assert.deepEqual(v!.chainedNodes.map((n) => n.name), ['Source: Sequence Source', 'Map', 'Filter', 'Sink: out']);
    assert.equal(v!.head.name, 'Source: Sequence Source');
    assert.equal(v!.parallelism, 2);
    assert.equal(v!.maxParallelism, 128);
    assert.equal(v!.isSource(), true);
    assert.deepEqual(v!.inputs, []);
    assert.deepEqual(v!.outputs, []);
  });

  it('does not chain into an operator with more than one input', () => {
    const e = env();
    const a = e.fromSequence(1, 10).name('A');
    const b = e.fromSequence(1, 10).name('B');
    a.union(b).map(identity).addSink(() => {});
    assert.deepEqual(vertexNames(e.getJobGraph()), ['Source: A', 'Source: B', 'Map -> Sink: Unnamed']);
  });

  it('does not chain across a change of parallelism', () => {
    const e = env();
    e.fromSequence(1, 10).map(identity).setParallelism(3).addSink(() => {}).setParallelism(3);
    assert.deepEqual(vertexNames(e.getJobGraph()), ['Source: Sequence Source', 'Map -> Sink: Unnamed']);
  });

  it('does not chain over a partitioner other than forward, even at equal parallelism', () => {
    for (const partition of ['rebalance', 'rescale', 'shuffle', 'broadcast', 'global'] as const) {
      const e = env();
      e.fromSequence(1, 10)[partition]().map(identity).addSink(() => {});
      assert.deepEqual(vertexNames(e.getJobGraph()), ['Source: Sequence Source', 'Map -> Sink: Unnamed'], partition);
    }
    const keyed = env();
    keyed.fromSequence(1, 10).keyBy(identity).reduce((a: number) => a).addSink(() => {});
    assert.deepEqual(vertexNames(keyed.getJobGraph()), ['Source: Sequence Source', 'Keyed Reduce -> Sink: Unnamed']);
    const forward = env();
    forward.fromSequence(1, 10).forward().map(identity).addSink(() => {});
    assert.equal(forward.getJobGraph().vertices.length, 1, 'an explicit forward chains');
  });

  it('startNewChain (HEAD): the operator starts a chain that later operators join', () => {
    const e = env();
    e.fromSequence(1, 10).map(identity).name('m1').map(identity).name('m2').startNewChain().map(identity).name('m3').addSink(() => {});
    assert.deepEqual(vertexNames(e.getJobGraph()), ['Source: Sequence Source -> m1', 'm2 -> m3 -> Sink: Unnamed']);
  });

  it('disableChaining (NEVER): the operator is chained neither to its input nor to its output', () => {
    const e = env();
    e.fromSequence(1, 10).map(identity).name('m1').map(identity).name('alone').disableChaining().map(identity).name('m3').addSink(() => {});
    assert.deepEqual(vertexNames(e.getJobGraph()), ['Source: Sequence Source -> m1', 'alone', 'm3 -> Sink: Unnamed']);
  });

  it('sink chaining strategies apply to sinks too', () => {
    const e = env();
    e.fromSequence(1, 10).addSink(() => {}).name('s').disableChaining();
    assert.deepEqual(vertexNames(e.getJobGraph()), ['Source: Sequence Source', 'Sink: s']);
  });

  it('chains nothing when chaining is disabled', () => {
    const e = env();
    e.disableOperatorChaining();
    e.fromSequence(1, 10).map(identity).addSink(() => {});
    const g = e.getJobGraph();
    assert.deepEqual(vertexNames(g), ['Source: Sequence Source', 'Map', 'Sink: Unnamed']);
    assert.ok(g.vertices.every((v) => v.chainedNodes.length === 1));
  });

  it('never chains into a two-input operator, but chains after it', () => {
    const e = env();
    const one = e.fromSequence(1, 10).name('one');
    const two = e.fromSequence(1, 10).name('two');
    one.connect(two).map({ map1: identity, map2: identity }).map(identity).addSink(() => {});
    const g = e.getJobGraph();
    assert.deepEqual(vertexNames(g), ['Source: one', 'Source: two', 'Co-Map -> Map -> Sink: Unnamed']);
    const co = g.vertices[2]!;
    assert.deepEqual(co.inputs.map((x) => [x.source.name, x.streamEdge.typeNumber]), [['Source: one', 1], ['Source: two', 2]]);
    const edge = co.head.inEdges[0]!;
    assert.equal(edge.partitioner.kind, 'forward');
    assert.equal(isChainable(edge, true), false, 'forward, equal parallelism, but the target has two inputs');
  });

  it('names a chain that fans out like Flink: "A -> (B, C)"', () => {
    const e = env();
    const m = e.fromSequence(1, 10).map(identity);
    m.addSink(() => {}).name('a');
    m.filter(() => true).addSink(() => {}).name('b');
    const g = e.getJobGraph();
    assert.equal(g.vertices.length, 1);
    assert.equal(g.vertices[0]!.name, 'Source: Sequence Source -> Map -> (Sink: a, Filter -> Sink: b)');
  });

  it('creates a job edge per non-chained stream edge, POINTWISE for forward and rescale, ALL_TO_ALL otherwise', () => {
    const e = env();
    const src = e.fromSequence(1, 10);
    src.rescale().map(identity).name('rescaled').addSink(() => {});
    src.rebalance().map(identity).name('rebalanced').addSink(() => {});
    src.keyBy(identity).reduce((a: number) => a).name('keyed').addSink(() => {});
    src.broadcast().map(identity).name('broadcast').addSink(() => {});
    src.map(identity).name('wide').setParallelism(4).forward().map(identity).name('forwarded').setParallelism(4).disableChaining().addSink(() => {});
    const g = e.getJobGraph();
    const patternOf = (name: string): string => {
      const v = g.vertices.find((x) => x.head.name === name)!;
      assert.equal(v.inputs.length, 1, name);
      return v.inputs[0]!.pattern;
    };
    assert.equal(patternOf('rescaled'), DistributionPattern.POINTWISE);
    assert.equal(patternOf('rebalanced'), DistributionPattern.ALL_TO_ALL);
    assert.equal(patternOf('keyed'), DistributionPattern.ALL_TO_ALL);
    assert.equal(patternOf('broadcast'), DistributionPattern.ALL_TO_ALL);
    assert.equal(patternOf('wide'), DistributionPattern.ALL_TO_ALL, 'default rebalance on a parallelism change');
    assert.equal(patternOf('forwarded'), DistributionPattern.POINTWISE);
    const source = g.vertices.find((v) => v.head.name === 'Source: Sequence Source')!;
    assert.equal(source.outputs.length, 5);
    for (const edge of source.outputs) {
      assert.equal(edge.source, source);
      assert.ok(edge.target.inputs.includes(edge));
      assert.equal(isChainedEdge(source, edge.streamEdge), false);
    }
  });

  it('connects a side output read from inside a chain with a job edge from that vertex', () => {
    const e = env();
    const tag = new OutputTag<number>('side');
    const processed = e.fromSequence(1, 10).process(
      new (class extends ProcessFunction<number, number> {
        processElement(): void {}
      })(),
    );
    processed.addSink(() => {}).name('main');
    processed.getSideOutput(tag).map(identity).setParallelism(3).addSink(() => {}).name('side').setParallelism(3);
    const g = e.getJobGraph();
    assert.deepEqual(vertexNames(g), ['Source: Sequence Source -> Process -> Sink: main', 'Map -> Sink: side']);
    const [edge] = g.vertices[0]!.outputs;
    assert.equal(edge!.streamEdge.outputTag, tag);
    assert.equal(edge!.streamEdge.source.name, 'Process');
    assert.match(g.describe(), /side output 'side'/);
    assert.equal(isChainedEdge(g.vertices[0]!, g.vertices[0]!.chainedNodes[1]!.inEdges[0]!), true);
  });

  it('numbers vertices in topological order, finds the vertex of a node, and describes the graph', () => {
    const e = env();
    e.fromSequence(1, 10).rebalance().map(identity).addSink(() => {});
    const g = e.getJobGraph('described');
    assert.equal(g.jobName, 'described');
    assert.deepEqual(g.vertices.map((v) => v.id), [1, 2]);
    const mapNode = g.vertices[1]!.head;
    assert.equal(g.vertexOf(mapNode.id), g.vertices[1]);
    assert.throws(() => g.vertexOf(-1), /not part of job described/);
    assert.equal(
      g.describe(),
      ['[1] Source: Sequence Source (parallelism 2, max parallelism 128)', '    -> [2] REBALANCE', '[2] Map -> Sink: Unnamed (parallelism 2, max parallelism 128)'].join('\n'),
    );
    assert.equal(String(g.vertices[1]), 'Map -> Sink: Unnamed (parallelism 2)');
  });

  it('takes a given job id or makes a random 32-hex one', () => {
    const e = env();
    e.fromSequence(1, 2).addSink(() => {});
    const sg = e.getStreamGraph(undefined, false);
    assert.equal(createJobGraph(sg, 'abc').jobId, 'abc');
    const a = createJobGraph(sg).jobId;
    const b = createJobGraph(sg).jobId;
    assert.match(a, /^[0-9a-f]{32}$/);
    assert.notEqual(a, b);
  });

  it('getJobGraph keeps the transformations so the job can still run', async () => {
    const e = env(1);
    e.fromElements(1, 2, 3).map((v: number) => v * 10).addSink(() => {});
    e.getJobGraph();
    assert.equal(e.getJobGraph().vertices.length, 1);
    assert.equal(e.getTransformations().length, 3);
  });
});
