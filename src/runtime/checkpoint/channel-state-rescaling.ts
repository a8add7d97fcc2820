/*
 * Rescaling the in-flight data of an unaligned checkpoint (Flink's channel state rescaling since
 * 1.13, StateAssignmentOperation with the partitioners' SubtaskStateMappers): when a vertex on
 * either side of a job edge runs at another parallelism than in the checkpoint, the data that was
 * in flight on the edge is handed to the subtasks that own it under the new parallelism.
 *
 * Both kinds of in-flight data of an edge are gathered: the consumer side (input channel state:
 * data that reached the consumer after its snapshot, before the channel's barrier) and the
 * producer side (result subpartition state: data the barrier overtook in the producer's output).
 * On one channel (producer i → consumer c) the consumer-side data came first, then the
 * producer-side data, then anything the producer emits after the restore. All of it becomes
 * stored input of the new consumer subtasks, replayed before they read their input gates, so
 * in-flight data always comes before new data; producers restart with empty outputs.
 *
 * Which new consumer subtask takes a record, per partitioner of the edge:
 *  - hash (keyBy) and custom partitioning: the partitioner picks the channel among the new
 *    consumers, record by record (keyBy: the subtask owning the key's key group, the same
 *    computation as for keyed state); Flink filters each record by key group the same way;
 *  - global: new subtask 0 (Flink's FIRST);
 *  - rebalance and shuffle: the data of old consumer c goes to new consumer c mod n, in order
 *    (Flink's ROUND_ROBIN);
 *  - broadcast: new consumer j takes the copy old consumer j mod m had (Flink keeps old
 *    consumer j's copy and discards the extra ones; a new consumer beyond the old ones gets a
 *    copy too here, as it would have received every broadcast record);
 *  - forward and rescale (pointwise) edges cannot be rescaled with in-flight data, as in Flink:
 *    the restore is refused, naming the edge and the checkpoint.
 * An edge whose two vertices keep their parallelism keeps its data on the same channels, with its
 * watermarks. On a rescaled edge only records are redistributed: in-flight watermarks and
 * watermark statuses are left out (event time resumes from the watermarks the producers emit
 * again after the restore, as for any restored job, whose operators start without a watermark).
 */
import type { FlinkError } from '../../errors.ts';
import type { JobEdge, JobGraph, JobVertex } from '../../graph/job-graph.ts';
import { DistributionPattern } from '../../graph/job-graph.ts';
import { RecordBatch } from '../io/record-batch.ts';
import { pointwiseConnections } from '../partitioner/pointwise.ts';
import { PartitionerKinds } from '../partitioner/stream-partitioner.ts';
import { decodeChannelItem, encodeChannelItem, type ChannelStateEntry, type ChannelStateSnapshot } from './channel-state.ts';

/** One channel of a job edge: producer subtask → consumer subtask. */
interface EdgeChannel {
  readonly edge: JobEdge;
  readonly producer: number;
  readonly consumer: number;
}

/** The consumers each producer subtask of `edge` writes to, at the given parallelisms (as deployed). */
function targetsOf(edge: JobEdge, producers: number, consumers: number): number[][] {
  if (edge.pattern === DistributionPattern.POINTWISE) return pointwiseConnections(producers, consumers);
  return Array.from({ length: producers }, () => Array.from({ length: consumers }, (_, j) => j));
}

/**
 * The channels of input gate `input` of subtask `subtask` of `vertex`, in gate order, as the
 * execution attempt connects them: edges by producing vertex, then producer subtasks in order.
 */
function gateChannels(jobGraph: JobGraph, vertex: JobVertex, input: number, subtask: number, parallelism: (v: JobVertex) => number): EdgeChannel[] {
  const out: EdgeChannel[] = [];
  for (const source of jobGraph.vertices) {
    for (const edge of source.outputs) {
      if (edge.target !== vertex || edge.streamEdge.typeNumber !== input) continue;
      targetsOf(edge, parallelism(source), parallelism(vertex)).forEach((consumers, producer) => {
        if (consumers.includes(subtask)) out.push({ edge, producer, consumer: subtask });
      });
    }
  }
  return out;
}

/** The in-flight data of one old channel: consumer side first, then producer side. */
interface ChannelData {
  input: Uint8Array[];
  output: Uint8Array[];
}

export interface RescaleContext {
  readonly jobGraph: JobGraph;
  /** Per vertex id, its parallelism in the checkpoint. */
  readonly oldParallelism: ReadonlyMap<number, number>;
  /** Builds the error refusing the restore (names the checkpoint). */
  readonly refuse: (what: string) => FlinkError;
  /** The checkpoint, for errors reading an item. */
  readonly where: string;
  /** The operator ids of a vertex's chain. */
  readonly chainIds: (vertex: JobVertex) => readonly string[];
}

/**
 * Redistributes the in-flight data of `snapshots` (per old task key) over the subtasks of the job
 * at its parallelism; the result, per new task key, holds stored input only.
 */
export function rescaleChannelState(snapshots: ReadonlyMap<string, ChannelStateSnapshot>, context: RescaleContext): Map<string, ChannelStateSnapshot> {
  const { jobGraph, oldParallelism, refuse } = context;
  const vertexById = new Map(jobGraph.vertices.map((v) => [v.id, v]));
  const oldP = (v: JobVertex): number => oldParallelism.get(v.id) ?? 0;
  const newP = (v: JobVertex): number => v.parallelism;
  // Per edge, per old channel `producer/consumer`, the data in channel order.
  const byEdge = new Map<JobEdge, Map<string, ChannelData>>();
  const dataOf = (c: EdgeChannel): ChannelData => {
    let channels = byEdge.get(c.edge);
    if (channels === undefined) byEdge.set(c.edge, (channels = new Map()));
    const key = `${c.producer}/${c.consumer}`;
    let data = channels.get(key);
    if (data === undefined) channels.set(key, (data = { input: [], output: [] }));
    return data;
  };
  for (const snapshot of snapshots.values()) {
    const vertex = vertexById.get(snapshot.vertexId)!;
    for (const entry of snapshot.inputChannels) {
      const channel = gateChannels(jobGraph, vertex, entry.gate, snapshot.subtaskIndex, oldP)[entry.channel];
      if (channel === undefined) throw refuse(`task '${vertex.name}' has no input channel ${entry.gate}/${entry.channel} at its old parallelism ${oldP(vertex)}`);
      dataOf(channel).input.push(...entry.items);
    }
    for (const entry of snapshot.resultSubpartitions) {
      const edge = vertex.outputs[entry.gate];
      const consumer = edge === undefined ? undefined : targetsOf(edge, oldP(vertex), oldP(edge.target))[snapshot.subtaskIndex]?.[entry.channel];
      if (edge === undefined || consumer === undefined) throw refuse(`task '${vertex.name}' has no output channel ${entry.gate}/${entry.channel} at its old parallelism ${oldP(vertex)}`);
      dataOf({ edge, producer: snapshot.subtaskIndex, consumer }).output.push(...entry.items);
    }
  }

  // Per new consumer task key, its stored input entries in replay order.
  const result = new Map<string, { vertex: JobVertex; subtask: number; entries: ChannelStateEntry[] }>();
  const add = (vertex: JobVertex, subtask: number, entry: ChannelStateEntry): void => {
    if (entry.items.length === 0) return;
    const key = `${vertex.id}/${subtask}`;
    let target = result.get(key);
    if (target === undefined) result.set(key, (target = { vertex, subtask, entries: [] }));
    target.entries.push(entry);
  };
  /** The gate channel of new consumer `subtask` that stands for old producer `producer` of `edge`. */
  const newChannel = (edge: JobEdge, producer: number, subtask: number): number => {
    const channels = gateChannels(jobGraph, edge.target, edge.streamEdge.typeNumber, subtask, newP);
    const same = channels.findIndex((c) => c.edge === edge && c.producer === producer);
    const channel = same >= 0 ? same : channels.findIndex((c) => c.edge === edge);
    if (channel < 0) throw refuse(`subtask ${subtask} of '${edge.target.name}' reads no channel of '${edge.source.name}' at the new parallelism`);
    return channel;
  };

  for (const [edge, channels] of byEdge) {
    const unchanged = oldP(edge.source) === newP(edge.source) && oldP(edge.target) === newP(edge.target);
    const ordered = [...channels.entries()]
      .map(([key, data]) => ({ producer: Number(key.split('/')[0]), consumer: Number(key.split('/')[1]), items: [...data.input, ...data.output] }))
      .sort((a, b) => a.consumer - b.consumer || a.producer - b.producer);
    for (const { producer, consumer, items } of ordered) {
      if (unchanged) {
        add(edge.target, consumer, { gate: edge.streamEdge.typeNumber, channel: newChannel(edge, producer, consumer), items });
        continue;
      }
      for (const [subtask, routed] of route(edge, consumer, items, context)) {
        add(edge.target, subtask, { gate: edge.streamEdge.typeNumber, channel: newChannel(edge, producer, subtask), items: routed });
      }
    }
  }
  const out = new Map<string, ChannelStateSnapshot>();
  for (const [key, { vertex, subtask, entries }] of result) {
    out.set(key, { vertexId: vertex.id, subtaskIndex: subtask, operatorIds: context.chainIds(vertex), inputChannels: entries, resultSubpartitions: [] });
  }
  return out;
}

/** The records of one old channel of a rescaled edge, by new consumer subtask, re-encoded in order. */
function route(edge: JobEdge, oldConsumer: number, items: readonly Uint8Array[], context: RescaleContext): Map<number, Uint8Array[]> {
  const partitioner = edge.streamEdge.partitioner;
  const consumers = edge.target.parallelism;
  const oldConsumers = context.oldParallelism.get(edge.target.id) ?? 0;
  const describeEdge = `'${edge.source.name}' → '${edge.target.name}'`;
  const out = new Map<number, Uint8Array[]>();
  const site = { operator: edge.target.name, task: `${edge.target.name} (rescaled)`, channel: `input ${edge.streamEdge.typeNumber}` };
  const emit = (subtask: number, batch: RecordBatch<unknown>): void => {
    let list = out.get(subtask);
    if (list === undefined) out.set(subtask, (list = []));
    list.push(encodeChannelItem(batch, site));
  };
  let selector: ((value: unknown) => number) | null = null;
  let fixed: number[] = [];
  switch (partitioner.kind) {
    case PartitionerKinds.HASH:
    case PartitionerKinds.CUSTOM: {
      const p = partitioner.copy();
      p.setup(consumers);
      selector = (value) => p.selectChannel(value);
      break;
    }
    case PartitionerKinds.GLOBAL:
      fixed = [0];
      break;
    case PartitionerKinds.REBALANCE:
    case PartitionerKinds.SHUFFLE:
      fixed = [oldConsumer % consumers];
      break;
    case PartitionerKinds.BROADCAST:
      fixed = Array.from({ length: consumers }, (_, j) => j).filter((j) => j % oldConsumers === oldConsumer);
      break;
    default:
      throw context.refuse(
        `the ${partitioner.toString()} edge ${describeEdge} holds in-flight data and its parallelism changed (${context.oldParallelism.get(edge.source.id)} → ${edge.source.parallelism} producers, ` +
          `${oldConsumers} → ${consumers} consumers); like Flink, in-flight data of a pointwise edge is not redistributed (use rebalance() or keyBy() between the operators)`,
      );
  }
  for (const bytes of items) {
    const item = decodeChannelItem(bytes, context.where);
    // Watermarks and watermark statuses of a rescaled edge are not carried over (see above).
    if (!(item instanceof RecordBatch)) continue;
    if (selector === null) {
      for (const subtask of fixed) emit(subtask, item);
      continue;
    }
    const parts = new Map<number, { values: unknown[]; timestamps: number[] | null }>();
    item.values.forEach((value, i) => {
      const subtask = selector(value);
      let part = parts.get(subtask);
      if (part === undefined) parts.set(subtask, (part = { values: [], timestamps: item.timestamps === null ? null : [] }));
      part.values.push(value);
      part.timestamps?.push(item.timestamps![i]!);
    });
    for (const [subtask, part] of parts) emit(subtask, new RecordBatch(part.values, part.timestamps));
  }
  return out;
}

/** Whether the in-flight data must be redistributed: some vertex runs at another parallelism. */
export function needsRescaling(jobGraph: JobGraph, oldParallelism: ReadonlyMap<number, number>): boolean {
  return jobGraph.vertices.some((v) => oldParallelism.get(v.id) !== v.parallelism);
}
