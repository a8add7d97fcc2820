/*
 * StreamGraph: one node per operator (sources, one- and two-input operators, sinks) and one edge
 * per connection, with its partitioner, side-output tag and input number resolved. It is the
 * direct image of the user's pipeline; the JobGraph groups its nodes into chains.
 */
import type { OutputTag } from '../api/common/output-tag.ts';
import type { StreamPartitioner } from '../runtime/partitioner/stream-partitioner.ts';
import type { ChainingStrategy, KeySelectorFn, OperatorFactory, SourceDefinition } from './transformation.ts';

export const NodeKinds = { SOURCE: 'source', ONE_INPUT: 'one-input', TWO_INPUT: 'two-input', SINK: 'sink' } as const;
export type NodeKind = (typeof NodeKinds)[keyof typeof NodeKinds];

export class StreamNode {
  readonly id: number;
  readonly name: string;
  readonly uid: string | undefined;
  readonly kind: NodeKind;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly operatorFactory: OperatorFactory;
  readonly chainingStrategy: ChainingStrategy;
  /** State key selectors per input (index 0 for input 1, 1 for input 2); null for non-keyed inputs. */
  readonly keySelectors: readonly [KeySelectorFn | null, KeySelectorFn | null];
  readonly source: SourceDefinition | undefined;
  readonly inEdges: StreamEdge[] = [];
  readonly outEdges: StreamEdge[] = [];

  constructor(init: {
    id: number;
    name: string;
    uid: string | undefined;
    kind: NodeKind;
    parallelism: number;
    maxParallelism: number;
    operatorFactory: OperatorFactory;
    chainingStrategy: ChainingStrategy;
    keySelectors: readonly [KeySelectorFn | null, KeySelectorFn | null];
    source: SourceDefinition | undefined;
  }) {
    this.id = init.id;
    this.name = init.name;
    this.uid = init.uid;
    this.kind = init.kind;
    this.parallelism = init.parallelism;
    this.maxParallelism = init.maxParallelism;
    this.operatorFactory = init.operatorFactory;
    this.chainingStrategy = init.chainingStrategy;
    this.keySelectors = init.keySelectors;
    this.source = init.source;
  }

  isKeyed(): boolean {
    return this.keySelectors[0] !== null || this.keySelectors[1] !== null;
  }

  toString(): string {
    return `${this.name}-${this.id}`;
  }
}

export class StreamEdge {
  readonly source: StreamNode;
  readonly target: StreamNode;
  /** 0 for one-input targets, 1 or 2 for the inputs of a two-input operator. */
  readonly typeNumber: number;
  readonly partitioner: StreamPartitioner<unknown>;
  readonly outputTag: OutputTag<unknown> | null;

  constructor(source: StreamNode, target: StreamNode, typeNumber: number, partitioner: StreamPartitioner<unknown>, outputTag: OutputTag<unknown> | null) {
    this.source = source;
    this.target = target;
    this.typeNumber = typeNumber;
    this.partitioner = partitioner;
    this.outputTag = outputTag;
  }

  toString(): string {
    const tag = this.outputTag === null ? '' : `, tag=${this.outputTag.id}`;
    return `(${this.source} -> ${this.target}, ${this.partitioner.toString()}${tag})`;
  }
}

export class StreamGraph {
  readonly jobName: string;
  readonly nodes = new Map<number, StreamNode>();
  readonly chainingEnabled: boolean;

  constructor(jobName: string, chainingEnabled: boolean) {
    this.jobName = jobName;
    this.chainingEnabled = chainingEnabled;
  }

  addNode(node: StreamNode): void {
    this.nodes.set(node.id, node);
  }

  addEdge(edge: StreamEdge): void {
    edge.source.outEdges.push(edge);
    edge.target.inEdges.push(edge);
  }

  getSources(): StreamNode[] {
    return [...this.nodes.values()].filter((n) => n.kind === NodeKinds.SOURCE);
  }

  getSinks(): StreamNode[] {
    return [...this.nodes.values()].filter((n) => n.kind === NodeKinds.SINK);
  }

  /** Nodes in an order where every node comes after all its inputs. */
  topologicalOrder(): StreamNode[] {
    const order: StreamNode[] = [];
    const remaining = new Map<number, number>();
    const ready: StreamNode[] = [];
    for (const node of [...this.nodes.values()].sort((a, b) => a.id - b.id)) {
      remaining.set(node.id, node.inEdges.length);
      if (node.inEdges.length === 0) ready.push(node);
    }
    while (ready.length > 0) {
      const node = ready.shift()!;
      order.push(node);
      for (const edge of node.outEdges) {
        const left = remaining.get(edge.target.id)! - 1;
        remaining.set(edge.target.id, left);
        if (left === 0) ready.push(edge.target);
      }
    }
    return order;
  }
}
