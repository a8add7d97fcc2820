/*
 * JobGraph: the StreamGraph with chainable operators fused into job vertices. A vertex runs as one
 * task per subtask; its operators call each other directly. Job edges are the non-chained
 * connections, each becoming channels between producing and consuming subtasks.
 */
import type { StreamEdge, StreamNode } from './stream-graph.ts';

export const DistributionPattern = { POINTWISE: 'POINTWISE', ALL_TO_ALL: 'ALL_TO_ALL' } as const;
export type DistributionPattern = (typeof DistributionPattern)[keyof typeof DistributionPattern];

export class JobVertex {
  readonly id: number;
  readonly name: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** The chain's operators, head first, every node after the node that feeds it. */
  readonly chainedNodes: readonly StreamNode[];
  readonly inputs: JobEdge[] = [];
  readonly outputs: JobEdge[] = [];

  constructor(id: number, name: string, chainedNodes: readonly StreamNode[]) {
    this.id = id;
    this.name = name;
    this.chainedNodes = chainedNodes;
    this.parallelism = chainedNodes[0]!.parallelism;
    this.maxParallelism = chainedNodes[0]!.maxParallelism;
  }

  get head(): StreamNode {
    return this.chainedNodes[0]!;
  }

  isSource(): boolean {
    return this.inputs.length === 0;
  }

  toString(): string {
    return `${this.name} (parallelism ${this.parallelism})`;
  }
}

export class JobEdge {
  readonly source: JobVertex;
  readonly target: JobVertex;
  readonly streamEdge: StreamEdge;
  readonly pattern: DistributionPattern;

  constructor(source: JobVertex, target: JobVertex, streamEdge: StreamEdge) {
    this.source = source;
    this.target = target;
    this.streamEdge = streamEdge;
    this.pattern = streamEdge.partitioner.isPointwise() ? DistributionPattern.POINTWISE : DistributionPattern.ALL_TO_ALL;
  }
}

export class JobGraph {
  readonly jobId: string;
  readonly jobName: string;
  readonly vertices: readonly JobVertex[];

  constructor(jobId: string, jobName: string, vertices: readonly JobVertex[]) {
    this.jobId = jobId;
    this.jobName = jobName;
    this.vertices = vertices;
  }

  /** Where a stream node runs. */
  vertexOf(nodeId: number): JobVertex {
    const vertex = this.vertices.find((v) => v.chainedNodes.some((n) => n.id === nodeId));
    if (vertex === undefined) throw new Error(`Stream node ${nodeId} is not part of job ${this.jobName}`);
    return vertex;
  }

  /** A multi-line description of vertices and edges, for logs and `flink-ts run --plan`. */
  describe(): string {
    const lines: string[] = [];
    for (const v of this.vertices) {
      lines.push(`[${v.id}] ${v.name} (parallelism ${v.parallelism}, max parallelism ${v.maxParallelism})`);
      for (const e of v.outputs) {
        const tag = e.streamEdge.outputTag === null ? '' : ` side output '${e.streamEdge.outputTag.id}'`;
        lines.push(`    -> [${e.target.id}] ${e.streamEdge.partitioner.toString()}${tag}`);
      }
    }
    return lines.join('\n');
  }
}
