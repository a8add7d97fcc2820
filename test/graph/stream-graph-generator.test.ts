/*
 * Tests of StreamGraphGenerator through pipelines built with the DataStream API: node kinds,
 * default partitioners (forward when parallelism matches, else rebalance), virtual partition,
 * union and side-output transformations folded into edges, parallelism and max parallelism
 * resolution, and the errors for invalid pipelines.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlinkError, OutputTag, ProcessFunction, StreamExecutionEnvironment } from 'flink-ts';
import { StreamGraphGenerator } from '../../src/graph/stream-graph-generator.ts';
import { NodeKinds, type StreamGraph, type StreamNode } from '../../src/graph/stream-graph.ts';
import type { KeyGroupStreamPartitioner } from '../../src/runtime/partitioner/key-group-stream-partitioner.ts';
import { PartitionerKinds } from '../../src/runtime/partitioner/stream-partitioner.ts';
import { StreamMap } from '../../src/runtime/operators/stream-map.ts';

function env(config: Record<string, unknown> = {}): StreamExecutionEnvironment {
  return StreamExecutionEnvironment.getExecutionEnvironment({ 'parallelism.default': 2, ...config });
}

function graphOf(e: StreamExecutionEnvironment): StreamGraph {
  return e.getStreamGraph(undefined, false);
}

function node(graph: StreamGraph, name: string): StreamNode {
  const found = [...graph.nodes.values()].filter((n) => n.name === name);
  assert.equal(found.length, 1, `exactly one node named '${name}'`);
  return found[0]!;
}

function isInvalidPipeline(pattern: RegExp): (e: unknown) => boolean {
  return (e) => FlinkError.isFlinkError(e) && e.code === ErrorCodes.FLINK_TS_INVALID_PIPELINE && pattern.test(e.message);
}

const identity = (v: unknown): unknown => v;

describe('StreamGraphGenerator', () => {
  it('creates one node per operator with its kind and one edge per connection', () => {
    const e = env();
    e.fromSequence(1, 10).map(identity).name('m').addSink(() => {}).name('out');
    const g = graphOf(e);
    assert.deepEqual([...g.nodes.values()].map((n) => [n.name, n.kind]), [
      ['Source: Sequence Source', NodeKinds.SOURCE],
      ['m', NodeKinds.ONE_INPUT],
      ['Sink: out', NodeKinds.SINK],
    ]);
    const m = node(g, 'm');
    assert.equal(m.inEdges.length, 1);
    assert.equal(m.inEdges[0]!.source.name, 'Source: Sequence Source');
    assert.equal(m.inEdges[0]!.typeNumber, 0);
    assert.equal(m.outEdges[0]!.target.name, 'Sink: out');
    assert.deepEqual(g.getSources().map((n) => n.name), ['Source: Sequence Source']);
    assert.deepEqual(g.getSinks().map((n) => n.name), ['Sink: out']);
    assert.equal(g.jobName, 'Flink Streaming Job');
  });

  it('uses forward between equal parallelism and rebalance otherwise', () => {
    const e = env();
    e.fromSequence(1, 10).map(identity).name('same').map(identity).name('more').setParallelism(3).addSink(() => {}).name('sink').setParallelism(3);
    const g = graphOf(e);
    assert.equal(node(g, 'same').inEdges[0]!.partitioner.kind, PartitionerKinds.FORWARD);
    assert.equal(node(g, 'more').inEdges[0]!.partitioner.kind, PartitionerKinds.REBALANCE);
    assert.equal(node(g, 'Sink: sink').inEdges[0]!.partitioner.kind, PartitionerKinds.FORWARD);
  });

  it('folds explicit partitioning into the edge, a fresh partitioner per edge', () => {
    const e = env();
    const shuffled = e.fromSequence(1, 10).shuffle();
    shuffled.map(identity).name('a').addSink(() => {});
    shuffled.map(identity).name('b').addSink(() => {});
    e.fromSequence(1, 10).broadcast().map(identity).name('c').addSink(() => {});
    e.fromSequence(1, 10).global().map(identity).name('d').addSink(() => {});
    const g = graphOf(e);
    const a = node(g, 'a').inEdges[0]!.partitioner;
    const b = node(g, 'b').inEdges[0]!.partitioner;
    assert.equal(a.kind, PartitionerKinds.SHUFFLE);
    assert.notEqual(a, b);
    assert.equal(node(g, 'c').inEdges[0]!.partitioner.kind, PartitionerKinds.BROADCAST);
    assert.equal(node(g, 'd').inEdges[0]!.partitioner.kind, PartitionerKinds.GLOBAL);
  });

  it('rejects forward partitioning between different parallelisms, naming both operators', () => {
    const e = env();
    e.fromSequence(1, 10).forward().map(identity).name('wide').setParallelism(4).addSink(() => {});
    assert.throws(() => graphOf(e), isInvalidPipeline(/Forward partitioning does not allow change of parallelism.*'Source: Sequence Source' parallelism: 2.*'wide' parallelism: 4/));
  });

  it('folds a union into one edge per input', () => {
    const e = env();
    const a = e.fromSequence(1, 10).name('A');
    const b = e.fromSequence(1, 10).name('B').setParallelism(3);
    const c = e.fromSequence(1, 10).name('C');
    a.union(b, c.rebalance()).map(identity).name('merged').addSink(() => {});
    const edges = node(graphOf(e), 'merged').inEdges;
    assert.deepEqual(edges.map((x) => [x.source.name, x.partitioner.kind]), [
      ['Source: A', PartitionerKinds.FORWARD],
      ['Source: B', PartitionerKinds.REBALANCE],
      ['Source: C', PartitionerKinds.REBALANCE],
    ]);
  });

  it('folds a side output into an edge carrying its tag', () => {
    const e = env();
    const tag = new OutputTag<string>('late');
    const processed = e.fromSequence(1, 10).process(
      new (class extends ProcessFunction<number, number> {
        processElement(): void {}
      })(),
    );
    processed.addSink(() => {}).name('main');
    processed.getSideOutput(tag).rebalance().addSink(() => {}).name('side');
    const g = graphOf(e);
    const main = node(g, 'Sink: main').inEdges[0]!;
    const side = node(g, 'Sink: side').inEdges[0]!;
    assert.equal(main.outputTag, null);
    assert.equal(side.outputTag, tag);
    assert.equal(side.source, main.source);
    assert.equal(side.partitioner.kind, PartitionerKinds.REBALANCE);
    assert.match(side.toString(), /tag=late/);
  });

  it('gives two-input operators input numbers 1 and 2', () => {
    const e = env();
    const one = e.fromSequence(1, 10).name('one');
    const two = e.fromSequence(1, 10).name('two');
    one.connect(two).map({ map1: identity, map2: identity }).name('co').addSink(() => {});
    const co = node(graphOf(e), 'co');
    assert.equal(co.kind, NodeKinds.TWO_INPUT);
    assert.deepEqual(co.inEdges.map((x) => [x.source.name, x.typeNumber]), [['Source: one', 1], ['Source: two', 2]]);
  });

  it('resolves parallelism: the operator, else the default, and 1 for non-parallel operators', () => {
    const e = env({ 'parallelism.default': 5 });
    e.fromElements(1, 2).map(identity).name('default').map(identity).name('own').setParallelism(3).addSink(() => {});
    const g = graphOf(e);
    assert.equal(node(g, 'Source: Collection Source').parallelism, 1);
    assert.equal(node(g, 'default').parallelism, 5);
    assert.equal(node(g, 'own').parallelism, 3);
  });

  it('resolves max parallelism: the operator, else the environment, else derived from the parallelism', () => {
    const e = env();
    e.fromSequence(1, 2).map(identity).name('own').setMaxParallelism(16).map(identity).name('derived').setParallelism(200).addSink(() => {});
    let g = graphOf(e);
    assert.equal(node(g, 'own').maxParallelism, 16);
    assert.equal(node(g, 'Source: Sequence Source').maxParallelism, 128);
    assert.equal(node(g, 'derived').maxParallelism, 512, '1.5 x 200 rounded up to a power of two');
    const withEnv = env();
    withEnv.setMaxParallelism(64);
    withEnv.fromSequence(1, 2).addSink(() => {}).name('sink');
    g = graphOf(withEnv);
    assert.equal(node(g, 'Sink: sink').maxParallelism, 64);
  });

  it('rejects a parallelism above the max parallelism and a max parallelism above the bound', () => {
    const e = env({ 'parallelism.default': 8 });
    e.setMaxParallelism(4);
    e.fromSequence(1, 2).addSink(() => {});
    assert.throws(() => graphOf(e), isInvalidPipeline(/parallelism of operator 'Source: Sequence Source' \(8\) is higher than its maximum parallelism \(4\)/));
    const big = env();
    const stream = big.fromSequence(1, 2);
    stream.getTransformation().maxParallelism = 40_000;
    stream.addSink(() => {});
    assert.throws(() => graphOf(big), isInvalidPipeline(/maximum parallelism of operator 'Source: Sequence Source' is 40000, above the upper bound 32768/));
  });

  it('configures a keyBy partitioner with the max parallelism of the keyed operator', () => {
    const e = env();
    e.fromSequence(1, 10)
      .keyBy((v: number) => v % 3)
      .reduce((a: number, b: number) => a + b)
      .setMaxParallelism(32)
      .addSink(() => {});
    const edge = node(graphOf(e), 'Keyed Reduce').inEdges[0]!;
    assert.equal(edge.partitioner.kind, PartitionerKinds.HASH);
    assert.equal((edge.partitioner as KeyGroupStreamPartitioner<number>).getMaxParallelism(), 32);
    assert.equal(node(graphOf(e), 'Keyed Reduce').isKeyed(), true);
  });

  it('rejects a keyed operator whose input is not partitioned by key', () => {
    const e = env();
    e.fromSequence(1, 10).transform('KeyedThing', () => new StreamMap(identity), (v: unknown) => v).addSink(() => {});
    assert.throws(() => graphOf(e), isInvalidPipeline(/Operator 'KeyedThing' is keyed but its input from 'Source: Sequence Source' is not partitioned by key/));
    const repartitioned = env();
    const keyed = repartitioned.fromSequence(1, 10).keyBy((v: number) => v);
    keyed.rebalance().transform('AfterRebalance', () => new StreamMap(identity), keyed.getKeySelector()).addSink(() => {});
    assert.throws(() => graphOf(repartitioned), isInvalidPipeline(/'AfterRebalance' is keyed/));
  });

  it('rejects two operators with the same uid', () => {
    const e = env();
    e.fromSequence(1, 10).uid('src').map(identity).name('first').uid('dup').map(identity).name('second').uid('dup').addSink(() => {});
    assert.throws(() => graphOf(e), isInvalidPipeline(/"dup".*'first' and 'second'/));
    const ok = env();
    ok.fromSequence(1, 10).uid('a').map(identity).uid('b').addSink(() => {}).uid('c');
    assert.deepEqual([...graphOf(ok).nodes.values()].map((n) => n.uid), ['a', 'b', 'c']);
  });

  it('rejects an empty pipeline and one without a sink', () => {
    assert.throws(() => graphOf(env()), isInvalidPipeline(/No operators defined/));
    const e = env();
    e.fromSequence(1, 10).map(identity);
    assert.throws(() => graphOf(e), isInvalidPipeline(/no sink/));
  });

  it('builds each transformation once, also when several streams read it', () => {
    const e = env();
    const source = e.fromSequence(1, 10);
    source.addSink(() => {}).name('s1');
    source.addSink(() => {}).name('s2');
    const g = graphOf(e);
    assert.equal(g.getSources().length, 1);
    assert.equal(g.getSources()[0]!.outEdges.length, 2);
  });

  it('passes the job name and the chaining setting on to the graph', () => {
    const generator = new StreamGraphGenerator({ jobName: 'named', defaultParallelism: 1, maxParallelism: -1, chainingEnabled: false });
    const e = env();
    e.fromSequence(1, 2).addSink(() => {});
    const g = generator.generate(e.getTransformations());
    assert.equal(g.jobName, 'named');
    assert.equal(g.chainingEnabled, false);
  });

  it('orders nodes topologically', () => {
    const e = env();
    const a = e.fromSequence(1, 2).name('A');
    const b = e.fromSequence(1, 2).name('B');
    const joined = a.map((v: number) => v).name('mapA').union(b);
    joined.map(identity).name('after').addSink(() => {}).name('sink');
    const order = graphOf(e).topologicalOrder().map((n) => n.name);
    for (const [before, after] of [['Source: A', 'mapA'], ['mapA', 'after'], ['Source: B', 'after'], ['after', 'Sink: sink']]) {
      assert.ok(order.indexOf(before!) < order.indexOf(after!), `${before} before ${after} in ${order.join(', ')}`);
    }
  });
});
