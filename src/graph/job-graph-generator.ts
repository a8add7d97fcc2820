/*
 * Builds the JobGraph from a StreamGraph with Flink's chaining rules: an edge is chained when the
 * target has exactly one input, both sides have the same parallelism, the partitioner is forward,
 * the target's chaining strategy is ALWAYS and the source's is not NEVER, and chaining is enabled.
 */
import { randomUUID } from 'node:crypto';
import { ChainingStrategy } from './transformation.ts';
import { NodeKinds, type StreamEdge, type StreamGraph, type StreamNode } from './stream-graph.ts';
import { JobEdge, JobGraph, JobVertex } from './job-graph.ts';
import { PartitionerKinds } from '../runtime/partitioner/stream-partitioner.ts';

export function isChainable(edge: StreamEdge, chainingEnabled: boolean): boolean {
  const { source, target } = edge;
  return (
    chainingEnabled &&
    target.inEdges.length === 1 &&
    source.parallelism === target.parallelism &&
    edge.partitioner.kind === PartitionerKinds.FORWARD &&
    target.chainingStrategy === ChainingStrategy.ALWAYS &&
    source.chainingStrategy !== ChainingStrategy.NEVER &&
    target.kind !== NodeKinds.TWO_INPUT &&
    target.kind !== NodeKinds.SOURCE
  );
}

export function createJobGraph(streamGraph: StreamGraph, jobId: string = randomUUID().replaceAll('-', '')): JobGraph {
  const order = streamGraph.topologicalOrder();
  const headOf = new Map<number, StreamNode>();
  const chains = new Map<number, StreamNode[]>();
  for (const node of order) {
    const chainedIn = node.inEdges.length === 1 && isChainable(node.inEdges[0]!, streamGraph.chainingEnabled) ? node.inEdges[0]! : undefined;
    if (chainedIn === undefined) {
      headOf.set(node.id, node);
      chains.set(node.id, [node]);
    } else {
      const head = headOf.get(chainedIn.source.id)!;
      headOf.set(node.id, head);
      chains.get(head.id)!.push(node);
    }
  }
  const vertices: JobVertex[] = [];
  const vertexByHead = new Map<number, JobVertex>();
  let nextId = 1;
  for (const node of order) {
    const chain = chains.get(node.id);
    if (chain === undefined) continue;
    const vertex = new JobVertex(nextId++, chainName(node, (edge) => headOf.get(edge.target.id) === node), chain);
    vertices.push(vertex);
    vertexByHead.set(node.id, vertex);
  }
  for (const vertex of vertices) {
    for (const node of vertex.chainedNodes) {
      for (const edge of node.outEdges) {
        const targetHead = headOf.get(edge.target.id)!;
        if (targetHead.id !== vertex.head.id) {
          const target = vertexByHead.get(targetHead.id)!;
          const jobEdge = new JobEdge(vertex, target, edge);
          vertex.outputs.push(jobEdge);
          target.inputs.push(jobEdge);
        }
      }
    }
  }
  return new JobGraph(jobId, streamGraph.jobName, vertices);
}

/** Flink's createChainedName: "A -> B" along a chain, "A -> (B, C)" where it fans out. */
function chainName(node: StreamNode, isChained: (edge: StreamEdge) => boolean): string {
  const outputs = node.outEdges.filter(isChained).map((edge) => chainName(edge.target, isChained));
  if (outputs.length === 0) return node.name;
  return outputs.length === 1 ? `${node.name} -> ${outputs[0]}` : `${node.name} -> (${outputs.join(', ')})`;
}

/** Whether an edge inside a vertex is chained (both ends in the vertex). */
export function isChainedEdge(vertex: JobVertex, edge: StreamEdge): boolean {
  return vertex.chainedNodes.includes(edge.target) && vertex.chainedNodes.includes(edge.source);
}
