/*
 * Operator ids: the names under which checkpoints and savepoints keep each operator's state, so
 * that a restored job finds the state of its operators (Flink's OperatorID and
 * StreamGraphHasherV2). An operator with a uid() is known by its uid. Any other operator gets a
 * hash of its place in the graph: its position in a breadth-first walk from the sources, the
 * number of operators chained to it, and the ids of its inputs. The same program therefore gives
 * the same ids on every run and at any parallelism, as long as its shape and chaining stay the
 * same; changing the pipeline upstream of an operator changes its id, which is why Flink (and
 * Flink.TS) recommend a uid() on every stateful operator of a job that is upgraded.
 */
import { createHash } from 'node:crypto';
import type { JobGraph } from '../../graph/job-graph.ts';
import type { StreamNode } from '../../graph/stream-graph.ts';

const cache = new WeakMap<JobGraph, ReadonlyMap<number, string>>();

/** Per stream node id, the operator id of every operator of the job. */
export function operatorIdsOf(jobGraph: JobGraph): ReadonlyMap<number, string> {
  let ids = cache.get(jobGraph);
  if (ids === undefined) {
    ids = computeOperatorIds(jobGraph);
    cache.set(jobGraph, ids);
  }
  return ids;
}

/** The operator id of one node of the job. */
export function operatorIdOf(jobGraph: JobGraph, node: StreamNode): string {
  return operatorIdsOf(jobGraph).get(node.id)!;
}

function computeOperatorIds(jobGraph: JobGraph): Map<number, string> {
  const vertexOf = new Map<number, number>();
  const nodes: StreamNode[] = [];
  for (const vertex of jobGraph.vertices) {
    for (const node of vertex.chainedNodes) {
      vertexOf.set(node.id, vertex.id);
      nodes.push(node);
    }
  }
  const hashes = new Map<number, Buffer>();
  const queue = nodes.filter((n) => n.inEdges.length === 0).sort((a, b) => a.id - b.id);
  const queued = new Set(queue.map((n) => n.id));
  // As Flink: a node is hashed once all its inputs are; until then it goes to the back of the queue.
  let postponed = 0;
  while (queue.length > 0 && postponed <= queue.length) {
    const node = queue.shift()!;
    if (!node.inEdges.every((e) => hashes.has(e.source.id))) {
      queue.push(node);
      postponed++;
      continue;
    }
    postponed = 0;
    hashes.set(node.id, hashOf(node, hashes, vertexOf));
    for (const edge of [...node.outEdges].sort((a, b) => a.target.id - b.target.id)) {
      if (!queued.has(edge.target.id)) {
        queued.add(edge.target.id);
        queue.push(edge.target);
      }
    }
  }
  const ids = new Map<number, string>();
  for (const node of nodes) {
    // A node in a cycle (not possible in a DataStream job) would keep its place-based id.
    ids.set(node.id, node.uid ?? hashes.get(node.id)?.toString('hex') ?? `node-${node.id}`);
  }
  return ids;
}

function hashOf(node: StreamNode, hashes: ReadonlyMap<number, Buffer>, vertexOf: ReadonlyMap<number, number>): Buffer {
  const h = createHash('sha256');
  if (node.uid !== undefined) {
    h.update(`uid:${node.uid}`);
  } else {
    h.update(`position:${hashes.size}`);
    for (const edge of node.outEdges) if (vertexOf.get(edge.target.id) === vertexOf.get(node.id)) h.update(`chained:${hashes.size}`);
  }
  const hash = h.digest().subarray(0, 16);
  if (node.uid !== undefined) return hash;
  for (const edge of node.inEdges) {
    const input = hashes.get(edge.source.id)!;
    for (let i = 0; i < hash.length; i++) hash[i] = ((hash[i]! * 37) ^ input[i]!) & 0xff;
  }
  return hash;
}
