/*
 * Turns the transformations a user built into a StreamGraph: resolves parallelism and max
 * parallelism, folds the virtual transformations (partition, union, side output) into edges,
 * picks default partitioners as Flink does (forward when parallelism matches, else rebalance),
 * and rejects invalid pipelines with a message that names the operator.
 */
import { invalidPipeline } from '../errors.ts';
import type { OutputTag } from '../api/common/output-tag.ts';
import { ForwardPartitioner } from '../runtime/partitioner/forward-partitioner.ts';
import { KeyGroupStreamPartitioner } from '../runtime/partitioner/key-group-stream-partitioner.ts';
import { RebalancePartitioner } from '../runtime/partitioner/rebalance-partitioner.ts';
import { PartitionerKinds, type StreamPartitioner } from '../runtime/partitioner/stream-partitioner.ts';
import { computeDefaultMaxParallelism, UPPER_BOUND_MAX_PARALLELISM } from '../runtime/state/key-group-range-assignment.ts';
import { NodeKinds, StreamEdge, StreamGraph, StreamNode, type NodeKind } from './stream-graph.ts';
import {
  OneInputTransformation,
  PartitionTransformation,
  SideOutputTransformation,
  SourceTransformation,
  TwoInputTransformation,
  UnionTransformation,
  type Transformation,
} from './transformation.ts';

export interface StreamGraphSettings {
  readonly jobName: string;
  readonly defaultParallelism: number;
  /** -1 when not set: each operator derives its own from its parallelism. */
  readonly maxParallelism: number;
  readonly chainingEnabled: boolean;
}

/** A resolved upstream of an edge: the physical node plus what virtual transformations added. */
interface Upstream {
  readonly node: StreamNode;
  readonly partitioner: StreamPartitioner<unknown> | null;
  readonly tag: OutputTag<unknown> | null;
}

export class StreamGraphGenerator {
  private readonly settings: StreamGraphSettings;
  private readonly graph: StreamGraph;
  private readonly resolved = new Map<number, Upstream[]>();
  private readonly uids = new Map<string, string>();

  constructor(settings: StreamGraphSettings) {
    this.settings = settings;
    this.graph = new StreamGraph(settings.jobName, settings.chainingEnabled);
  }

  generate(transformations: readonly Transformation<any>[]): StreamGraph {
    if (transformations.length === 0) {
      throw invalidPipeline('No operators defined in streaming topology. Cannot execute: add at least one source and one sink.');
    }
    for (const t of transformations) this.transform(t);
    if (this.graph.getSinks().length === 0) {
      throw invalidPipeline('The pipeline has no sink: add one with addSink(), sinkTo(), print() or executeAndCollect()');
    }
    return this.graph;
  }

  private transform(t: Transformation<any>): Upstream[] {
    const done = this.resolved.get(t.id);
    if (done !== undefined) return done;
    let result: Upstream[];
    if (t instanceof PartitionTransformation) {
      result = this.transform(t.input).map((u) => ({ ...u, partitioner: t.partitioner as StreamPartitioner<unknown> }));
    } else if (t instanceof UnionTransformation) {
      result = t.inputs.flatMap((input) => this.transform(input));
    } else if (t instanceof SideOutputTransformation) {
      result = this.transform(t.input).map((u) => ({ ...u, tag: t.tag as OutputTag<unknown> }));
    } else if (t instanceof SourceTransformation) {
      result = [this.upstreamOf(this.addNode(t, NodeKinds.SOURCE, [null, null]))];
    } else if (t instanceof OneInputTransformation) {
      const inputs = this.transform(t.input);
      const node = this.addNode(t, t.isSink ? NodeKinds.SINK : NodeKinds.ONE_INPUT, [t.keySelector, null]);
      for (const u of inputs) this.connect(u, node, 0);
      result = [this.upstreamOf(node)];
    } else if (t instanceof TwoInputTransformation) {
      const inputs1 = this.transform(t.input1);
      const inputs2 = this.transform(t.input2);
      const node = this.addNode(t, NodeKinds.TWO_INPUT, [t.keySelector1, t.keySelector2]);
      for (const u of inputs1) this.connect(u, node, 1);
      for (const u of inputs2) this.connect(u, node, 2);
      result = [this.upstreamOf(node)];
    } else {
      throw invalidPipeline(`Unknown transformation ${t.toString()}`);
    }
    this.resolved.set(t.id, result);
    return result;
  }

  private upstreamOf(node: StreamNode): Upstream {
    return { node, partitioner: null, tag: null };
  }

  private addNode(t: SourceTransformation<any> | OneInputTransformation<any, any> | TwoInputTransformation<any, any, any>, kind: NodeKind, keySelectors: readonly [any, any]): StreamNode {
    const parallelism = t.parallelism > 0 ? t.parallelism : t.parallelismConfigurable ? this.settings.defaultParallelism : 1;
    const maxParallelism = t.maxParallelism > 0 ? t.maxParallelism : this.settings.maxParallelism > 0 ? this.settings.maxParallelism : computeDefaultMaxParallelism(parallelism);
    if (maxParallelism > UPPER_BOUND_MAX_PARALLELISM) {
      throw invalidPipeline(`The maximum parallelism of operator '${t.name}' is ${maxParallelism}, above the upper bound ${UPPER_BOUND_MAX_PARALLELISM}`);
    }
    if (parallelism > maxParallelism) {
      throw invalidPipeline(`The parallelism of operator '${t.name}' (${parallelism}) is higher than its maximum parallelism (${maxParallelism})`);
    }
    if (t.uid !== undefined) {
      const other = this.uids.get(t.uid);
      if (other !== undefined) throw invalidPipeline(`Hash collision on user-specified ID "${t.uid}": operators '${other}' and '${t.name}' have the same uid; uids must be unique in a job`);
      this.uids.set(t.uid, t.name);
    }
    const node = new StreamNode({
      id: t.id,
      name: t.name,
      uid: t.uid,
      kind,
      parallelism,
      maxParallelism,
      operatorFactory: t.operatorFactory,
      chainingStrategy: t.chainingStrategy,
      keySelectors,
      source: t instanceof SourceTransformation ? t.definition : undefined,
    });
    this.graph.addNode(node);
    return node;
  }

  private connect(upstream: Upstream, target: StreamNode, typeNumber: number): void {
    const source = upstream.node;
    let partitioner: StreamPartitioner<unknown>;
    if (upstream.partitioner === null) {
      partitioner = source.parallelism === target.parallelism ? new ForwardPartitioner() : new RebalancePartitioner();
    } else {
      partitioner = upstream.partitioner.copy();
      if (partitioner.kind === PartitionerKinds.FORWARD && source.parallelism !== target.parallelism) {
        throw invalidPipeline(
          `Forward partitioning does not allow change of parallelism. Upstream operation: '${source.name}' parallelism: ${source.parallelism}, ` +
            `downstream operation: '${target.name}' parallelism: ${target.parallelism}. You must use another partitioning strategy, such as broadcast, rebalance, shuffle or global.`,
        );
      }
      if (partitioner instanceof KeyGroupStreamPartitioner) partitioner.configure(target.maxParallelism, target.name);
    }
    if (target.keySelectors[typeNumber === 2 ? 1 : 0] !== null && partitioner.kind !== PartitionerKinds.HASH) {
      throw invalidPipeline(`Operator '${target.name}' is keyed but its input from '${source.name}' is not partitioned by key (use keyBy)`);
    }
    this.graph.addEdge(new StreamEdge(source, target, typeNumber, partitioner, upstream.tag));
  }
}
